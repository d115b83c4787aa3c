// Small helpers for plain JSON values.

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}

/** Deep copy of a JSON value (structuredClone is slower for small JSON trees). */
export function clone<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = clone(x);
  }
  return out as T;
}

/**
 * Whether a JSON value nests more than `max` arrays/objects deep (a scalar is depth 0, `{}`
 * depth 1). Iterative, so it answers for values far deeper than the call stack allows.
 */
export function jsonDepthExceeds(v: unknown, max: number): boolean {
  const values: unknown[] = [v];
  const depths: number[] = [0];
  while (values.length) {
    const x = values.pop();
    const d = depths.pop()! + 1;
    if (typeof x !== 'object' || x === null) continue;
    if (d > max) return true;
    if (Array.isArray(x)) {
      for (const y of x) if (typeof y === 'object' && y !== null) { values.push(y); depths.push(d); }
    } else {
      for (const k in x) {
        const y = (x as Record<string, unknown>)[k];
        if (typeof y === 'object' && y !== null) { values.push(y); depths.push(d); }
      }
    }
  }
  return false;
}
