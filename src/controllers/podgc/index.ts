// Pod garbage collection (upstream pkg/controller/podgc). One periodic pass over the pod
// cache (key `podgc`, requeued every gcCheckPeriodMs) computes a plan (plan.ts) and
// force-deletes (grace period 0) what it names. Pods that are not terminal get the
// DisruptionTarget condition and phase Failed first, as upstream does.
import type { Node, Pod } from '../../api/types/index.js';
import { conditionsOf, isPodTerminal, setCondition } from '../../api/pod-util.js';
import { isConflict, isNotFound } from '../../api/status.js';
import { rfc3339 } from '../../util/time.js';
import { Controller } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type ControllerRegistration, type Lister, R, type ApiClient,
} from '../../client/index.js';
import { DEFAULT_TERMINATED_POD_GC_THRESHOLD, planPodGC, type GcAction } from './plan.js';

export * from './plan.js';

export const REASON_DELETION_BY_POD_GC = 'DeletionByPodGC';
const GC_KEY = 'podgc';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted (upstream --terminated-pod-gc-threshold). */
  terminatedPodGCThreshold?: number;
  /** Pass period (upstream 20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must be missing before its pods are orphans (upstream 40 s). */
  quarantineMs?: number;
}

const MESSAGES: Record<GcAction['reason'], string> = {
  terminated: 'PodGC: terminated pod over threshold',
  orphaned: 'PodGC: node no longer exists',
  unscheduledTerminating: 'PodGC: unscheduled terminating pod',
  terminatingOnNotReadyNode: 'PodGC: node is not ready',
};

export class PodGCController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  /** Node name → when we first saw pods bound to it while it was missing. */
  private readonly missingSince = new Map<string, number>();
  private readonly threshold: number;
  private readonly period: number;
  private readonly quarantine: number;

  constructor(ctx: ControllerContext, opts: PodGCOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.threshold = opts.terminatedPodGCThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
    this.period = opts.gcCheckPeriodMs ?? 20_000;
    this.quarantine = opts.quarantineMs ?? 40_000;
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    this.pods = podInf.lister;
    this.nodes = nodeInf.lister;
    this.controller = new Controller({ name: 'podgc', signal: ctx.signal, clock: ctx.clock, waitFor: [podInf, nodeInf], reconcile: () => this.gc() });
    void Promise.all([podInf.whenSynced(), nodeInf.whenSynced()]).then(() => this.controller.enqueue(GC_KEY));
  }

  async gc(): Promise<void> {
    try {
      await this.pass();
    } finally {
      this.controller.enqueueAfter(GC_KEY, this.period);
    }
  }

  private async pass(): Promise<void> {
    const now = this.clock.now();
    const isNodeGone = (name: string): boolean => {
      const since = this.missingSince.get(name);
      if (since === undefined) this.missingSince.set(name, now);
      return since !== undefined && now - since >= this.quarantine;
    };
    const plan = planPodGC({ pods: this.pods.list(), nodeByName: (n) => this.nodes.get(undefined, n), isNodeGone, threshold: this.threshold, now });
    for (const name of this.missingSince.keys()) if (this.nodes.get(undefined, name)) this.missingSince.delete(name);
    for (const a of plan) {
      if (a.reason === 'orphaned' && !(await this.nodeReallyGone(a.pod))) continue;
      await this.forceDelete(a);
    }
  }

  /** `pod` is orphaned: bound to a node (planPodGC only says so of pods with spec.nodeName). */
  private async nodeReallyGone(pod: Readonly<Pod>): Promise<boolean> {
    try {
      await this.client.get(R.nodes, undefined, pod.spec!.nodeName!);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  private async forceDelete(a: GcAction): Promise<void> {
    const { pod } = a;
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    try {
      if (!isPodTerminal(pod) && a.reason !== 'terminated') {
        const conditions = setCondition(conditionsOf(pod), { type: 'DisruptionTarget', status: 'True', reason: REASON_DELETION_BY_POD_GC, message: MESSAGES[a.reason] }, rfc3339(this.clock.now()));
        await this.client.patch(R.pods, ns, name, 'strategic', { status: { phase: 'Failed', conditions } }, { subresource: 'status' });
      }
      await this.client.delete(R.pods, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

export function podGCRegistration(opts: PodGCOptions = {}): ControllerRegistration {
  return {
    name: 'podgc',
    register(ctx) {
      new PodGCController(ctx, opts).controller.run();
    },
  };
}
