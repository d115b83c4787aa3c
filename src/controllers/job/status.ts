// Status edits of a Job sync, applied to a copy (never to the cached Job).
import { rfc3339 } from '../../util/time.js';
import { CONDITION_SUSPENDED, REASON_JOB_RESUMED, REASON_JOB_SUSPENDED, type ServedJob } from './tracking.js';
import type { JobCondition, JobStatus } from '../../api/types/index.js';

export const EVENT_SUSPENDED = 'Suspended';
export const EVENT_RESUMED = 'Resumed';

export type JobEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

/**
 * Sets condition `type` to `status` (upstream ensureJobConditionStatus): appends only a
 * True condition; updates an existing one whose status, reason or message differ. Returns
 * whether the list changed.
 */
export function ensureCondition(st: JobStatus, type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const list = st.conditions ?? [];
  const i = list.findIndex((c) => c.type === type);
  const t = rfc3339(now);
  if (i < 0) {
    if (status !== 'True') return false;
    st.conditions = [...list, { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message }];
    return true;
  }
  const c = list[i]!;
  if (c.status === status && c.reason === reason && c.message === message) return false;
  const next: JobCondition = { ...c, status, reason, message, lastProbeTime: t };
  if (c.status !== status) next.lastTransitionTime = t;
  st.conditions = list.map((x, k) => (k === i ? next : x));
  return true;
}

/** Suspended condition, start time, and their events. */
export function applySuspension(job: Readonly<ServedJob>, st: JobStatus, now: number, events: JobEvent[]): void {
  if (job.spec.suspend) {
    if (ensureCondition(st, CONDITION_SUSPENDED, 'True', REASON_JOB_SUSPENDED, 'Job suspended', now)) {
      events.push({ type: 'Normal', reason: EVENT_SUSPENDED, message: 'Job suspended' });
    }
    return;
  }
  if (!st.startTime) st.startTime = rfc3339(now);
  if (ensureCondition(st, CONDITION_SUSPENDED, 'False', REASON_JOB_RESUMED, 'Job resumed', now)) {
    events.push({ type: 'Normal', reason: EVENT_RESUMED, message: 'Job resumed' });
    // The active deadline counts continuous activity: a resumed Job starts again.
    st.startTime = rfc3339(now);
  }
}
