/** Freezes a JSON value and everything in it; returns it. Caches hand out frozen objects in tests. */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const k of Object.keys(v as object)) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}
