// When a CronJob should run (upstream cronjob utils.go): the most recent missed
// activation, whether it is too late to start, the Job for an activation, and when to
// look again.
import type { CronJob, CronJobSpec, Job, JobTemplateSpec, KObject, ObjectMeta } from '../../api/types/index.js';
import { getCondition, newControllerRef } from '../../api/pod-util.js';
import { clone } from '../../util/json.js';
import type { Schedule } from './cron.js';
import { rfc3339In } from './tz.js';

export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Requeue a little after the activation so that `now` is past it (upstream nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
export const TOO_MANY_MISSED = 100;

/**
 * A CronJob as the API server serves it: validation requires spec (schedule, jobTemplate),
 * so every CronJob in the cache has one. The model keeps spec optional, as Go's omitempty.
 */
export type ServedCronJob = CronJob & { spec: CronJobSpec };

export type Missed = 'none' | 'few' | 'many';

export interface RecentSchedule {
  earliest: number;
  mostRecent?: number;
  missed: Missed;
  error?: string;
}

const ts = (s: string | null | undefined): number => (s ? Date.parse(s) : NaN);

/**
 * The latest activation in (earliest, now], where earliest is the last schedule time (or
 * creation), moved up to now - startingDeadlineSeconds when asked. Counting activations
 * uses the distance between two consecutive ones, as upstream does, so a schedule missed
 * for years costs no more than a few steps.
 */
export function mostRecentScheduleTime(cj: Readonly<ServedCronJob>, now: number, sched: Schedule, includeDeadline: boolean): RecentSchedule {
  let earliest = ts(cj.status?.lastScheduleTime);
  if (Number.isNaN(earliest)) earliest = ts(cj.metadata.creationTimestamp);
  if (Number.isNaN(earliest)) earliest = now;
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeDeadline && sds !== undefined && sds !== null) earliest = Math.max(earliest, now - sds * 1000);
  const t1 = sched.next(earliest);
  if (t1 === undefined || now < t1) return { earliest, missed: 'none' };
  const t2 = sched.next(t1);
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 'few' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const missedCount = Math.floor((now - t1) / 1000 / between) + 1;
  let mostRecent: number | undefined;
  const from = t1 + (missedCount - 2) * between * 1000;
  for (let t = sched.next(from); t !== undefined && t <= now; t = sched.next(t)) mostRecent = t;
  return { earliest, mostRecent, missed: missedCount > TOO_MANY_MISSED ? 'many' : 'few' };
}

/** ms from now until the next activation plus the delta (undefined when there is none). */
export function nextScheduleDelay(cj: Readonly<ServedCronJob>, now: number, sched: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  if (r.error) return undefined;
  const next = sched.next(r.mostRecent ?? r.earliest);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** `<cronjob>-<minutes since the epoch>`: one name per activation, so a Job is never made twice. */
export const jobName = (cj: Readonly<ServedCronJob>, scheduled: number): string => `${cj.metadata.name}-${Math.floor(scheduled / 60000)}`;

export function jobFromTemplate(cj: Readonly<ServedCronJob>, scheduled: number): KObject {
  const tpl: Partial<JobTemplateSpec> = cj.spec.jobTemplate ?? {};
  const meta: ObjectMeta = {
    name: jobName(cj, scheduled),
    namespace: cj.metadata.namespace,
    labels: { ...(tpl.metadata?.labels ?? {}) },
    annotations: { ...(tpl.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(scheduled, cj.spec.timeZone ?? '') },
    ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
  };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: clone(tpl.spec ?? {}) };
}

/** The Job's Complete or Failed condition type, when it has finished. */
export function jobFinishedType(job: Readonly<KObject>): 'Complete' | 'Failed' | undefined {
  if (getCondition(job, 'Complete')?.status === 'True') return 'Complete';
  if (getCondition(job, 'Failed')?.status === 'True') return 'Failed';
  return undefined;
}

/** Finished Jobs beyond the history limits, oldest first (by start time, then name). */
export function jobsToCleanUp(cj: Readonly<ServedCronJob>, jobs: readonly Readonly<Job>[]): Readonly<Job>[] {
  const out: Readonly<Job>[] = [];
  const start = (j: Readonly<Job>): string => j.status?.startTime ?? '';
  const byStart = (a: Readonly<Job>, b: Readonly<Job>): number => {
    const sa = start(a);
    const sb = start(b);
    if (sa !== sb) return !sa ? 1 : !sb ? -1 : sa < sb ? -1 : 1;
    return String(a.metadata.name).localeCompare(String(b.metadata.name));
  };
  const pick = (type: 'Complete' | 'Failed', limit: number | undefined): void => {
    if (limit === undefined || limit === null) return;
    const finished = jobs.filter((j) => jobFinishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStart);
    out.push(...finished.slice(0, Math.max(0, finished.length - limit)));
  };
  pick('Complete', cj.spec.successfulJobsHistoryLimit);
  pick('Failed', cj.spec.failedJobsHistoryLimit);
  return out;
}

/** RFC 1123 with numeric zone, in UTC, as Go's time.RFC1123Z prints it. */
export function rfc1123z(t: number): string {
  const d = new Date(t);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${day}, ${p(d.getUTCDate())} ${mon} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
