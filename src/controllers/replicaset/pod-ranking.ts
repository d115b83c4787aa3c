// Which pods a ReplicaSet deletes first when it scales down (upstream ActivePodsWithRanks,
// with the PodDeletionCost and LogarithmicScaleDown behaviour that is on in 1.32).
// Earlier in the order means deleted first:
//
//   1. not scheduled (no spec.nodeName)   before scheduled
//   2. Pending  before  Unknown  before  Running
//   3. not ready  before  ready
//   4. lower controller.kubernetes.io/pod-deletion-cost  before higher
//   5. more pods of the same owner on its node  before fewer   ("doubled up")
//   6. both ready: ready more recently first, compared in log2 buckets of age, ties by uid
//   7. more container restarts  before fewer
//   8. created more recently first, in log2 buckets of age, ties by uid
import { getCondition, isPodActive, isPodReady } from '../../api/pod-util.js';
import type { Pod } from '../../api/types/index.js';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

interface RankedPod {
  pod: Readonly<Pod>;
  /** Active related pods on the same node. */
  rank: number;
}

/** The cost annotation as an int32; absent or invalid counts as 0. */
export function podDeletionCost(pod: Readonly<Pod>): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function readyTime(pod: Readonly<Pod>): number | undefined {
  if (!isPodReady(pod)) return undefined;
  const t = getCondition(pod, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : undefined;
}

function creationTime(pod: Readonly<Pod>): number | undefined {
  const t = pod.metadata.creationTimestamp;
  return t ? Date.parse(t) : undefined;
}

function maxRestarts(pod: Readonly<Pod>): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** log2 bucket of an age in nanoseconds (upstream measures durations in ns); -1 for the future. */
function ageBucket(t: number, now: number): number {
  const ns = (now - t) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

/**
 * Orders two timestamps "newer first": a missing time sorts first; otherwise the log2 age
 * buckets decide and the uid breaks ties inside a bucket. Returns <0, 0 or >0.
 */
function compareNewerFirst(ta: number | undefined, tb: number | undefined, now: number, a: Readonly<Pod>, b: Readonly<Pod>): number {
  if (ta === tb) return 0;
  if (ta === undefined) return -1;
  if (tb === undefined) return 1;
  const diff = ageBucket(ta, now) - ageBucket(tb, now);
  if (diff !== 0) return diff;
  const ua = a.metadata.uid ?? '';
  const ub = b.metadata.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function comparePods(x: RankedPod, y: RankedPod, now: number): number {
  const a = x.pod;
  const b = y.pod;
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca - cb;
  if (x.rank !== y.rank) return y.rank - x.rank;
  if (ra && rb) {
    const c = compareNewerFirst(readyTime(a), readyTime(b), now, a, b);
    if (c !== 0) return c;
  }
  const sa = maxRestarts(a);
  const sb = maxRestarts(b);
  if (sa !== sb) return sb - sa;
  return compareNewerFirst(creationTime(a), creationTime(b), now, a, b);
}

/**
 * The `count` pods of `pods` to delete first. `related` are all pods of the ReplicaSets
 * sharing this one's controller (this one included); they decide which nodes are crowded.
 */
export function podsToDelete(pods: readonly Readonly<Pod>[], related: readonly Readonly<Pod>[], count: number, now: number): Readonly<Pod>[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod): RankedPod => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => comparePods(x, y, now));
  return ranked.slice(0, count).map((r) => r.pod);
}
