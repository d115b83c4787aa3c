// Field-error helpers beyond src/api/status.ts: values rendered the way Go's field.Error
// prints them (%#v for maps and slices), and upstream's wording for sizes and immutability.

import type { FieldError } from '../status.js';
import { fieldErr } from '../status.js';
import { isPlainObject } from '../types/index.js';

export type Obj = Record<string, unknown>;
export type Errs = FieldError[];

export const IMMUTABLE = 'field is immutable';

/** Invalid with a value already rendered (e.g. `map[string]string{"a":"b"}`). */
export function invalidRaw(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}${detail ? ': ' + detail : ''}` };
}

/** Upstream field.TooLong wording for byte limits. */
export function tooLongBytes(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, message: `Too long: must have at most ${max} bytes` };
}

/**
 * field.NotFound. status.ts has no FieldValueNotFound reason, so the cause reason reads
 * FieldValueInvalid while the message keeps upstream's `Not found: "x"` text.
 */
export function notFoundErr(field: string, value: unknown): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Not found: ${JSON.stringify(value ?? '')}` };
}

/** Go %#v of a map[string]string (keys sorted, as fmt prints maps). */
export function goStringMap(m: unknown): string {
  if (!isPlainObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`).join(', ')}}`;
}

/** Go %#v of a []string. */
export function goStringSlice(a: unknown): string {
  if (!Array.isArray(a)) return '[]string(nil)';
  return `[]string{${a.map((s) => JSON.stringify(String(s))).join(', ')}}`;
}

export function immutable(field: string, newValue: unknown): FieldError {
  return fieldErr.invalid(field, newValue, IMMUTABLE);
}

export function obj(v: unknown): Obj | undefined { return isPlainObject(v) ? v : undefined; }
export function str(v: unknown): string { return typeof v === 'string' ? v : ''; }
export function arr(v: unknown): unknown[] { return Array.isArray(v) ? v : []; }
export function isSet(v: unknown): boolean { return v !== undefined && v !== null; }
export function isInt(v: unknown): v is number { return typeof v === 'number' && Number.isInteger(v); }

export function eachObj(v: unknown, fn: (o: Obj, i: number) => void): void {
  if (!Array.isArray(v)) return;
  for (let i = 0; i < v.length; i++) { const it: unknown = v[i]; if (isPlainObject(it)) fn(it, i); }
}

/** Structural JSON equality without copying (undefined members count as absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Obj;
  const bo = b as Obj;
  let na = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    na++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined) nb++;
  return na === nb;
}

/** `must be greater than or equal to 0` for an optional integer field. */
export function nonNegative(errs: Errs, v: unknown, field: string): void {
  if (v === undefined || v === null) return;
  if (!isInt(v) || v < 0) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
}

export function enumOf(errs: Errs, v: unknown, field: string, valid: readonly string[], required = false): void {
  if (v === undefined || v === null || v === '') {
    if (required) errs.push(fieldErr.required(field));
    return;
  }
  if (typeof v !== 'string' || !valid.includes(v)) errs.push(fieldErr.notSupported(field, v, [...valid]));
}

export function pushMsgs(errs: Errs, field: string, value: unknown, msgs: string[]): void {
  for (const m of msgs) errs.push(fieldErr.invalid(field, value, m));
}
