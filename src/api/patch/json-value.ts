// Small helpers over parsed JSON shared by every patch flavour.
//
// Contract for the whole folder: inputs are never mutated. Outputs may share
// unchanged subtrees with the inputs (structural sharing), so callers must treat
// both as immutable, which is what the API server does with stored objects.

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * Assigns an own, enumerable property even for the key `__proto__`, which a
 * plain `o[k] = v` would turn into a prototype change (JSON bodies may carry it).
 */
export function setOwn(o: JsonObject, k: string, v: unknown): void {
  if (k === '__proto__') {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  } else {
    o[k] = v;
  }
}

/** Shallow copy that keeps `__proto__` keys as data. */
export function copyObject(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o)) setOwn(out, k, o[k]);
  return out;
}

/** Structural equality of JSON values (object key order is irrelevant). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (!hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/** Deep copy of a JSON value (used where RFC 6902 `copy` demands independence). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneJson(v[k]));
    return out as T;
  }
  return v;
}

/**
 * The size of `v` encoded as JSON, in bytes (UTF-16 units for strings, close enough for a
 * limit), counted only up to `limit`: the walk stops as soon as the count passes it, so a
 * huge (or exponentially shared) value costs at most `limit` steps. Returns a number
 * greater than `limit` when the value is larger.
 */
export function jsonSizeUpTo(v: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') size += x.length + 2;
    else if (Array.isArray(x)) {
      size += 2 + x.length;
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (isObject(x)) {
      const keys = Object.keys(x);
      size += 2;
      for (const k of keys) {
        size += k.length + 4;
        stack.push(x[k]);
      }
    } else size += x === null || x === undefined ? 4 : String(x).length;
    if (size > limit) return size;
  }
  return size;
}

/** Renders a value roughly the way Go's `%v` prints decoded JSON, for error texts. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return String(v);
}
