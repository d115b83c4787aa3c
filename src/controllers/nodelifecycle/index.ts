// The node lifecycle controller (upstream pkg/controller/nodelifecycle): watches node
// Leases and Ready heartbeats; a node silent past the grace period gets its conditions set
// to Unknown (NodeStatusUnknown), a NodeNotReady event, its pods marked not ready, and the
// unreachable (or not-ready, for Ready=False) NoExecute and NoSchedule taints. The taints go
// when Ready is True again. Pods are then evicted by taint-based eviction (eviction.ts);
// pod GC force-deletes the evicted pods the silent kubelet cannot finish.
//
//   Lease/heartbeat ──▶ probeTimestamp ──grace elapsed──▶ conditions Unknown ──▶ taints ──▶ eviction
import type { Lease, Node, Pod } from '../../api/types/index.js';
import { conditionsOf, getCondition, setCondition } from '../../api/pod-util.js';
import { isConflict, isNotFound } from '../../api/status.js';
import { rfc3339 } from '../../util/time.js';
import { Controller, enqueueSelf, isRealUpdate } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type ControllerRegistration, type EventRecorder, type Lister,
  R, type ApiClient,
} from '../../client/index.js';
import { observeHealth, unknownConditions, type NodeHealth } from './health.js';
import { desiredTaints, sameTaints, type Taint } from './taints.js';
import { PODS_BY_NODE, TaintEvictionController } from './eviction.js';
import { NAMESPACE_NODE_LEASE } from '../../api/well-known.js';

export * from './health.js';
export * from './taints.js';
export * from './eviction.js';

export const REASON_NODE_NOT_READY = 'NodeNotReady';

export interface NodeLifecycleOptions {
  /** Silence after which a node is Unknown (upstream --node-monitor-grace-period, 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** The same for nodes that never posted Ready (upstream node startup grace period, 60 s). */
  nodeStartupGracePeriodMs?: number;
  /** How often each node is checked (upstream --node-monitor-period, 5 s). */
  nodeMonitorPeriodMs?: number;
}

export class NodeLifecycleController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly nodes: Lister<Node>;
  private readonly leases: Lister<Lease>;
  private readonly pods: Lister<Pod>;
  private readonly health = new Map<string, NodeHealth>();
  private readonly grace: number;
  private readonly startupGrace: number;
  private readonly period: number;

  constructor(ctx: ControllerContext, opts: NodeLifecycleOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.recorder = ctx.recorder('node-controller');
    this.grace = opts.nodeMonitorGracePeriodMs ?? 40_000;
    this.startupGrace = opts.nodeStartupGracePeriodMs ?? 60_000;
    this.period = opts.nodeMonitorPeriodMs ?? 5_000;
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    const leaseInf = ctx.informers.informerFor<Lease>(R.leases);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    podInf.addIndexer(PODS_BY_NODE, (p) => { const n = p.spec?.nodeName; return n ? [n] : []; });
    this.nodes = nodeInf.lister;
    this.leases = leaseInf.lister;
    this.pods = podInf.lister;
    this.controller = new Controller({ name: 'nodelifecycle', workers: 4, signal: ctx.signal, clock: ctx.clock, waitFor: [nodeInf, leaseInf, podInf], reconcile: (k) => this.reconcile(k) });
    const c = this.controller;
    nodeInf.addEventHandler(enqueueSelf(c));
    leaseInf.addEventHandler({
      onUpdate: (o, n) => { if (isRealUpdate(o, n) && n.metadata.namespace === NAMESPACE_NODE_LEASE) c.enqueue(n.metadata.name ?? ''); },
    });
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node) {
      this.health.delete(name);
      return;
    }
    const now = this.clock.now();
    const ready = getCondition(node, 'Ready');
    const renew = this.leases.get(NAMESPACE_NODE_LEASE, name)?.spec?.renewTime;
    const h = observeHealth(this.health.get(name), ready?.lastHeartbeatTime, renew, now);
    this.health.set(name, h);
    let conditions = conditionsOf(node);
    const grace = ready ? this.grace : this.startupGrace;
    if (now > h.probeTimestamp + grace) {
      const next = unknownConditions(conditions, node.metadata.creationTimestamp ?? undefined, rfc3339(now));
      if (next) {
        await this.client.updateStatus(R.nodes, undefined, { ...node, metadata: { ...node.metadata, managedFields: undefined }, status: { ...node.status, conditions: next } });
        conditions = next;
      }
    }
    const readyStatus = conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    if (readyStatus !== 'True' && h.readyStatus === 'True') {
      this.recorder.event(node, 'Normal', REASON_NODE_NOT_READY, `Node ${name} status is now: ${REASON_NODE_NOT_READY}`);
      await this.markPodsNotReady(name);
    }
    this.health.set(name, { ...h, readyStatus });
    await this.syncTaints(node, conditions, now);
    this.controller.enqueueAfter(name, readyStatus === 'True' ? Math.min(this.period, Math.max(1, h.probeTimestamp + grace - now + 1)) : this.period);
  }

  private async syncTaints(node: Readonly<Node>, conditions: ReturnType<typeof conditionsOf>, now: number): Promise<void> {
    const spec = node.spec ?? {};
    const current = spec.taints ?? [];
    const next = desiredTaints(current, conditions, spec.unschedulable === true, rfc3339(now));
    if (sameTaints(current, next)) return;
    await this.client.patch(R.nodes, undefined, node.metadata.name ?? '', 'merge', {
      metadata: { resourceVersion: node.metadata.resourceVersion },
      spec: { taints: next.length ? next : null },
    });
  }

  /** Upstream MarkPodsNotReady: every pod on the node gets Ready=False. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = rfc3339(this.clock.now());
    for (const pod of this.pods.byIndex(PODS_BY_NODE, nodeName)) {
      const ready = getCondition(pod, 'Ready');
      if (!ready || ready.status === 'False') continue;
      const conditions = setCondition(conditionsOf(pod), { ...ready, status: 'False' }, now);
      try {
        await this.client.updateStatus(R.pods, pod.metadata.namespace, { ...pod, metadata: { ...pod.metadata, managedFields: undefined }, status: { ...pod.status, conditions } });
        this.recorder.event(pod, 'Warning', REASON_NODE_NOT_READY, 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}

/** Node lifecycle plus taint-based eviction, with periods chosen by the caller. */
export function nodeLifecycleRegistration(opts: NodeLifecycleOptions = {}): ControllerRegistration {
  return {
    name: 'nodelifecycle',
    register(ctx) {
      new NodeLifecycleController(ctx, opts).controller.run();
      new TaintEvictionController(ctx).controller.run();
    },
  };
}
