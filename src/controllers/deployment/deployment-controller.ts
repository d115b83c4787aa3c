// The Deployment controller: rolls a Deployment's pod template out through ReplicaSets.
//
//   Deployment events ─────────────────────────────▶ enqueue(Deployment)
//   ReplicaSet events ──controllerRef──────────────▶ enqueue(owning Deployment)  (orphans: every selecting one)
//   pod deletions (Recreate) ──pod→RS→Deployment───▶ enqueue(Deployment)
//   reconcile(ns/name):
//     lister Deployment ─▶ claim ReplicaSets (adopt/release) ─▶ pods by ReplicaSet
//       ─▶ deleting? status only ─▶ paused condition ─▶ paused or scaling event? sync()
//       ─▶ Recreate / RollingUpdate rollout (sync.ts)
import { controllerRef } from '../../api/pod-util.js';
import { isEverything, isNothing, labelSelectorFromMeta, matchesLabels, type LabelSelector } from '../../api/selectors/index.js';
import { deepEqual } from '../../util/json.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, type Lister, isDeletedFinalStateUnknown, keyOf,
  splitKey, R,
} from '../../client/index.js';
import { adoptPatch, claimObjects, recheckOwner, releasePatch } from '../replicaset/index.js';
import { DeploymentSync } from './sync.js';
import { DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND } from './types.js';
import type { Deployment, Pod, ReplicaSet } from '../../api/types/index.js';

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';
export const REASON_SELECTING_ALL = 'SelectingAll';

export interface DeploymentControllerOptions {
  workers?: number;
}

export class DeploymentController {
  readonly controller: Controller;
  private readonly recorder: EventRecorder;
  private readonly dLister: Lister<Deployment>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;

  constructor(private readonly ctx: ControllerContext, opts: DeploymentControllerOptions = {}) {
    this.recorder = ctx.recorder(DEPLOYMENT_CONTROLLER_NAME);
    const dInformer = ctx.informers.informerFor<Deployment>(R.deployments);
    const rsInformer = ctx.informers.informerFor<ReplicaSet>(R.replicasets);
    const podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.dLister = dInformer.lister;
    this.rsLister = rsInformer.lister;
    this.podLister = podInformer.lister;
    this.controller = new Controller({ name: DEPLOYMENT_CONTROLLER_NAME, workers: opts.workers ?? 5, reconcile: (k) => this.reconcile(k), signal: ctx.signal, clock: ctx.clock, waitFor: [dInformer, rsInformer, podInformer] });
    dInformer.addEventHandler({
      onAdd: (d) => this.controller.enqueue(keyOf(d)),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.controller.enqueue(keyOf(n)); },
      onDelete: (obj) => this.controller.enqueue(isDeletedFinalStateUnknown(obj) ? obj.key : keyOf(obj)),
    });
    rsInformer.addEventHandler({
      onAdd: (rs) => this.onReplicaSetAdd(rs),
      onUpdate: (o, n) => this.onReplicaSetUpdate(o, n),
      onDelete: (obj) => this.enqueueOwner(isDeletedFinalStateUnknown<ReplicaSet>(obj) ? obj.obj : obj),
    });
    podInformer.addEventHandler({
      onDelete: (obj) => this.onPodDelete(isDeletedFinalStateUnknown<Pod>(obj) ? obj.obj : obj),
    });
  }

  run(): void {
    this.controller.run();
  }

  // ---- event handlers ----

  private resolve(rs: Readonly<ReplicaSet>, ref = controllerRef(rs)): Readonly<Deployment> | undefined {
    if (!ref || ref.kind !== DEPLOYMENT_KIND) return undefined;
    const d = this.dLister.get(rs.metadata.namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: Readonly<ReplicaSet>, ref = controllerRef(rs)): void {
    const d = this.resolve(rs, ref);
    if (d) this.controller.enqueue(keyOf(d));
  }

  /** Deployments whose (non-empty) selector matches an orphan ReplicaSet. */
  private enqueueSelecting(rs: Readonly<ReplicaSet>): void {
    if (!rs.metadata.labels || Object.keys(rs.metadata.labels).length === 0) return;
    for (const d of this.dLister.list(rs.metadata.namespace)) {
      const sel = selectorOf(d);
      if (sel && !isEverything(sel) && matchesLabels(sel, rs.metadata.labels)) this.controller.enqueue(keyOf(d));
    }
  }

  private onReplicaSetAdd(rs: Readonly<ReplicaSet>): void {
    if (controllerRef(rs) || rs.metadata.deletionTimestamp) this.enqueueOwner(rs);
    else this.enqueueSelecting(rs);
  }

  private onReplicaSetUpdate(old: Readonly<ReplicaSet>, cur: Readonly<ReplicaSet>): void {
    if (!isRealUpdate(old, cur)) return;
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) this.enqueueOwner(old, oldRef);
    if (curRef) return this.enqueueOwner(cur, curRef);
    const labelsChanged = !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) this.enqueueSelecting(cur);
  }

  /** Recreate waits for old pods to be gone; their deletions wake it. */
  private onPodDelete(pod: Readonly<Pod>): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsLister.get(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.resolve(rs);
    if (d && d.spec?.strategy?.type === 'Recreate') this.controller.enqueue(keyOf(d));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const d = this.dLister.get(namespace, name);
    if (!d) return;
    if (deepEqual(d.spec?.selector ?? null, {})) {
      this.recorder.event(d, 'Warning', REASON_SELECTING_ALL, 'This deployment is selecting all pods. A non-empty selector is required.');
      return;
    }
    const selector = selectorOf(d);
    if (!selector) return; // invalid selector: validation prevents it; retrying cannot help
    const rsList = await this.claimReplicaSets(d, selector);
    const sync = new DeploymentSync({
      client: this.ctx.client,
      recorder: this.recorder,
      now: () => this.ctx.clock.now(),
      // "Now" is rate-limited, never an immediate add: a stuck rollout whose deadline has
      // passed but whose condition cannot change yet (its ReplicaSets' status is behind)
      // would otherwise re-run this reconcile, without I/O, forever.
      requeueAfter: (ms) => (ms > 0 ? this.controller.enqueueAfter(key, ms) : this.controller.requeueRateLimited(key)),
    }, d, rsList, this.podsByReplicaSet(d, selector, rsList));
    if (d.metadata.deletionTimestamp) return sync.syncStatusOnly();
    await sync.checkPausedConditions();
    if (d.spec?.paused) return sync.sync();
    if (await sync.isScalingEvent()) return sync.sync();
    const type = d.spec?.strategy?.type ?? 'RollingUpdate';
    return type === 'Recreate' ? sync.rolloutRecreate() : sync.rolloutRolling();
  }

  private claimReplicaSets(d: Readonly<Deployment>, selector: LabelSelector): Promise<Readonly<ReplicaSet>[]> {
    const ns = d.metadata.namespace;
    const client = this.ctx.client;
    return claimObjects<ReplicaSet>(d, selector, this.rsLister.list(ns), {
      canAdopt: () => recheckOwner(d, () => client.get(R.deployments, ns, d.metadata.name ?? '')),
      adopt: (rs) => client.patch<ReplicaSet>(R.replicasets, ns, rs.metadata.name ?? '', 'strategic', adoptPatch(d, DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND, rs)),
      release: async (rs) => { await client.patch(R.replicasets, ns, rs.metadata.name ?? '', 'strategic', releasePatch(d, rs)); },
    });
  }

  /** Pods selected by the Deployment, grouped by the uid of their (claimed) ReplicaSet. */
  private podsByReplicaSet(d: Readonly<Deployment>, selector: LabelSelector, rsList: readonly Readonly<ReplicaSet>[]): Map<string, Readonly<Pod>[]> {
    const out = new Map<string, Readonly<Pod>[]>();
    for (const rs of rsList) out.set(rs.metadata.uid ?? '', []);
    for (const pod of this.podLister.list(d.metadata.namespace, (p) => matchesLabels(selector, p.metadata.labels))) {
      const ref = controllerRef(pod);
      const list = ref ? out.get(ref.uid) : undefined;
      if (list) list.push(pod);
    }
    return out;
  }
}

function selectorOf(d: Readonly<Deployment>): LabelSelector | undefined {
  try {
    const sel = labelSelectorFromMeta(d.spec?.selector);
    return isNothing(sel) ? undefined : sel;
  } catch {
    return undefined;
  }
}
