// Tolerant readers for objects that arrive as plain JSON. Printers must never throw on a
// half-filled object (a Table is requested for whatever is stored), so every reader
// falls back to the Go zero value of the field.

import { isPlainObject } from '../types/index.js';

export type Json = Record<string, unknown>;

/** Walks objects by key and arrays by index. */
export function at(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isPlainObject(cur) && typeof p === 'string') cur = Object.hasOwn(cur, p) ? cur[p] : undefined;
    else return undefined;
  }
  return cur;
}

export function str(obj: unknown, ...path: (string | number)[]): string {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : '';
}

/** A string that may be absent (Go *string). */
export function optStr(obj: unknown, ...path: (string | number)[]): string | undefined {
  const v = at(obj, ...path);
  return typeof v === 'string' ? v : undefined;
}

export function int(obj: unknown, ...path: (string | number)[]): number {
  const v = at(obj, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** An integer that may be absent (Go *int32). */
export function optInt(obj: unknown, ...path: (string | number)[]): number | undefined {
  const v = at(obj, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

export function optBool(obj: unknown, ...path: (string | number)[]): boolean | undefined {
  const v = at(obj, ...path);
  return typeof v === 'boolean' ? v : undefined;
}

export function arr(obj: unknown, ...path: (string | number)[]): unknown[] {
  const v = at(obj, ...path);
  return Array.isArray(v) ? v : [];
}

export function rec(obj: unknown, ...path: (string | number)[]): Json {
  const v = at(obj, ...path);
  return isPlainObject(v) ? v : {};
}

/** Present and a JSON object (Go non-nil pointer to struct). */
export function has(obj: unknown, ...path: (string | number)[]): boolean {
  return isPlainObject(at(obj, ...path));
}

/** A string map such as labels or nodeSelector; non-string values are dropped. */
export function strMap(obj: unknown, ...path: (string | number)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(obj, ...path))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A resource.Quantity or IntOrString as text: strings verbatim, numbers in decimal. */
export function quantityText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return '0';
}

/** Go's strconv/fmt rendering of a bool cell that is a string ("True"/"False"). */
export function boolPtrText(v: boolean | undefined): string {
  return v === undefined ? '<unset>' : v ? 'True' : 'False';
}
