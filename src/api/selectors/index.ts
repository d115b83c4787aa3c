// Public surface of label and field selectors. Other components import only from here.

export {
  EVERYTHING, NOTHING, isEverything, isNothing, matchesLabels, matchesRequirement, selectorToString,
  labelSelectorFromMeta, labelSelectorFromSet, formatLabelSelector, formatLabels,
  type LabelOperator, type LabelRequirement, type LabelSelector, type Labels,
  type LabelSelectorMeta, type LabelSelectorRequirementMeta,
} from './label-selector.js';
export { parseLabelSelector } from './label-parser.js';
export { nodeSelectorTermMatches, type NodeInfo, type NodeSelectorRequirement, type NodeSelectorTerm } from './node-selector.js';
export { qualifiedNameErrors, labelValueErrors, dns1123SubdomainErrors } from './label-validation.js';
export {
  ALL_FIELDS, parseFieldSelector, matchesFields, isAllFields, fieldExactMatch, fieldSelectorToString,
  escapeFieldValue, unescapeFieldValue,
  type FieldOperator, type FieldRequirement, type FieldSelector, type Fields,
} from './field-selector.js';
export {
  fieldsFor, supportedFields, validateFieldSelector, compileFieldSelector, normalizeFieldSelector, selectionView,
  kindsWithFieldTables,
} from './field-sets.js';
export { compileObjectSelector } from './object-selector.js';
