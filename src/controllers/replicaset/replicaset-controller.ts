// The ReplicaSet controller: keeps spec.replicas pods of each ReplicaSet in existence.
//
//   pod events ──controllerRef──▶ enqueue(owning RS)     (orphans: every RS selecting them)
//   RS events  ─────────────────▶ enqueue(RS)
//   reconcile(ns/name):
//     lister RS ─▶ active pods in ns ─▶ claim (adopt/release) ─▶ expectations satisfied?
//       ─▶ create (slow start) or delete (ranked) the difference ─▶ status via /status
import type { KObject, Pod, ReplicaSet } from '../../api/types/index.js';
import { controllerRef, isPodActive, isPodReady } from '../../api/pod-util.js';
import { isConflict, isNotFound, isStatusError } from '../../api/status.js';
import { isEverything, isNothing, labelSelectorFromMeta, matchesLabels, type LabelSelector } from '../../api/selectors/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, type ApiClient, type Lister, type SharedInformer,
  isDeletedFinalStateUnknown, keyOf, splitKey, R,
} from '../../client/index.js';
import { PodExpectations } from './expectations.js';
import { podsToDelete } from './pod-ranking.js';
import { claimObjects, recheckOwner } from './claim.js';
import {
  adoptPatch, BURST_REPLICAS, calculateStatus, nextAvailabilityCheck, podFromTemplate, REASON_FAILED_CREATE,
  REASON_FAILED_DELETE, REASON_SUCCESSFUL_CREATE, REASON_SUCCESSFUL_DELETE, releasePatch, SLOW_START_INITIAL_BATCH_SIZE,
  slowStartBatch, statusToWrite,
} from './desired.js';
import { podKey, REPLICASET_API_VERSION, REPLICASET_KIND, specReplicas } from './types.js';

export const REPLICASET_CONTROLLER_NAME = 'replicaset-controller';
/** Index of ReplicaSets by the uid of their controller (for "related pods" on scale-down). */
const BY_CONTROLLER_UID = 'controllerUID';

export interface ReplicaSetControllerOptions {
  workers?: number;
  burstReplicas?: number;
}

export class ReplicaSetController {
  readonly controller: Controller;
  readonly expectations: PodExpectations;
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;
  private readonly burst: number;

  constructor(private readonly ctx: ControllerContext, opts: ReplicaSetControllerOptions = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(REPLICASET_CONTROLLER_NAME);
    this.expectations = new PodExpectations(ctx.clock);
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>(R.replicasets);
    const podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.rsLister = this.rsInformer.lister;
    this.podLister = podInformer.lister;
    this.controller = new Controller({ name: REPLICASET_CONTROLLER_NAME, workers: opts.workers ?? 5, reconcile: (k) => this.reconcile(k), signal: ctx.signal, clock: ctx.clock, waitFor: [this.rsInformer, podInformer] });
    this.rsInformer.addIndexer(BY_CONTROLLER_UID, (rs) => { const r = controllerRef(rs); return r ? [r.uid] : []; });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.controller.enqueue(keyOf(rs)),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.controller.enqueue(keyOf(n)); },
      onDelete: (obj) => {
        const key = isDeletedFinalStateUnknown(obj) ? obj.key : keyOf(obj);
        this.expectations.delete(key);
        this.controller.enqueue(key);
      },
    });
    podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (o, n) => this.onPodUpdate(o, n),
      onDelete: (obj) => this.onPodDelete(isDeletedFinalStateUnknown<Pod>(obj) ? obj.obj : obj),
    });
  }

  run(): void {
    this.controller.run();
  }

  // ---- event handlers: only map pods to ReplicaSet keys and note observed expectations ----

  /** The ReplicaSet a controllerRef points at, if it is still that object. */
  private resolve(pod: Readonly<Pod>, ref = controllerRef(pod)): Readonly<ReplicaSet> | undefined {
    if (!ref || ref.kind !== REPLICASET_KIND) return undefined;
    const rs = this.rsLister.get(pod.metadata.namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose (non-empty) selector matches an orphan pod. */
  private selectingReplicaSets(pod: Readonly<Pod>): Readonly<ReplicaSet>[] {
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) return [];
    return this.rsLister.list(pod.metadata.namespace, (rs) => {
      const sel = selectorOf(rs);
      return !!sel && !isEverything(sel) && matchesLabels(sel, pod.metadata.labels);
    });
  }

  private onPodAdd(pod: Readonly<Pod>): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    if (controllerRef(pod)) {
      const rs = this.resolve(pod);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.controller.enqueue(keyOf(rs));
      return;
    }
    for (const rs of this.selectingReplicaSets(pod)) this.controller.enqueue(keyOf(rs));
  }

  private onPodUpdate(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    if (!isRealUpdate(old, cur)) return;
    const labelsChanged = !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolve(old, oldRef);
      if (rs) this.controller.enqueue(keyOf(rs));
    }
    if (curRef) {
      const rs = this.resolve(cur, curRef);
      if (!rs) return;
      this.controller.enqueue(keyOf(rs));
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.controller.enqueueAfter(keyOf(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.selectingReplicaSets(cur)) this.controller.enqueue(keyOf(rs));
  }

  private onPodDelete(pod: Readonly<Pod>): void {
    const rs = this.resolve(pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), podKey(pod));
    this.controller.enqueue(keyOf(rs));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.rsLister.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorOf(rs);
    if (!selector) return; // invalid selector: validation prevents it; retrying cannot help
    const active = this.podLister.list(namespace, isPodActive);
    const pods = await this.claimPods(rs, selector, active);
    let manageError: Error | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err instanceof Error ? err : new Error(String(err));
      }
    }
    const now = this.ctx.clock.now();
    await this.writeStatus(rs, calculateStatus(rs, pods, manageError, now));
    if (manageError) throw manageError;
    const wait = nextAvailabilityCheck(rs, pods, now);
    if (wait !== undefined) this.controller.enqueueAfter(key, wait);
    const expiry = this.expectations.expiresIn(key);
    if (expiry !== undefined) this.controller.enqueueAfter(key, expiry + 1);
  }

  private claimPods(rs: Readonly<ReplicaSet>, selector: LabelSelector, pods: readonly Readonly<Pod>[]): Promise<Readonly<Pod>[]> {
    const ns = rs.metadata.namespace;
    return claimObjects<Pod>(rs, selector, pods, {
      canAdopt: () => recheckOwner(rs, () => this.client.get(R.replicasets, ns, rs.metadata.name ?? '')),
      adopt: (pod) => this.client.patch<Pod>(R.pods, ns, pod.metadata.name ?? '', 'strategic', adoptPatch(rs, REPLICASET_API_VERSION, REPLICASET_KIND, pod)),
      release: async (pod) => { await this.client.patch(R.pods, ns, pod.metadata.name ?? '', 'strategic', releasePatch(rs, pod)); },
    });
  }

  private async manageReplicas(key: string, rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[]): Promise<void> {
    const diff = pods.length - specReplicas(rs);
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs));
      // Creates never attempted or failed will not show up in the informer.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error) throw error;
    } else if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = podsToDelete(pods, this.relatedPods(rs), n, this.ctx.clock.now());
      this.expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.all(victims.map(async (pod) => {
        try {
          await this.deletePod(rs, pod);
          return undefined;
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(pod));
          return isNotFound(err) ? undefined : err;
        }
      }));
      const err = results.find((e) => e !== undefined);
      if (err !== undefined) throw err;
    }
  }

  private async createPod(rs: Readonly<ReplicaSet>): Promise<void> {
    const pod = podFromTemplate(rs);
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) throw new Error('unable to create pods, no labels');
    let created: KObject;
    try {
      created = await this.client.create(R.pods, rs.metadata.namespace, pod);
    } catch (err) {
      // A terminating namespace refuses every create; nothing to report or retry.
      if (hasStatusCause(err, 'NamespaceTerminating')) return;
      this.recorder.event(rs, 'Warning', REASON_FAILED_CREATE, `Error creating: ${errorMessage(err)}`);
      throw err;
    }
    this.recorder.event(rs, 'Normal', REASON_SUCCESSFUL_CREATE, `Created pod: ${created.metadata.name}`);
  }

  private async deletePod(rs: Readonly<ReplicaSet>, pod: Readonly<Pod>): Promise<void> {
    try {
      await this.client.delete(R.pods, rs.metadata.namespace, pod.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) this.recorder.event(rs, 'Warning', REASON_FAILED_DELETE, `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
    this.recorder.event(rs, 'Normal', REASON_SUCCESSFUL_DELETE, `Deleted pod: ${pod.metadata.name}`);
  }

  /** Pods of every ReplicaSet sharing this one's controller (this one included). */
  private relatedPods(rs: Readonly<ReplicaSet>): Readonly<Pod>[] {
    const ref = controllerRef(rs);
    if (!ref) return [];
    const seen = new Set<string>();
    const out: Readonly<Pod>[] = [];
    for (const other of this.rsLister.byIndex(BY_CONTROLLER_UID, ref.uid)) {
      if (other.metadata.namespace !== rs.metadata.namespace) continue;
      const sel = selectorOf(other);
      if (!sel) continue;
      for (const pod of this.podLister.list(rs.metadata.namespace, (p) => matchesLabels(sel, p.metadata.labels))) {
        const uid = pod.metadata.uid ?? podKey(pod);
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(pod);
      }
    }
    return out;
  }

  /** Writes status through /status on a copy; one retry on a conflict with a fresh read. */
  private async writeStatus(rs: Readonly<ReplicaSet>, next: ReplicaSet['status'] & object): Promise<void> {
    let base: Readonly<ReplicaSet> = rs;
    for (let attempt = 0; ; attempt++) {
      const status = statusToWrite(base, next);
      if (!status) return;
      const copy = clone(base) as ReplicaSet;
      copy.status = status;
      try {
        await this.client.updateStatus(R.replicasets, rs.metadata.namespace, copy);
        return;
      } catch (err) {
        if (attempt >= 1 || !isConflict(err)) throw err;
        base = await this.client.get<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name ?? '');
        if (base.metadata.uid !== rs.metadata.uid) return;
      }
    }
  }
}

/** The ReplicaSet's selector; undefined when invalid or selecting nothing. */
function selectorOf(rs: Readonly<ReplicaSet>): LabelSelector | undefined {
  try {
    const sel = labelSelectorFromMeta(rs.spec?.selector);
    return isNothing(sel) ? undefined : sel;
  } catch {
    return undefined;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hasStatusCause(err: unknown, reason: string): boolean {
  return isStatusError(err) && !!err.status.details?.causes?.some((c) => c.reason === reason);
}
