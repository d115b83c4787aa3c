// Field errors as apimachinery's field.Error prints them for values decoded from JSON: strings
// quoted (%q), numbers and booleans plain (%v; floats in Go's form), null as null, maps and lists
// in Go's %#v (`map[string]interface {}{"k":"a"}`, `[]interface {}{"a", 1}`), and no value at
// all where upstream omits it (CEL rule failures on objects and lists).

import type { FieldError } from '../status.js';
import { isPlainObject } from '../types/index.js';

/**
 * Go's %v of a float64 (strconv 'g', shortest digits, exponent form when the decimal exponent is
 * below -4 or at least 6), as fmt prints float bounds in kube-openapi's messages: 1e+06, 0.5.
 */
export function goFloat(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** Marks a value upstream leaves out of the message (field.OmitValueType). */
export const OMIT = Symbol('omit value');

function goNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : goFloat(n);
}

/** Go's %#v of a value inside an interface{} container. */
function goSharp(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(', ')}}`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${JSON.stringify(k)}:${goSharp(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

/** A bad value as field.Error's ErrorBody renders it. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goSharp(v);
}

function body(label: string, value: unknown, detail: string): string {
  const head = value === OMIT ? label : `${label}: ${goValue(value)}`;
  return detail ? `${head}: ${detail}` : head;
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: body('Invalid value', value, detail) };
}

export function typeInvalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field, message: body('Invalid value', value, detail) };
}

export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, message: body('Unsupported value', value, detail) };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, message: body('Duplicate value', value, '') };
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

/** field.TooLong: the value is never printed. */
export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` };
}

/** field.TooMany; a negative limit reads "has too many items", as upstream. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, message: `Too many: ${actual}: ${max >= 0 ? `must have at most ${max} items` : 'has too many items'}` };
}

export function internal(field: string, detail: string): FieldError {
  return { type: 'InternalError', field, message: `Internal error: ${detail}` };
}

/** `field: message`, the string upstream sorts structural errors by. */
export function errorString(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}
