// Public surface of resource quantities (see quantity.ts for the grammar and canonical form).
export type { Quantity, QuantityFormat } from './quantity.js';
export {
  parseQuantity, canonicalQuantity, quantityToNumber, milliValue, integerValue, compareQuantities,
  addQuantities, subtractQuantities, roundUpQuantity, isQuantity, isZeroQuantity, isNegativeQuantity,
  QuantityParseError, QUANTITY_REGEX_MESSAGE,
} from './quantity.js';
export { canonicalizeQuantities, canonicalizePodSpecQuantities } from './canonicalize.js';
