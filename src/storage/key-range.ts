// Key-range helpers shared by both stores.
//
// Keys are compared as in etcd: byte-wise. SQLite compares TEXT by UTF-8 bytes and JS
// compares strings by UTF-16 code units; the two orders agree for every key without
// astral-plane characters (surrogates), which covers all Kubernetes keys (ASCII).

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when
 * no such string exists (the empty prefix, or one made only of U+FFFF): the range is then
 * unbounded above. `/registry/pods/` → `/registry/pods0`.
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

/**
 * The inclusive/exclusive lower bound of a paged prefix scan: keys must be >= `prefix`
 * and, when `startAfter` is given, > `startAfter`. Returns which bound is tighter.
 */
export function lowerBound(prefix: string, startAfter: string | undefined): { key: string; exclusive: boolean } {
  if (startAfter !== undefined && startAfter >= prefix) return { key: startAfter, exclusive: true };
  return { key: prefix, exclusive: false };
}

/** First index in sorted `arr` whose element is >= x (or > x when `exclusive`). */
export function searchSorted(arr: readonly string[], x: string, exclusive = false): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = arr[mid]!;
    if (v < x || (exclusive && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
