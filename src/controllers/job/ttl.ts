// TTL after finished (upstream pkg/controller/ttlafterfinished): a finished Job with
// spec.ttlSecondsAfterFinished is deleted, with Background propagation, that many seconds
// after its Complete/Failed condition. The decision is re-checked against a fresh GET
// before deleting, and the delete is conditional on the resourceVersion that was checked.
import { isNotFound } from '../../api/status.js';
import { Controller, enqueueObject, isRealUpdate } from '../../client/controller.js';
import { type ControllerContext, splitKey, type Lister, R, type ApiClient } from '../../client/index.js';
import { finishedCondition, isJobFinished, type ServedJob } from './tracking.js';

export const TTL_CONTROLLER_NAME = 'ttl-after-finished-controller';

/** When the Job expires (ms), or undefined when it has no TTL or is not finished. */
export function jobExpiresAt(job: Readonly<ServedJob>): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp || !isJobFinished(job)) return undefined;
  const t = Date.parse(finishedCondition(job)?.lastTransitionTime ?? job.status?.completionTime ?? '');
  if (Number.isNaN(t)) return undefined;
  return t + ttl * 1000;
}

export class TtlAfterFinishedController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly jobs: Lister<ServedJob>;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.now = () => ctx.clock.now();
    const inf = ctx.informers.informerFor<ServedJob>(R.jobs);
    this.jobs = inf.lister;
    this.controller = new Controller({
      name: TTL_CONTROLLER_NAME, workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock, waitFor: [inf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    const maybe = (j: Readonly<ServedJob>): void => { if (jobExpiresAt(j) !== undefined) enqueueObject(c, j); };
    inf.addEventHandler({ onAdd: maybe, onUpdate: (o, n) => { if (isRealUpdate(o, n)) maybe(n); } });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached || !this.dueIn(key, cached)) return;
    let fresh: ServedJob;
    try {
      fresh = await this.client.get<ServedJob>(R.jobs, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!this.dueIn(key, fresh)) return;
    try {
      await this.client.delete(R.jobs, namespace, name, {
        propagationPolicy: 'Background',
        preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** True when expired; otherwise requeues for the expiry time and returns false. */
  private dueIn(key: string, job: Readonly<ServedJob>): boolean {
    const at = jobExpiresAt(job);
    if (at === undefined) return false;
    const wait = at - this.now();
    if (wait <= 0) return true;
    this.controller.enqueueAfter(key, wait);
    return false;
  }
}
