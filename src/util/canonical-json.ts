// Canonical JSON text: one spelling per JSON value, so equal values give equal strings (equality
// keys, content hashes). Two flavours, because two contracts depend on them:
//
// - canonicalJson: every value kept, object keys sorted by code unit at every level (Go's
//   encoding of maps), no whitespace. Members whose value is `undefined` are left out (JSON has
//   no undefined); `undefined` array items become null, as JSON.stringify does.
// - canonicalJsonOmitEmpty: first drops what Go's `omitempty` drops on a round trip (null, {},
//   []), then prints with JSON.stringify. It is the pod-template-hash input, and hash values
//   must never change (they name existing ReplicaSets), so it keeps a quirk of JSON.stringify:
//   integer-like keys ("9", "10") come first in numeric order, the others after in sorted order.
//   Do not "fix" it; hash-pinned.test.ts pins the values.
// Pure: no I/O, no node: imports (src/api uses it).

/** JSON with object keys sorted at every level and no whitespace; undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * `v` without what Go's omitempty drops (null, undefined, {} and [] at every level, and the
 * containers left empty by that), object keys inserted in sorted order; undefined when nothing
 * is left. Compare results with deepEqual, or print them with canonicalJsonOmitEmpty.
 */
export function omitEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(omitEmpty).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v as Record<string, unknown>).sort()) {
    const x = omitEmpty((v as Record<string, unknown>)[k]);
    if (x !== undefined) out[k] = x;
  }
  return Object.keys(out).length ? out : undefined;
}

/** omitEmpty(v) printed by JSON.stringify ("null" when nothing is left): the pod-template-hash input. */
export function canonicalJsonOmitEmpty(v: unknown): string {
  return JSON.stringify(omitEmpty(v) ?? null);
}
