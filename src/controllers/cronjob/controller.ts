// The CronJob controller (upstream pkg/controller/cronjob, v2): keeps status.active in
// line with the Jobs it owns, creates a Job per activation of the schedule (in
// spec.timeZone) subject to startingDeadlineSeconds and concurrencyPolicy, prunes finished
// Jobs beyond the history limits, and requeues itself for the next activation.
import type { CronJobStatus, Job, ObjectReference } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../../api/status.js';
import { isControlledBy } from '../../api/pod-util.js';
import { timeZoneError } from '../../api/validation/index.js';
import { Controller, enqueueSelf, enqueueOwner, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, splitKey, type Lister, R,
  type ApiClient,
} from '../../client/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { rfc3339 } from '../../util/time.js';
import { parseSchedule } from './cron.js';
import {
  jobFinishedType, jobFromTemplate, jobName, jobsToCleanUp, mostRecentScheduleTime, nextScheduleDelay, rfc1123z,
  type ServedCronJob,
} from './schedule.js';

export const CONTROLLER_NAME = 'cronjob-controller';
export const REASON_SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const REASON_FAILED_CREATE = 'FailedCreate';
export const REASON_SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const REASON_SAW_COMPLETED_JOB = 'SawCompletedJob';
export const REASON_UNEXPECTED_JOB = 'UnexpectedJob';
export const REASON_MISSING_JOB = 'MissingJob';
export const REASON_MISS_SCHEDULE = 'MissSchedule';
export const REASON_TOO_MANY_MISSED_TIMES = 'TooManyMissedTimes';
export const REASON_JOB_ALREADY_ACTIVE = 'JobAlreadyActive';
export const REASON_UNPARSEABLE_SCHEDULE = 'UnparseableSchedule';
export const REASON_UNKNOWN_TIME_ZONE = 'UnknownTimeZone';


export class CronJobController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly cronJobs: Lister<ServedCronJob>;
  private readonly jobs: Lister<Job>;
  private readonly recorder: EventRecorder;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(CONTROLLER_NAME);
    this.now = () => ctx.clock.now();
    const cjInf = ctx.informers.informerFor<ServedCronJob>(R.cronjobs);
    const jobInf = ctx.informers.informerFor<Job>(R.jobs);
    this.cronJobs = cjInf.lister;
    this.jobs = jobInf.lister;
    this.controller = new Controller({
      name: CONTROLLER_NAME, workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock, waitFor: [cjInf, jobInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    cjInf.addEventHandler(enqueueSelf(c));
    jobInf.addEventHandler({
      onAdd: (j) => { enqueueOwner(c, j, 'CronJob'); },
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) enqueueOwner(c, n, 'CronJob'); },
      onDelete: (j) => { enqueueOwner(c, isDeletedFinalStateUnknown<Job>(j) ? j.obj : j, 'CronJob'); },
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    let cj = this.cronJobs.get(namespace, name);
    if (!cj) return;
    const owner = cj;
    const jobs = this.jobs.list(namespace, (j) => isControlledBy(j, owner));
    // An unfinished Job missing from status.active usually means the cache has not seen our
    // own status write yet: re-read the CronJob before concluding anything (as upstream).
    const uids = new Set((cj.status?.active ?? []).map((r) => r.uid));
    if (jobs.some((j) => !jobFinishedType(j) && !uids.has(j.metadata.uid))) {
      try {
        cj = await this.client.get<ServedCronJob>(R.cronjobs, namespace, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    const status: CronJobStatus = clone(cj.status ?? {});
    await this.syncActive(cj, status, jobs);
    const requeue = await this.schedule(cj, status);
    await this.cleanup(cj, status, jobs);
    if (!deepEqual(status, cj.status ?? {})) {
      const copy = clone(cj) as ServedCronJob;
      copy.status = status;
      if (!copy.status.active?.length) delete copy.status.active;
      await this.client.updateStatus(R.cronjobs, namespace, copy);
    }
    if (requeue !== undefined) this.controller.enqueueAfter(key, Math.max(0, requeue));
  }

  /** Drops finished and vanished Jobs from status.active; notes the last success. */
  private async syncActive(cj: Readonly<ServedCronJob>, status: CronJobStatus, jobs: readonly Readonly<Job>[]): Promise<void> {
    const active = (): ObjectReference[] => status.active ?? [];
    const children = new Set(jobs.map((j) => j.metadata.uid));
    for (const j of jobs) {
      const found = active().some((r) => r.uid === j.metadata.uid);
      const finished = jobFinishedType(j);
      if (!found && !finished) {
        this.recorder.event(cj, 'Warning', REASON_UNEXPECTED_JOB, `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (found && finished) {
        status.active = active().filter((r) => r.uid !== j.metadata.uid);
        this.recorder.event(cj, 'Normal', REASON_SAW_COMPLETED_JOB, `Saw completed job: ${j.metadata.name}, condition: ${finished}`);
      }
      const done = finished === 'Complete' ? j.status?.completionTime : undefined;
      if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
    }
    for (const ref of [...active()]) {
      if (children.has(ref.uid)) continue;
      try {
        const j = await this.client.get<Job>(R.jobs, ref.namespace ?? cj.metadata.namespace, ref.name ?? '');
        if (j.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.recorder.event(cj, 'Normal', REASON_MISSING_JOB, `Active job went missing: ${ref.name}`);
      status.active = active().filter((r) => r.uid !== ref.uid);
    }
  }

  /** Starts the due Job, if any; returns ms until the next look (undefined: do not requeue). */
  private async schedule(cj: Readonly<ServedCronJob>, status: CronJobStatus): Promise<number | undefined> {
    if (cj.metadata.deletionTimestamp) return undefined;
    const tz = cj.spec.timeZone;
    const tzErr = tz ? timeZoneError(tz) : undefined;
    if (tzErr) {
      this.recorder.event(cj, 'Warning', REASON_UNKNOWN_TIME_ZONE, `invalid timeZone: ${JSON.stringify(tz)}: ${tzErr}`);
      return undefined;
    }
    const sched = parseSchedule(cj.spec.schedule, tz ?? '');
    if (typeof sched === 'string') {
      this.recorder.event(cj, 'Warning', REASON_UNPARSEABLE_SCHEDULE, `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${sched}`);
      return undefined;
    }
    if (cj.spec.suspend) return undefined;
    const now = this.now();
    const withStatus: ServedCronJob = { ...cj, status };
    const next = (): number | undefined => nextScheduleDelay(withStatus, now, sched);
    const recent = mostRecentScheduleTime(withStatus, now, sched, true);
    if (recent.missed === 'many') {
      this.recorder.event(cj, 'Warning', REASON_TOO_MANY_MISSED_TIMES, `too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const scheduled = recent.mostRecent;
    if (scheduled === undefined) return next();
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < now) {
      this.recorder.event(cj, 'Warning', REASON_MISS_SCHEDULE, `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return next();
    }
    const name = jobName(cj, scheduled);
    if ((status.active ?? []).some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) return next();
    if (cj.spec.concurrencyPolicy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      this.recorder.event(cj, 'Normal', REASON_JOB_ALREADY_ACTIVE, 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) await this.deleteJob(cj, status, ref.name ?? '', ref.uid);
    }
    const job = await this.createJob(cj, scheduled);
    if (!job) return undefined;
    if (!(status.active ?? []).some((r) => r.uid === job.metadata.uid)) status.active = [...(status.active ?? []), refOf(job)];
    status.lastScheduleTime = rfc3339(scheduled);
    return nextScheduleDelay({ ...cj, status }, now, sched);
  }

  /** Creates the activation's Job; an existing one we own counts as created (undefined if someone else's). */
  private async createJob(cj: Readonly<ServedCronJob>, scheduled: number): Promise<Readonly<Job> | undefined> {
    const req = jobFromTemplate(cj, scheduled);
    try {
      const job = await this.client.create<Job>(R.jobs, cj.metadata.namespace, req);
      this.recorder.event(cj, 'Normal', REASON_SUCCESSFUL_CREATE, `Created job ${job.metadata.name}`);
      return job;
    } catch (err) {
      if (isAlreadyExists(err)) {
        const job = await this.client.get<Job>(R.jobs, cj.metadata.namespace, req.metadata.name ?? '');
        return isControlledBy(job, cj) ? job : undefined;
      }
      this.recorder.event(cj, 'Warning', REASON_FAILED_CREATE, `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async deleteJob(cj: Readonly<ServedCronJob>, status: CronJobStatus, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.client.delete(R.jobs, cj.metadata.namespace, name, { propagationPolicy: 'Background', preconditions: uid ? { uid } : undefined });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.recorder.event(cj, 'Normal', REASON_SUCCESSFUL_DELETE, `Deleted job ${name}`);
    status.active = (status.active ?? []).filter((r) => r.name !== name);
  }

  private async cleanup(cj: Readonly<ServedCronJob>, status: CronJobStatus, jobs: readonly Readonly<Job>[]): Promise<void> {
    for (const j of jobsToCleanUp(cj, jobs)) await this.deleteJob(cj, status, j.metadata.name ?? '', j.metadata.uid);
  }
}

function refOf(job: Readonly<Job>): ObjectReference {
  return {
    kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid,
    apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion,
  };
}

