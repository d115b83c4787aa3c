// Pure Job bookkeeping (upstream job_controller.go): which pods are finished and must be
// counted, how many pods should be active, when the Job has succeeded or failed, and the
// pod-failure back-off. Counting uses the `batch.kubernetes.io/job-tracking` finalizer: a
// finished pod still holding it has not been counted yet; its UID first goes to
// status.uncountedTerminatedPods, then the finalizer is removed, then the UID moves into
// status.succeeded/failed.
import type { Job, JobCondition, JobSpec, Pod } from '../../api/types/index.js';
import { getCondition, isPodActive, isPodTerminal, podPhase } from '../../api/pod-util.js';
import { completionIndexOf, firstPendingIndexes, parseIndexes } from './indexes.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const CONDITION_COMPLETE = 'Complete';
export const CONDITION_FAILED = 'Failed';
export const CONDITION_SUSPENDED = 'Suspended';
export const CONDITION_FAILURE_TARGET = 'FailureTarget';
export const CONDITION_SUCCESS_CRITERIA_MET = 'SuccessCriteriaMet';
export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const REASON_JOB_SUSPENDED = 'JobSuspended';
export const REASON_JOB_RESUMED = 'JobResumed';
export const MESSAGE_BACKOFF_LIMIT_EXCEEDED = 'Job has reached the specified backoff limit';
export const MESSAGE_DEADLINE_EXCEEDED = 'Job was active longer than specified deadline';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';
/** Pod-failure back-off: 10 s doubling per failure since the last success, at most 6 minutes. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

/**
 * A Job as the API server serves it: validation requires spec (template; selector and
 * completionMode defaulted), so every Job in the cache has one. The model keeps spec
 * optional, as Go's omitempty.
 */
export type ServedJob = Job & { spec: JobSpec };

export const isIndexed = (job: Readonly<ServedJob>): boolean => job.spec.completionMode === 'Indexed';
export const hasTrackingFinalizer = (pod: Readonly<Pod>): boolean => !!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER);

const condTrue = (job: Readonly<ServedJob>, type: string): JobCondition | undefined => {
  const c = getCondition(job, type) as JobCondition | undefined;
  return c?.status === 'True' ? c : undefined;
};
/** Complete or Failed is True. */
export const isJobFinished = (job: Readonly<ServedJob>): boolean => !!condTrue(job, CONDITION_COMPLETE) || !!condTrue(job, CONDITION_FAILED);
export const finishedCondition = (job: Readonly<ServedJob>): JobCondition | undefined => condTrue(job, CONDITION_COMPLETE) ?? condTrue(job, CONDITION_FAILED);

/** How a finished pod counts: Failed phase, or deleted before succeeding (unless only Failed pods are replaced). */
export function podOutcome(pod: Readonly<Pod>, job: Readonly<ServedJob>): 'succeeded' | 'failed' | undefined {
  const phase = podPhase(pod);
  if (phase === 'Succeeded') return 'succeeded';
  if (phase === 'Failed') return 'failed';
  if (job.spec.podReplacementPolicy === 'Failed') return undefined;
  return pod.metadata.deletionTimestamp ? 'failed' : undefined;
}

export interface Interim { type: typeof CONDITION_FAILURE_TARGET | typeof CONDITION_SUCCESS_CRITERIA_MET; reason: string; message: string }

export interface Counts {
  /** UIDs newly found finished (not yet in uncountedTerminatedPods). */
  newSucceeded: string[];
  newFailed: string[];
  /** Counted + uncounted (NonIndexed); completed indexes (Indexed). */
  succeeded: number;
  failed: number;
  succeededIndexes: Set<number>;
  active: Readonly<Pod>[];
  ready: number;
  terminating: number;
}

/**
 * Counts the Job's pods. `skip` holds UIDs whose finalizer removal is already under way
 * (counted before; the cache may not show it yet). `finishing` is true once a
 * FailureTarget is set: every remaining tracked pod then counts as failed.
 */
export function countPods(job: Readonly<ServedJob>, pods: readonly Readonly<Pod>[], skip: ReadonlySet<string>, failing: boolean): Counts {
  const st = job.status ?? {};
  const unc = { s: new Set(st.uncountedTerminatedPods?.succeeded ?? []), f: new Set(st.uncountedTerminatedPods?.failed ?? []) };
  const completions = job.spec.completions ?? undefined;
  const indexed = isIndexed(job);
  const succeededIndexes = indexed ? parseIndexes(st.completedIndexes, completions ?? 0) : new Set<number>();
  const c: Counts = { newSucceeded: [], newFailed: [], succeeded: 0, failed: 0, succeededIndexes, active: [], ready: 0, terminating: 0 };
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (isPodActive(p)) {
      c.active.push(p);
      if (getCondition(p, 'Ready')?.status === 'True') c.ready++;
    } else if (p.metadata.deletionTimestamp && !isPodTerminal(p)) c.terminating++;
    if (!hasTrackingFinalizer(p) || skip.has(uid) || unc.s.has(uid) || unc.f.has(uid)) {
      if (indexed && unc.s.has(uid)) addIndex(succeededIndexes, p, completions);
      continue;
    }
    const outcome = podOutcome(p, job) ?? (failing ? 'failed' : undefined);
    if (outcome === 'succeeded') {
      c.newSucceeded.push(uid);
      if (indexed) addIndex(succeededIndexes, p, completions);
    } else if (outcome === 'failed') c.newFailed.push(uid);
  }
  c.succeeded = indexed ? succeededIndexes.size : (st.succeeded ?? 0) + unc.s.size + c.newSucceeded.length;
  c.failed = (st.failed ?? 0) + unc.f.size + c.newFailed.length;
  return c;
}

function addIndex(set: Set<number>, pod: Readonly<Pod>, completions: number | undefined): void {
  const ix = completionIndexOf(pod);
  if (ix >= 0 && ix < (completions ?? 0)) set.add(ix);
}

/** The interim condition this sync should set, if any (an existing one stays). */
export function decideFinish(job: Readonly<ServedJob>, counts: Counts, now: number): Interim | undefined {
  const ft = condTrue(job, CONDITION_FAILURE_TARGET);
  if (ft) return { type: CONDITION_FAILURE_TARGET, reason: ft.reason ?? '', message: ft.message ?? '' };
  const scm = condTrue(job, CONDITION_SUCCESS_CRITERIA_MET);
  if (scm) return { type: CONDITION_SUCCESS_CRITERIA_MET, reason: scm.reason ?? '', message: scm.message ?? '' };
  if (counts.failed > (job.spec.backoffLimit ?? 6)) {
    return { type: CONDITION_FAILURE_TARGET, reason: REASON_BACKOFF_LIMIT_EXCEEDED, message: MESSAGE_BACKOFF_LIMIT_EXCEEDED };
  }
  if (pastActiveDeadline(job, now)) return { type: CONDITION_FAILURE_TARGET, reason: REASON_DEADLINE_EXCEEDED, message: MESSAGE_DEADLINE_EXCEEDED };
  const completions = job.spec.completions;
  const complete = completions === undefined || completions === null
    ? counts.succeeded > 0 && counts.active.length === 0
    : counts.succeeded >= completions;
  if (complete) return { type: CONDITION_SUCCESS_CRITERIA_MET, reason: REASON_COMPLETIONS_REACHED, message: MESSAGE_COMPLETIONS_REACHED };
  return undefined;
}

/** ms until activeDeadlineSeconds runs out (undefined without a deadline or start time). */
export function deadlineRemaining(job: Readonly<ServedJob>, now: number): number | undefined {
  const ads = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (ads === undefined || ads === null || Number.isNaN(start) || job.spec.suspend) return undefined;
  return start + ads * 1000 - now;
}

export const pastActiveDeadline = (job: Readonly<ServedJob>, now: number): boolean => (deadlineRemaining(job, now) ?? 1) <= 0;

/** Pods that should be running now (upstream wantActive). */
export function wantActive(job: Readonly<ServedJob>, counts: Counts): number {
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  if (completions === undefined || completions === null) return counts.succeeded > 0 ? counts.active.length : parallelism;
  return Math.max(0, Math.min(parallelism, completions - counts.succeeded));
}

export interface ManagePlan {
  /** NonIndexed: `creates` pods without index; Indexed: one per listed index. */
  creates: number;
  indexes: number[];
  deletes: Readonly<Pod>[];
}

/** Newest and not-ready pods go first when scaling down (upstream activePodsForRemoval, simplified). */
function removalOrder(a: Readonly<Pod>, b: Readonly<Pod>): number {
  const ra = getCondition(a, 'Ready')?.status === 'True' ? 1 : 0;
  const rb = getCondition(b, 'Ready')?.status === 'True' ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  return String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? ''));
}

/** Creates and deletes that bring the active pods to wantActive. */
export function planPods(job: Readonly<ServedJob>, counts: Counts): ManagePlan {
  const want = wantActive(job, counts);
  if (!isIndexed(job)) {
    const active = counts.active.length;
    if (active > want) return { creates: 0, indexes: [], deletes: [...counts.active].sort(removalOrder).slice(0, active - want) };
    return { creates: want - active, indexes: [], deletes: [] };
  }
  const completions = job.spec.completions ?? 0;
  const deletes: Readonly<Pod>[] = [];
  const activeIx = new Set<number>();
  for (const p of [...counts.active].sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')))) {
    const ix = completionIndexOf(p);
    if (ix < 0 || ix >= completions || counts.succeededIndexes.has(ix) || activeIx.has(ix)) deletes.push(p);
    else activeIx.add(ix);
  }
  const kept = counts.active.filter((p) => !deletes.includes(p));
  if (kept.length > want) {
    deletes.push(...[...kept].sort(removalOrder).slice(0, kept.length - want));
    return { creates: 0, indexes: [], deletes };
  }
  const indexes = firstPendingIndexes(want - kept.length, completions, activeIx, counts.succeededIndexes);
  return { creates: indexes.length, indexes, deletes };
}

/** Back-off before creating replacements: failures since the last success, and the last one's time. */
export interface BackoffRecord { failuresAfterLastSuccess: number; lastFailureTime: number }

export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: number, newFailed: number, now: number): BackoffRecord {
  let r = prev ?? { failuresAfterLastSuccess: 0, lastFailureTime: 0 };
  if (newSucceeded > 0) r = { failuresAfterLastSuccess: 0, lastFailureTime: r.lastFailureTime };
  if (newFailed > 0) r = { failuresAfterLastSuccess: r.failuresAfterLastSuccess + newFailed, lastFailureTime: now };
  return r;
}

/** ms to wait before creating pods (0 when none). */
export function backoffRemaining(r: BackoffRecord | undefined, now: number): number {
  if (!r || r.failuresAfterLastSuccess === 0) return 0;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (r.failuresAfterLastSuccess - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, r.lastFailureTime + delay - now);
}
