// Public surface of version conversion.
export { convert, ConversionError } from './convert.js';
export { METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION } from './hpa.js';
