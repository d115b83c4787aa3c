// The scheduling loop: pop a pod, run the pipeline against the cache (synchronously), assume
// the pod on the chosen node and bind it asynchronously; on failure run PostFilter
// (preemption), record FailedScheduling, set PodScheduled=False and requeue with back-off.
import { isConflict, isNotFound } from '../api/status.js';
import { rfc3339 } from '../util/time.js';
import {
  type Clock, type EventRecorder, type DeletedFinalStateUnknown, type EventHandler,
  isDeletedFinalStateUnknown, R, type ApiClient,
} from '../client/index.js';
import { timerClockOf, type TimerHandle } from '../client/workqueue/index.js';
import { SchedulerCache } from './cache.js';
import { fitErrorMessage, newCursor, NO_NODES_AVAILABLE, schedulePod, type Cursor } from './core.js';
import { podInfoOf, type PodInfo } from './framework/pod-info.js';
import type { Profile } from './framework/types.js';
import { defaultProfile } from './profile.js';
import { keyOfPod, SchedulingQueue, type QueuedPodInfo } from './queue.js';
import type { Node, Pod } from '../api/types/index.js';

export const COMPONENT = 'default-scheduler';
export const REASON_SCHEDULED = 'Scheduled';
export const REASON_FAILED_SCHEDULING = 'FailedScheduling';
export const REASON_PREEMPTED = 'Preempted';
export const CONDITION_POD_SCHEDULED = 'PodScheduled';
export const CONDITION_DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_UNSCHEDULABLE = 'Unschedulable';
export const REASON_SCHEDULER_ERROR = 'SchedulerError';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';
const MAX_MESSAGE = 1024;

export interface SchedulerOptions {
  client: ApiClient;
  recorder: EventRecorder;
  clock: Clock;
  profile?: Profile;
  random?: () => number;
  /** Bindings in flight before the loop waits (back-pressure on the API). */
  maxInFlightBindings?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface SchedulerStats {
  scheduled: number;
  failed: number;
  bindErrors: number;
  preemptions: number;
}

function truncate(msg: string): string {
  return msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE - 3)}...` : msg;
}

function isAssigned(pod: Readonly<Pod>): boolean {
  return !!pod.spec?.nodeName;
}

function isTerminal(pod: Readonly<Pod>): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/** spec.schedulingGates keep a pod out of the queue (upstream SchedulingGates PreEnqueue). */
function isGated(pod: Readonly<Pod>): boolean {
  return (pod.spec?.schedulingGates?.length ?? 0) > 0;
}

function asPod(pod: Readonly<Pod>): Readonly<Pod> {
  return pod.kind ? pod : { ...pod, kind: 'Pod', apiVersion: 'v1' };
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly profile: Profile;
  readonly stats: SchedulerStats = { scheduled: 0, failed: 0, bindErrors: 0, preemptions: 0 };
  private readonly cursor: Cursor;
  private readonly pending = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private slotWaiters: (() => void)[] = [];

  constructor(private readonly opts: SchedulerOptions) {
    this.profile = opts.profile ?? defaultProfile({ random: opts.random });
    this.queue = new SchedulingQueue({ clock: opts.clock, initialBackoffMs: opts.initialBackoffMs, maxBackoffMs: opts.maxBackoffMs });
    this.cursor = newCursor(opts.random);
    this.maxInFlight = opts.maxInFlightBindings ?? 256;
  }

  /** Is this pod ours to schedule (upstream responsibleForPod + unassigned)? */
  isResponsible(pod: Readonly<Pod>): boolean {
    return (pod.spec?.schedulerName ?? 'default-scheduler') === this.profile.schedulerName && !isAssigned(pod);
  }

  // ---- informer handlers ----

  podHandler(): EventHandler<Pod> {
    return {
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, pod) => this.onPodUpdate(oldPod, pod),
      onDelete: (obj) => this.onPodDelete(obj),
    };
  }

  nodeHandler(): EventHandler<Node> {
    return {
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoff({ type: 'NodeAdd' });
      },
      onUpdate: (oldNode, node) => {
        if (oldNode === node || oldNode.metadata.resourceVersion === node.metadata.resourceVersion) return;
        this.cache.updateNode(node);
        if (nodeSchedulingPropertiesChanged(oldNode, node)) this.queue.moveAllToActiveOrBackoff({ type: 'NodeUpdate' });
      },
      onDelete: (obj) => {
        const node = (isDeletedFinalStateUnknown<Node>(obj) ? obj.obj : obj) as Readonly<Node>;
        this.cache.removeNode(node.metadata.name ?? '');
      },
    };
  }

  private onPodAdd(pod: Readonly<Pod>): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodAdd' });
      return;
    }
    if (!this.isResponsible(pod) || isGated(pod)) return;
    this.trackNomination(pod);
    this.queue.add(pod);
  }

  private onPodUpdate(oldPod: Readonly<Pod>, pod: Readonly<Pod>): void {
    const key = keyOfPod(pod);
    if (isAssigned(pod)) {
      if (!isAssigned(oldPod)) {
        this.queue.delete(key);
        this.cache.deleteNominated(key);
      }
      if (isTerminal(pod)) {
        if (this.cache.isPlaced(key)) {
          this.cache.removePod(key);
          this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodDelete' });
        }
        return;
      }
      this.cache.addPod(pod);
      if (!isAssigned(oldPod)) this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodAdd' });
      else if (oldPod.metadata.labels !== pod.metadata.labels && JSON.stringify(oldPod.metadata.labels) !== JSON.stringify(pod.metadata.labels)) {
        this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodUpdate' });
      }
      return;
    }
    if (!this.isResponsible(pod)) return;
    if (isGated(pod)) {
      this.queue.delete(key);
      return;
    }
    this.trackNomination(pod);
    this.queue.update(oldPod, pod);
  }

  private onPodDelete(obj: Readonly<Pod> | DeletedFinalStateUnknown<Pod>): void {
    const pod = (isDeletedFinalStateUnknown<Pod>(obj) ? obj.obj : obj) as Readonly<Pod>;
    const key = keyOfPod(pod);
    this.queue.delete(key);
    this.cache.deleteNominated(key);
    if (this.cache.isPlaced(key)) {
      this.cache.removePod(key);
      this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodDelete' });
    }
  }

  private trackNomination(pod: Readonly<Pod>): void {
    const n = pod.status?.nominatedNodeName;
    const key = keyOfPod(pod);
    if (n) this.cache.addNominated(podInfoOf(pod), n);
    else this.cache.deleteNominated(key);
  }

  // ---- the loop ----

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // Timers go through the clock so a fake clock drives back-off in tests.
    const timers = timerClockOf(this.opts.clock);
    let backoffTimer: TimerHandle | undefined;
    let leftoverTimer: TimerHandle | undefined;
    const tickBackoff = (): void => {
      this.queue.flushBackoffCompleted();
      backoffTimer = timers.setTimer(tickBackoff, 1000);
    };
    const tickLeftover = (): void => {
      this.queue.flushUnschedulableLeftover();
      leftoverTimer = timers.setTimer(tickLeftover, 30_000);
    };
    backoffTimer = timers.setTimer(tickBackoff, 1000);
    leftoverTimer = timers.setTimer(tickLeftover, 30_000);
    const stop = (): void => this.queue.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      let n = 0;
      while (!signal.aborted) {
        const info = await this.queue.pop();
        if (!info) break;
        this.scheduleOne(info);
        if (this.pending.size >= this.maxInFlight) await new Promise<void>((r) => this.slotWaiters.push(r));
        // Let I/O callbacks (informer events, binding responses) in now and then.
        if (++n % 64 === 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      backoffTimer?.clear();
      leftoverTimer?.clear();
      signal.removeEventListener('abort', stop);
    }
  }

  /** Resolves when every binding / status write started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      const w = this.slotWaiters.shift();
      if (w) w();
    });
  }

  /** One scheduling cycle (synchronous); binding and failure reporting continue asynchronously. */
  scheduleOne(info: QueuedPodInfo): void {
    const pod = info.pod;
    const key = info.key;
    if (pod.metadata.deletionTimestamp || this.cache.isPlaced(key) || isAssigned(pod)) {
      this.queue.done(key);
      return;
    }
    const cycle = this.queue.schedulingCycle;
    const result = schedulePod(pod, this.cache, this.profile, this.cursor);
    if (result.kind === 'scheduled') {
      const pi = podInfoOf(pod);
      this.cache.assumePod(pi, result.node);
      this.queue.done(key);
      this.track(this.bind(info, pi, result.node));
      return;
    }
    this.stats.failed++;
    if (result.noNodes) {
      this.track(this.reportFailure(info, cycle, NO_NODES_AVAILABLE, REASON_UNSCHEDULABLE, new Set()));
      return;
    }
    let postMsg = '';
    let nominate: string | undefined;
    let victims: readonly PodInfo[] = [];
    for (const pf of this.profile.postFilter) {
      const r = pf.postFilter(result.cycle, result.podInfo, this.cache, result.diagnosis.nodeToStatus, this.profile);
      postMsg = r.message;
      if (r.result?.nominatedNodeName !== undefined) nominate = r.result.nominatedNodeName;
      if (r.result?.victims) victims = r.result.victims;
      if (r.code === 'Success') break;
    }
    const msg = fitErrorMessage(result.numAllNodes, result.diagnosis, postMsg);
    if (nominate) {
      this.stats.preemptions++;
      this.cache.addNominated(result.podInfo, nominate);
      this.track(this.preempt(pod, nominate, victims));
    } else if (nominate === '') {
      this.cache.deleteNominated(key);
    }
    const plugins = new Set(result.diagnosis.unschedulablePlugins);
    if (nominate) plugins.add('DefaultPreemption');
    this.track(this.reportFailure(info, cycle, msg, REASON_UNSCHEDULABLE, plugins, nominate));
  }

  private async bind(info: QueuedPodInfo, pi: PodInfo, node: string): Promise<void> {
    const { namespace, name } = pi;
    try {
      await this.opts.client.createSubresource(R.pods, namespace, name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid: pi.uid || undefined },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      this.stats.scheduled++;
      this.opts.recorder.event(asPod(info.pod), 'Normal', REASON_SCHEDULED, `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (err) {
      this.cache.forgetPod(pi.key);
      this.queue.moveAllToActiveOrBackoff({ type: 'AssignedPodDelete' });
      if (isNotFound(err)) return;
      if (isConflict(err)) return; // bound by someone else meanwhile; the informer will tell
      this.stats.bindErrors++;
      const msg = `Binding rejected: ${(err as Error).message}`;
      await this.reportFailure(info, this.queue.schedulingCycle, msg, REASON_SCHEDULER_ERROR, new Set(), undefined, true);
    }
  }

  /**
   * FailedScheduling event, PodScheduled=False (written only when it changes, as upstream),
   * nominatedNodeName, then back to the queue.
   */
  private async reportFailure(
    info: QueuedPodInfo, cycle: number, message: string, reason: string, plugins: ReadonlySet<string>, nominate?: string, error = false,
  ): Promise<void> {
    const pod = info.pod;
    const msg = truncate(message);
    this.opts.recorder.event(asPod(pod), 'Warning', REASON_FAILED_SCHEDULING, msg);
    this.queue.addUnschedulable(info, cycle, plugins, error);
    const cur = pod.status?.conditions?.find((c) => c.type === CONDITION_POD_SCHEDULED);
    const sameCondition = cur && cur.status === 'False' && cur.reason === reason && cur.message === msg;
    const nnn = pod.status?.nominatedNodeName ?? '';
    const nominationChange = nominate !== undefined && nominate !== nnn;
    if (sameCondition && !nominationChange) return;
    const status: Record<string, unknown> = {
      conditions: [{
        type: CONDITION_POD_SCHEDULED, status: 'False', reason, message: msg, lastProbeTime: null,
        lastTransitionTime: cur?.status === 'False' ? cur.lastTransitionTime : rfc3339(this.opts.clock.now()),
      }],
    };
    if (nominationChange) status.nominatedNodeName = nominate || null;
    try {
      await this.opts.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', { status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) {
        // Expected while the API is unavailable; the next attempt writes it again.
      }
    }
  }

  /** Marks victims with DisruptionTarget, deletes them and records Preempted on each. */
  private async preempt(preemptor: Readonly<Pod>, node: string, victims: readonly PodInfo[]): Promise<void> {
    const now = rfc3339(this.opts.clock.now());
    await Promise.all(victims.map(async (v) => {
      const ns = v.namespace;
      try {
        await this.opts.client.patch(R.pods, ns, v.name, 'strategic', {
          status: {
            conditions: [{
              type: CONDITION_DISRUPTION_TARGET, status: 'True', reason: REASON_PREEMPTION_BY_SCHEDULER,
              message: `${this.profile.schedulerName}: preempting to accommodate a higher priority pod`, lastTransitionTime: now,
            }],
          },
        }, { subresource: 'status' });
      } catch {
        // The delete below is what matters.
      }
      try {
        await this.opts.client.delete(R.pods, ns, v.name, v.uid ? { preconditions: { uid: v.uid } } : undefined);
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return;
        return;
      }
      this.opts.recorder.event(asPod(v.pod), 'Normal', REASON_PREEMPTED, `Preempted by pod ${preemptor.metadata.uid ?? ''} on node ${node}`);
    }));
  }
}

/** Upstream's node update filter: only changes the scheduler cares about wake pods. */
function nodeSchedulingPropertiesChanged(a: Readonly<Node>, b: Readonly<Node>): boolean {
  if (a.spec?.unschedulable !== b.spec?.unschedulable) return true;
  if (JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? [])) return true;
  if (JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {})) return true;
  if (JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {})) return true;
  const conds = (n: Readonly<Node>): string => JSON.stringify((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
  return conds(a) !== conds(b);
}
