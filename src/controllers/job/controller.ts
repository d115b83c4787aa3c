// The Job controller (upstream pkg/controller/job, 1.32 behaviour): runs pods until
// enough succeed, counting finished pods exactly once through the job-tracking finalizer,
// failing the Job past backoffLimit or activeDeadlineSeconds. Terminal conditions come in
// two steps as in 1.32: SuccessCriteriaMet/FailureTarget first, Complete/Failed once no
// pod is terminating and every finished pod is counted.
import type { JobStatus, Pod } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { isControlledBy } from '../../api/pod-util.js';
import { labelSelectorFromMeta, matchesLabels } from '../../api/selectors/index.js';
import { Controller, isRealUpdate, enqueueSelf } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, splitKey, type Lister, R,
  type ApiClient,
} from '../../client/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { rfc3339 } from '../../util/time.js';
import { Expectations, slowStartBatch } from '../history/index.js';
import { formatIndexes } from './indexes.js';
import { JOB_KIND, newJobPod } from './pod-template.js';
import { applySuspension, ensureCondition, type JobEvent } from './status.js';
import { backoffRemaining, CONDITION_COMPLETE, CONDITION_FAILED, CONDITION_FAILURE_TARGET, countPods, deadlineRemaining, decideFinish, hasTrackingFinalizer, isIndexed, isJobFinished, JOB_TRACKING_FINALIZER, nextBackoffRecord, planPods, type BackoffRecord, type Counts, type Interim, type ServedJob } from './tracking.js';

export const CONTROLLER_NAME = 'job-controller';
export const REASON_SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const REASON_FAILED_CREATE = 'FailedCreate';
export const REASON_SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const REASON_FAILED_DELETE = 'FailedDelete';
export const REASON_COMPLETED = 'Completed';

export class JobController {
  readonly controller: Controller;
  readonly expectations: Expectations;
  private readonly client: ApiClient;
  private readonly jobs: Lister<ServedJob>;
  private readonly pods: Lister<Pod>;
  private readonly recorder: EventRecorder;
  private readonly now: () => number;
  /** Per Job: UIDs whose finalizer we removed but the cache may still show. */
  private readonly finalizersRemoved = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(CONTROLLER_NAME);
    this.now = () => ctx.clock.now();
    this.expectations = new Expectations(ctx.clock);
    const jobInf = ctx.informers.informerFor<ServedJob>(R.jobs);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    this.jobs = jobInf.lister;
    this.pods = podInf.lister;
    this.controller = new Controller({
      name: CONTROLLER_NAME, workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock,
      waitFor: [jobInf, podInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    jobInf.addEventHandler(enqueueSelf(c));
    podInf.addEventHandler({
      onAdd: (p) => this.podChanged(p, 'add'),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.podChanged(n); },
      onDelete: (p) => this.podChanged(isDeletedFinalStateUnknown<Pod>(p) ? p.obj : p, 'delete'),
    });
  }

  private podChanged(pod: Readonly<Pod>, what?: 'add' | 'delete'): void {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === JOB_KIND);
    if (!ref) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    if (what === 'add') this.expectations.creationObserved(key);
    if (what === 'delete' || (pod.metadata.deletionTimestamp && what === undefined)) this.expectations.deletionObserved(key);
    const removed = this.finalizersRemoved.get(key);
    if (removed && (what === 'delete' || !hasTrackingFinalizer(pod))) removed.delete(pod.metadata.uid ?? '');
    this.controller.enqueue(key);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(namespace, name);
    if (!job) {
      this.expectations.delete(key);
      this.finalizersRemoved.delete(key);
      this.backoff.delete(key);
      return;
    }
    const selector = labelSelectorFromMeta(job.spec.selector);
    const pods = this.pods.list(namespace, (p) => isControlledBy(p, job) && matchesLabels(selector, p.metadata.labels ?? {}));
    if (isJobFinished(job)) {
      await this.removeFinalizers(key, pods.filter((p) => hasTrackingFinalizer(p)));
      return;
    }
    const now = this.now();
    const st: JobStatus = clone(job.status ?? {});
    const events: JobEvent[] = [];
    applySuspension(job, st, now, events);
    const skip = this.finalizersRemoved.get(key) ?? new Set<string>();
    const hadFailureTarget = job.status?.conditions?.some((c) => c.type === CONDITION_FAILURE_TARGET && c.status === 'True') ?? false;
    let counts = countPods(job, pods, skip, hadFailureTarget);
    const interim = decideFinish({ ...job, status: st }, counts, now);
    if (interim?.type === CONDITION_FAILURE_TARGET && !hadFailureTarget) counts = countPods(job, pods, skip, true);
    this.backoff.set(key, nextBackoffRecord(this.backoff.get(key), counts.newSucceeded.length, counts.newFailed.length, now));

    const unc = st.uncountedTerminatedPods ?? {};
    st.uncountedTerminatedPods = compactUncounted([...(unc.succeeded ?? []), ...counts.newSucceeded], [...(unc.failed ?? []), ...counts.newFailed]);
    const { active, deleted } = await this.managePods(job, key, counts, interim, now);
    st.active = active;
    st.ready = counts.ready;
    st.terminating = counts.terminating + deleted;
    if (interim) ensureCondition(st, interim.type, 'True', interim.reason, interim.message, now);

    // Record the UIDs before their finalizers go, so a crash in between loses no count.
    let current: Readonly<ServedJob> = job;
    if (counts.newSucceeded.length + counts.newFailed.length > 0) current = await this.writeStatus(current, st);
    const toRelease = pods.filter((p) => hasTrackingFinalizer(p) && !skip.has(p.metadata.uid ?? '')
      && (isUncounted(st, p.metadata.uid ?? '') || (interim !== undefined && !p.metadata.deletionTimestamp && counts.active.includes(p))));
    const released = await this.removeFinalizers(key, toRelease);
    this.flushUncounted(job, st, counts, pods, released);
    if (interim) this.finish(job, st, interim, now, events);
    if (!deepEqual(st, current.status ?? {})) await this.writeStatus(current, st);
    for (const e of events) this.recorder.event(job, e.type, e.reason, e.message);
    const deadline = deadlineRemaining(job, now);
    if (deadline !== undefined && deadline > 0 && !interim) this.controller.enqueueAfter(key, deadline);
  }

  /** Creates or deletes pods; returns the active count after that and how many were deleted. */
  private async managePods(job: Readonly<ServedJob>, key: string, counts: Counts, interim: Interim | undefined, now: number): Promise<{ active: number; deleted: number }> {
    let active = counts.active.length;
    if (interim || job.spec.suspend) {
      const deleted = await this.deletePods(job, key, counts.active);
      return { active: active - deleted, deleted };
    }
    if (!this.expectations.satisfied(key)) return { active, deleted: 0 };
    const plan = planPods(job, counts);
    if (plan.deletes.length > 0) {
      const deleted = await this.deletePods(job, key, plan.deletes);
      return { active: active - deleted, deleted };
    }
    if (plan.creates === 0) return { active, deleted: 0 };
    const wait = backoffRemaining(this.backoff.get(key), now);
    if (wait > 0) {
      this.controller.enqueueAfter(key, wait);
      return { active, deleted: 0 };
    }
    this.expectations.expectCreations(key, plan.creates);
    const indexed = isIndexed(job);
    const result = await slowStartBatch(plan.creates, async (i) => {
      try {
        const pod = await this.client.create(R.pods, job.metadata.namespace, newJobPod(job, indexed ? plan.indexes[i] : undefined));
        this.recorder.event(job, 'Normal', REASON_SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        this.expectations.lowerCreations(key);
        this.recorder.event(job, 'Warning', REASON_FAILED_CREATE, `Error creating: ${msg(err)}`);
        throw err;
      }
    });
    this.expectations.lowerCreations(key, plan.creates - result.attempted);
    if (result.error) throw result.error;
    active += result.done;
    return { active, deleted: 0 };
  }

  private async deletePods(job: Readonly<ServedJob>, key: string, pods: readonly Readonly<Pod>[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expectDeletions(key, pods.length);
    let deleted = 0;
    const errors: unknown[] = [];
    await Promise.all(pods.map(async (p) => {
      try {
        await this.client.delete(R.pods, p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
        deleted++;
        this.recorder.event(job, 'Normal', REASON_SUCCESSFUL_DELETE, `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.lowerDeletions(key);
        if (isNotFound(err)) return;
        this.recorder.event(job, 'Warning', REASON_FAILED_DELETE, `Error deleting: ${msg(err)}`);
        errors.push(err);
      }
    }));
    if (errors.length > 0) throw errors[0];
    return deleted;
  }

  /** Strips the tracking finalizer; returns the UIDs now free of it (or gone). */
  private async removeFinalizers(key: string, pods: readonly Readonly<Pod>[]): Promise<Set<string>> {
    const done = new Set<string>();
    let removed = this.finalizersRemoved.get(key);
    const errors: unknown[] = [];
    await Promise.all(pods.map(async (p) => {
      const uid = p.metadata.uid ?? '';
      try {
        await this.client.patch(R.pods, p.metadata.namespace, p.metadata.name ?? '', 'strategic', {
          metadata: { uid, [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
        });
      } catch (err) {
        if (!isNotFound(err)) { errors.push(err); return; }
      }
      done.add(uid);
      if (!removed) this.finalizersRemoved.set(key, (removed = new Set()));
      removed.add(uid);
    }));
    if (errors.length > 0 && done.size === 0) throw errors[0];
    return done;
  }

  /** Moves uncounted UIDs whose pods are released (or gone) into succeeded/failed. */
  private flushUncounted(job: Readonly<ServedJob>, st: JobStatus, counts: Counts, pods: readonly Readonly<Pod>[], released: ReadonlySet<string>): void {
    const present = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
    const gone = (uid: string): boolean => released.has(uid) || !present.has(uid) || !hasTrackingFinalizer(present.get(uid)!);
    const unc = st.uncountedTerminatedPods ?? {};
    const s = unc.succeeded ?? [];
    const f = unc.failed ?? [];
    const movedS = s.filter(gone);
    const movedF = f.filter(gone);
    if (isIndexed(job)) {
      st.completedIndexes = formatIndexes(counts.succeededIndexes);
      st.succeeded = counts.succeededIndexes.size;
    } else st.succeeded = (st.succeeded ?? 0) + movedS.length;
    st.failed = (st.failed ?? 0) + movedF.length;
    st.uncountedTerminatedPods = compactUncounted(s.filter((u) => !movedS.includes(u)), f.filter((u) => !movedF.includes(u)));
    if (isIndexed(job) && st.completedIndexes === '') delete st.completedIndexes;
  }

  /** Adds Complete/Failed once everything is counted and no pod is still terminating. */
  private finish(job: Readonly<ServedJob>, st: JobStatus, interim: Interim, now: number, events: JobEvent[]): void {
    const unc = st.uncountedTerminatedPods ?? {};
    if ((unc.succeeded?.length ?? 0) + (unc.failed?.length ?? 0) > 0 || (st.terminating ?? 0) > 0 || (st.active ?? 0) > 0) return;
    const failed = interim.type === CONDITION_FAILURE_TARGET;
    ensureCondition(st, failed ? CONDITION_FAILED : CONDITION_COMPLETE, 'True', interim.reason, interim.message, now);
    if (failed) {
      events.push({ type: 'Warning', reason: interim.reason, message: interim.message });
      return;
    }
    st.completionTime = rfc3339(now);
    if (job.spec.completions != null && (st.succeeded ?? 0) > job.spec.completions) {
      events.push({ type: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached' });
    }
    events.push({ type: 'Normal', reason: REASON_COMPLETED, message: 'Job completed' });
  }

  private async writeStatus(job: Readonly<ServedJob>, st: JobStatus): Promise<ServedJob> {
    const copy = clone(job) as ServedJob;
    copy.status = clone(st);
    return this.client.updateStatus<ServedJob>(R.jobs, job.metadata.namespace, copy);
  }
}

function isUncounted(st: JobStatus, uid: string): boolean {
  const u = st.uncountedTerminatedPods ?? {};
  return !!u.succeeded?.includes(uid) || !!u.failed?.includes(uid);
}

function compactUncounted(succeeded: string[], failed: string[]): NonNullable<JobStatus['uncountedTerminatedPods']> {
  const out: NonNullable<JobStatus['uncountedTerminatedPods']> = {};
  if (succeeded.length) out.succeeded = [...new Set(succeeded)];
  if (failed.length) out.failed = [...new Set(failed)];
  return out;
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));
