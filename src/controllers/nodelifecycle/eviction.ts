// Taint-based eviction (upstream tainteviction): pods on a node with NoExecute taints they
// do not tolerate are deleted, at once or after their tolerationSeconds. Keys are pod keys;
// a pod whose eviction lies ahead is requeued for that moment. The eviction is counted
// from the later of the taint's timeAdded and the pod's creation, so a restart of the
// controller does not reset the clock.
import type { Node, Pod } from '../../api/types/index.js';
import { isConflict, isNotFound } from '../../api/status.js';
import { setCondition, conditionsOf } from '../../api/pod-util.js';
import { rfc3339 } from '../../util/time.js';
import { Controller, enqueueObject, isRealUpdate } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, keyOf,
  splitKey, type Lister, R, type ApiClient,
} from '../../client/index.js';
import { evictionTime, sameTaints, type Taint, type Toleration } from './taints.js';

export const REASON_TAINT_MANAGER_EVICTION = 'TaintManagerEviction';
export const CONDITION_DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_DELETION_BY_TAINT_MANAGER = 'DeletionByTaintManager';
export const PODS_BY_NODE = 'nodelifecycle/spec.nodeName';

export function noExecuteTaints(node: Readonly<Node> | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

function nodeNameOf(pod: Readonly<Pod>): string | undefined {
  return pod.spec?.nodeName || undefined;
}

export class TaintEvictionController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  /** Pods with an eviction ahead of them (for the cancellation event). */
  private readonly scheduled = new Set<string>();

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.recorder = ctx.recorder('taint-eviction-controller');
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    podInf.addIndexer(PODS_BY_NODE, (p) => { const n = nodeNameOf(p); return n ? [n] : []; });
    this.pods = podInf.lister;
    this.nodes = nodeInf.lister;
    this.controller = new Controller({ name: 'taint-eviction', workers: 8, signal: ctx.signal, clock: ctx.clock, waitFor: [podInf, nodeInf], reconcile: (k) => this.reconcile(k) });
    const c = this.controller;
    podInf.addEventHandler({
      onAdd: (p) => { if (nodeNameOf(p)) enqueueObject(c, p); },
      onUpdate: (o, n) => { if (isRealUpdate(o, n) && nodeNameOf(n)) enqueueObject(c, n); },
      onDelete: (p) => this.scheduled.delete(isDeletedFinalStateUnknown(p) ? p.key : keyOf(p)),
    });
    nodeInf.addEventHandler({
      onAdd: (n) => this.enqueuePodsOn(n),
      onUpdate: (o, n) => { if (!sameTaints(noExecuteTaints(o), noExecuteTaints(n))) this.enqueuePodsOn(n); },
    });
  }

  private enqueuePodsOn(node: Readonly<Node>): void {
    if (noExecuteTaints(node).length === 0 && this.scheduled.size === 0) return;
    for (const p of this.pods.byIndex(PODS_BY_NODE, node.metadata.name ?? '')) enqueueObject(this.controller, p);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    const nodeName = pod && nodeNameOf(pod);
    if (!pod || !nodeName || pod.metadata.deletionTimestamp) {
      this.scheduled.delete(key);
      return;
    }
    const taints = noExecuteTaints(this.nodes.get(undefined, nodeName));
    const tolerations: Toleration[] = pod.spec?.tolerations ?? [];
    const since = Math.max(
      Date.parse(pod.metadata.creationTimestamp ?? '') || 0,
      ...taints.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : 0)),
    );
    const at = evictionTime(tolerations, taints, since);
    if (at === undefined) {
      if (this.scheduled.delete(key)) this.recorder.event(pod, 'Normal', REASON_TAINT_MANAGER_EVICTION, `Cancelling deletion of Pod ${key}`);
      return;
    }
    const now = this.clock.now();
    if (at > now) {
      this.scheduled.add(key);
      this.controller.enqueueAfter(key, at - now);
      return;
    }
    await this.evict(pod, key);
  }

  private async evict(pod: Readonly<Pod>, key: string): Promise<void> {
    this.recorder.event(pod, 'Normal', REASON_TAINT_MANAGER_EVICTION, `Marking for deletion Pod ${key}`);
    const now = rfc3339(this.clock.now());
    const conditions = setCondition(conditionsOf(pod), {
      type: CONDITION_DISRUPTION_TARGET, status: 'True', reason: REASON_DELETION_BY_TAINT_MANAGER, message: 'Taint manager: deleting due to NoExecute taint',
    }, now);
    try {
      await this.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', { status: { conditions } }, { subresource: 'status' });
      await this.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.scheduled.delete(key);
  }
}
