// resource.Quantity: an exact fixed-point number plus the notation it was written in.
//
// Contract (mirrors apimachinery's Quantity):
//   <quantity> ::= <sign>? <digits>[.<digits>] <suffix>
//   <suffix>   ::= binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (n u m "" k M G T P E)
//                | decimalExponent (e|E followed by a signed integer)
// Values are held exactly (bigint mantissa × 10^exp). Anything finer than 1n is rounded
// away from zero to the next nano, so that asking for "some" resource never yields zero.
// The canonical string keeps the notation family; BinarySI values that are fractional or
// whose magnitude is below 1024 print as DecimalSI, as upstream does.

import { ERR_QUANTITY_FORMAT } from '../../util/error-codes.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value = mantissa × 10^exp, exp ≥ -9 after parsing. */
  readonly mantissa: bigint;
  readonly exp: number;
  readonly format: QuantityFormat;
}

export const QUANTITY_REGEX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export class QuantityParseError extends Error {
  readonly code = ERR_QUANTITY_FORMAT;
  /** `detail` says which part of the grammar failed; the message is upstream's. */
  constructor(readonly input: string, readonly detail: string) {
    super(QUANTITY_REGEX_MESSAGE);
    this.name = 'QuantityParseError';
  }
}

const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXP: ReadonlyMap<number, string> = new Map(Object.entries(DECIMAL_SUFFIX).map(([k, v]) => [v, k]));
const BINARY_NAMES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SUFFIX_CHARS = 'eEinumkKMGTP';
/** Exponents beyond this are refused: they would only serve to make bigint work explode. */
const MAX_EXP = 1000;
const MIN_EXP = -9;

const TEN = 10n;
const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let v = pow10Cache[n];
    if (v === undefined) { v = TEN ** BigInt(n); pow10Cache[n] = v; }
    return v;
  }
  return TEN ** BigInt(n);
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/** Rounds |m|×10^exp up (away from zero) so that exp ≥ minExp. */
function roundUpTo(mantissa: bigint, exp: number, minExp: number): [bigint, number] {
  if (exp >= minExp) return [mantissa, exp];
  const div = pow10(minExp - exp);
  let q = mantissa / div;
  if (q * div !== mantissa) q += mantissa < 0n ? -1n : 1n;
  return [q, minExp];
}

/** Parses a quantity; throws QuantityParseError on bad syntax. Numbers are read through their JSON text. */
export function parseQuantity(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberText(input) : input;
  const end = s.length;
  if (end === 0) throw new QuantityParseError(s, 'empty');
  let i = 0;
  let negative = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) { negative = c0 === 45; i++; }
  const intStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  const intDigits = s.slice(intStart, i);
  let fracDigits = '';
  if (i < end && s.charCodeAt(i) === 46 /* . */) {
    i++;
    const fs = i;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    fracDigits = s.slice(fs, i);
  }
  if (intDigits.length === 0 && fracDigits.length === 0) throw new QuantityParseError(s, 'no digits');
  // Suffix: letters from the suffix alphabet, then an optional signed integer (exponent form).
  const sufStart = i;
  while (i < end && SUFFIX_CHARS.includes(s[i]!)) i++;
  const letters = s.slice(sufStart, i);
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (i === end) {
    const dec = DECIMAL_SUFFIX[letters];
    const bin = BINARY_SUFFIX[letters];
    if (dec !== undefined) { format = 'DecimalSI'; exp10 = dec; }
    else if (bin !== undefined) { format = 'BinarySI'; exp2 = bin; }
    else throw new QuantityParseError(s, `unable to parse quantity's suffix`);
  } else {
    if (letters !== 'e' && letters !== 'E') throw new QuantityParseError(s, `unable to parse quantity's suffix`);
    let j = i;
    const cs = s.charCodeAt(j);
    if (cs === 43 || cs === 45) j++;
    const ds = j;
    while (j < end && isDigit(s.charCodeAt(j))) j++;
    if (j !== end || j === ds) throw new QuantityParseError(s, `unable to parse quantity's suffix`);
    exp10 = Number(s.slice(i, end));
    if (!Number.isFinite(exp10) || Math.abs(exp10) > MAX_EXP) throw new QuantityParseError(s, 'exponent out of range');
    format = 'DecimalExponent';
  }
  let mantissa = BigInt((intDigits || '0') + fracDigits);
  if (negative) mantissa = -mantissa;
  let exp = exp10 - fracDigits.length;
  if (exp2 > 0) mantissa *= 1n << BigInt(exp2);
  [mantissa, exp] = roundUpTo(mantissa, exp, MIN_EXP);
  return normalize(mantissa, exp, format);
}

/** JSON numbers: use the shortest round-trip text, as a JSON decoder would see it. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityParseError(String(n), 'not finite');
  return String(n).replace('e+', 'e');
}

/** Strips trailing decimal zeros from the mantissa (keeps value, smallest mantissa). */
function normalize(mantissa: bigint, exp: number, format: QuantityFormat): Quantity {
  if (mantissa === 0n) return { mantissa: 0n, exp: 0, format };
  while (mantissa % TEN === 0n) { mantissa /= TEN; exp++; }
  return { mantissa, exp, format };
}

export function isQuantity(v: unknown): v is Quantity {
  return typeof v === 'object' && v !== null && typeof (v as Quantity).mantissa === 'bigint';
}

/** Canonical serialization: no precision lost, no fractional digits, largest suffix possible. */
export function canonicalQuantity(q: Quantity | string | number): string {
  const v = typeof q === 'object' ? q : parseQuantity(q);
  if (v.mantissa === 0n) return '0';
  if (v.format === 'BinarySI' && v.exp >= 0) {
    const int = v.mantissa * pow10(v.exp);
    const abs = int < 0n ? -int : int;
    if (abs >= 1024n) {
      let m = int;
      let k = 0;
      while (k < BINARY_NAMES.length - 1 && m % 1024n === 0n) { m /= 1024n; k++; }
      return `${m}${BINARY_NAMES[k]}`;
    }
  }
  // Decimal forms: exponent a multiple of 3, as large as possible with an integer mantissa.
  let exp = v.exp;
  let m = v.mantissa;
  const rem = ((exp % 3) + 3) % 3;
  if (rem !== 0) { m *= pow10(rem); exp -= rem; }
  if (v.format === 'DecimalExponent') return exp === 0 ? `${m}` : `${m}e${exp}`;
  if (exp > 18) { m *= pow10(exp - 18); exp = 18; }
  return `${m}${DECIMAL_BY_EXP.get(exp) ?? ''}`;
}

/** Rounds up (away from zero) to a power-of-ten scale, e.g. -3 for milli. */
export function roundUpQuantity(q: Quantity, scale: number): Quantity {
  const [m, e] = roundUpTo(q.mantissa, q.exp, scale);
  return normalize(m, e, q.format);
}

/** Approximate value as a JS number (exact for integers below 2^53). */
export function quantityToNumber(q: Quantity | string | number): number {
  const v = typeof q === 'object' ? q : parseQuantity(q);
  if (v.exp >= 0) return Number(v.mantissa * pow10(v.exp));
  return Number(v.mantissa) / 10 ** -v.exp;
}

/** Value in thousandths, rounded away from zero (upstream MilliValue). */
export function milliValue(q: Quantity | string | number): number {
  return Number(scaledBigInt(typeof q === 'object' ? q : parseQuantity(q), -3));
}

/** Integer value rounded away from zero (upstream Value). */
export function integerValue(q: Quantity | string | number): number {
  return Number(scaledBigInt(typeof q === 'object' ? q : parseQuantity(q), 0));
}

function scaledBigInt(q: Quantity, scale: number): bigint {
  const [m, e] = roundUpTo(q.mantissa, q.exp, scale);
  return m * pow10(e - scale);
}

/** -1, 0 or 1, exactly. */
export function compareQuantities(a: Quantity | string | number, b: Quantity | string | number): -1 | 0 | 1 {
  const x = typeof a === 'object' ? a : parseQuantity(a);
  const y = typeof b === 'object' ? b : parseQuantity(b);
  const e = Math.min(x.exp, y.exp);
  const xm = x.mantissa * pow10(x.exp - e);
  const ym = y.mantissa * pow10(y.exp - e);
  return xm < ym ? -1 : xm > ym ? 1 : 0;
}

/** Sum, in the format of the first operand (upstream Add keeps the receiver's format). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exp, b.exp);
  return normalize(a.mantissa * pow10(a.exp - e) + b.mantissa * pow10(b.exp - e), e, a.format);
}

export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return addQuantities(a, { mantissa: -b.mantissa, exp: b.exp, format: b.format });
}

export function isZeroQuantity(q: Quantity): boolean { return q.mantissa === 0n; }
export function isNegativeQuantity(q: Quantity): boolean { return q.mantissa < 0n; }
