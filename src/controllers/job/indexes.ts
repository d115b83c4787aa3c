// Completion indexes of Indexed Jobs: the index each pod carries, and the compressed
// interval form of status.completedIndexes ("1,3-5,7").
import type { KObject } from '../../api/types/index.js';

export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** The pod's completion index, or -1 when absent or malformed. */
export function completionIndexOf(pod: Readonly<KObject>): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Parses "1,3-5" into a sorted set of indexes below `limit`; malformed parts are skipped. */
export function parseIndexes(s: string | undefined, limit = Number.MAX_SAFE_INTEGER): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i < limit; i++) out.add(i);
  }
  return out;
}

/** Sorted, with runs of consecutive indexes as `a-b`. */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...new Set(set)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(j > i ? `${xs[i]}-${xs[j]}` : String(xs[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** The first `count` indexes in [0, completions) that are in neither `taken` set. */
export function firstPendingIndexes(count: number, completions: number, ...taken: ReadonlySet<number>[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.some((s) => s.has(i))) out.push(i);
  return out;
}
