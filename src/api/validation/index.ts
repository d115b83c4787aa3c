// Public surface of validation.
export { validateObject, validateUpdate, isNamespacedKind } from './validate.js';
export { validateObjectMeta, validateLabels, validateAnnotations, validateLabelSelector, selectorMatches, TOTAL_ANNOTATION_SIZE_LIMIT } from './meta.js';
export { validatePodSpec, validateResources } from './pod.js';
export {
  isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue, isConfigMapKey, isEnvVarName,
  isValidPathSegmentName, isValidPortName, isValidIPAddress, isValidIPv4Address, isValidIPv6Address,
} from './names.js';
export type { NameValidator } from './names.js';
export type { ValidateOptions } from './endpoints.js';
export { cronScheduleError, timeZoneError } from './cron.js';
