// Small helpers shared by the defaulters. "Absent" means undefined or null: JSON null is
// how clients say "unset", and upstream decodes it to a nil pointer, which is then defaulted.

import { isPlainObject } from '../types/index.js';

export type Obj = Record<string, unknown>;

export function isAbsent(v: unknown): boolean { return v === undefined || v === null; }

/** Sets `o[k] = v` when `o[k]` is absent. */
export function setDefault(o: Obj, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Sets `o[k] = v` when `o[k]` is absent or the empty string (Go zero-value strings). */
export function setDefaultString(o: Obj, k: string, v: string): void {
  const cur = o[k];
  if (cur === undefined || cur === null || cur === '') o[k] = v;
}

/** Returns `o[k]` as an object, creating `{}` when absent. */
export function child(o: Obj, k: string): Obj {
  const cur = o[k];
  if (isPlainObject(cur)) return cur;
  const made: Obj = {};
  o[k] = made;
  return made;
}

/** Returns `o[k]` when it is an object, else undefined (never creates). */
export function sub(o: unknown, k: string): Obj | undefined {
  if (!isPlainObject(o)) return undefined;
  const v = o[k];
  return isPlainObject(v) ? v : undefined;
}

export function eachObject(arr: unknown, fn: (item: Obj, i: number) => void): void {
  if (!Array.isArray(arr)) return;
  for (let i = 0; i < arr.length; i++) {
    const it: unknown = arr[i];
    if (isPlainObject(it)) fn(it, i);
  }
}
