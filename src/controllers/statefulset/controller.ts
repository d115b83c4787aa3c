// The StatefulSet controller: keeps `<set>-0 ... <set>-(n-1)` in existence with stable
// identities and storage, in order when the policy asks for it, and rolls them to new
// template revisions recorded as ControllerRevisions. See plan.ts for the rules.
import type { KObject, PersistentVolumeClaim, Pod, StatefulSet } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../../api/status.js';
import { isControlledBy } from '../../api/pod-util.js';
import { labelSelectorFromMeta, matchesLabels } from '../../api/selectors/index.js';
import { Controller, enqueueOwner, isRealUpdate, enqueueSelf } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, splitKey, type Lister, R,
  type ApiClient,
} from '../../client/index.js';
import { clone, deepEqual } from '../../util/json.js';
import {
  createControllerRevision, deleteRevisions, equalRevision, findEqualRevisions, listOwnedRevisions, newControllerRevision,
  nextRevision, revisionsToTruncate, sortRevisions, templateFromRevision, templatePatch, updateRevisionNumber,
  type ControllerRevision,
} from '../history/index.js';
import {
  claimsFor, desiredClaimOwnerRefs, identityLabelPatch, newStatefulSetPod, ordinalOf, podRevision, replicasOf, specOf,
  STATEFULSET_API_VERSION, STATEFULSET_KIND,
} from './identity.js';
import { computeStatus, planStatefulSet, type StatefulSetAction } from './plan.js';
import { BugError } from '../../util/bug-error.js';

export const CONTROLLER_NAME = 'statefulset-controller';
export const REASON_SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const REASON_FAILED_CREATE = 'FailedCreate';
export const REASON_SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const REASON_FAILED_DELETE = 'FailedDelete';
export const REASON_SUCCESSFUL_UPDATE = 'SuccessfulUpdate';
export const REASON_RECREATING_FAILED_POD = 'RecreatingFailedPod';
export const REASON_RECREATING_TERMINATED_POD = 'RecreatingTerminatedPod';

interface Revisions { current: Readonly<ControllerRevision>; update: Readonly<ControllerRevision>; all: Readonly<ControllerRevision>[]; collisionCount: number }

export class StatefulSetController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly sets: Lister<StatefulSet>;
  private readonly pods: Lister<Pod>;
  private readonly revisions: Lister<ControllerRevision>;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly recorder: EventRecorder;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(CONTROLLER_NAME);
    this.now = () => ctx.clock.now();
    const setInf = ctx.informers.informerFor<StatefulSet>(R.statefulsets);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const revInf = ctx.informers.informerFor<ControllerRevision>(R.controllerrevisions);
    const pvcInf = ctx.informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    this.sets = setInf.lister;
    this.pods = podInf.lister;
    this.revisions = revInf.lister;
    this.claims = pvcInf.lister;
    this.controller = new Controller({
      name: CONTROLLER_NAME, workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock,
      waitFor: [setInf, podInf, revInf, pvcInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    setInf.addEventHandler(enqueueSelf(c));
    podInf.addEventHandler({
      onAdd: (p) => { enqueueOwner(c, p, STATEFULSET_KIND); },
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) enqueueOwner(c, n, STATEFULSET_KIND); },
      onDelete: (p) => { enqueueOwner(c, isDeletedFinalStateUnknown<KObject>(p) ? p.obj : p, STATEFULSET_KIND); },
    });
    revInf.addEventHandler({ onDelete: (r) => { enqueueOwner(c, isDeletedFinalStateUnknown<KObject>(r) ? r.obj : r, STATEFULSET_KIND); } });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return;
    const selector = labelSelectorFromMeta(specOf(set).selector);
    const pods = this.pods.list(namespace, (p) => isControlledBy(p, set) && matchesLabels(selector, p.metadata.labels ?? {}));
    const revs = await this.syncRevisions(set);
    if (!set.metadata.deletionTimestamp) {
      const actions = planStatefulSet({ set, pods, updateRevision: revs.update.metadata.name ?? '', now: this.now() });
      await this.syncClaimOwners(set, pods);
      for (const a of actions) await this.apply(set, revs, a);
    }
    await this.writeStatus(set, pods, revs);
    const live = new Set([revs.current.metadata.name ?? '', revs.update.metadata.name ?? '', ...pods.map(podRevision)]);
    await deleteRevisions(this.client, revisionsToTruncate(revs.all, live, specOf(set).revisionHistoryLimit ?? 10));
  }

  /** Finds or creates the update revision; the current one is the status's, else the update one. */
  private async syncRevisions(set: Readonly<StatefulSet>): Promise<Revisions> {
    const all = sortRevisions(listOwnedRevisions(this.revisions, set));
    let collisionCount = set.status?.collisionCount ?? 0;
    const candidate = newControllerRevision({
      owner: set, ownerApiVersion: STATEFULSET_API_VERSION, ownerKind: STATEFULSET_KIND,
      labels: specOf(set).template?.metadata?.labels, annotations: set.metadata.annotations,
      data: templatePatch(specOf(set).template), revision: nextRevision(all), collisionCount,
    });
    const equal = findEqualRevisions(all, candidate);
    let update: Readonly<ControllerRevision>;
    const latest = all[all.length - 1];
    if (equal.length > 0 && latest && equalRevision(latest, equal[equal.length - 1])) update = latest;
    else if (equal.length > 0) update = await updateRevisionNumber(this.client, equal[equal.length - 1]!, candidate.revision);
    else ({ revision: update, collisionCount } = await createControllerRevision(this.client, set, candidate, collisionCount));
    const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    const merged = all.filter((r) => r.metadata.name !== update.metadata.name).concat([update]);
    return { current, update, all: merged, collisionCount };
  }

  private async apply(set: Readonly<StatefulSet>, revs: Revisions, a: StatefulSetAction): Promise<void> {
    const setName = set.metadata.name ?? '';
    switch (a.type) {
      case 'create': {
        const rev = a.revision === 'current' ? revs.current : revs.update;
        const template = a.revision === 'current' ? templateFromRevision(revs.current) : (specOf(set).template ?? {});
        const pod = newStatefulSetPod(set, template, a.ordinal, rev.metadata.name ?? '');
        await this.createClaims(set, pod, a.ordinal);
        try {
          await this.client.create(R.pods, set.metadata.namespace, pod);
        } catch (err) {
          if (isAlreadyExists(err)) return;
          this.recorder.event(set, 'Warning', REASON_FAILED_CREATE, `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${msg(err)}`);
          throw err;
        }
        this.recorder.event(set, 'Normal', REASON_SUCCESSFUL_CREATE, `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
        return;
      }
      case 'delete': {
        const podName = a.pod.metadata.name ?? '';
        if (a.reason === 'failed') this.recorder.event(set, 'Warning', REASON_RECREATING_FAILED_POD, `StatefulSet ${set.metadata.namespace}/${setName} is recreating failed Pod ${podName}`);
        if (a.reason === 'succeeded') this.recorder.event(set, 'Normal', REASON_RECREATING_TERMINATED_POD, `StatefulSet ${set.metadata.namespace}/${setName} is recreating terminated Pod ${podName}`);
        try {
          await this.client.delete(R.pods, set.metadata.namespace, podName, { preconditions: { uid: a.pod.metadata.uid } });
        } catch (err) {
          if (isNotFound(err)) return;
          this.recorder.event(set, 'Warning', REASON_FAILED_DELETE, `delete Pod ${podName} in StatefulSet ${setName} failed error: ${msg(err)}`);
          throw err;
        }
        this.recorder.event(set, 'Normal', REASON_SUCCESSFUL_DELETE, `delete Pod ${podName} in StatefulSet ${setName} successful`);
        return;
      }
      case 'fixIdentity': {
        const labels = identityLabelPatch(set, a.pod);
        await this.createClaims(set, a.pod, ordinalOf(set, a.pod));
        if (!labels) return;
        await this.client.patch(R.pods, a.pod.metadata.namespace, a.pod.metadata.name ?? '', 'merge', { metadata: { labels } });
        this.recorder.event(set, 'Normal', REASON_SUCCESSFUL_UPDATE, `update Pod ${a.pod.metadata.name} in StatefulSet ${setName} successful`);
        return;
      }
      default: {
        const never: never = a;
        throw new BugError(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  /** Creates the pod's missing claims before the pod itself (upstream createPersistentVolumeClaims). */
  private async createClaims(set: Readonly<StatefulSet>, pod: Readonly<KObject>, ordinal: number): Promise<void> {
    for (const claim of claimsFor(set, ordinal).values()) {
      const name = claim.metadata.name ?? '';
      const existing = this.claims.get(set.metadata.namespace, name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted; waiting to recreate it`);
        continue;
      }
      claim.metadata.ownerReferences = desiredClaimOwnerRefs(claim, set, undefined, ordinal);
      if (claim.metadata.ownerReferences.length === 0) delete claim.metadata.ownerReferences;
      try {
        await this.client.create(R.persistentvolumeclaims, set.metadata.namespace, claim);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.recorder.event(set, 'Warning', REASON_FAILED_CREATE, `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${msg(err)}`);
        throw err;
      }
      this.recorder.event(set, 'Normal', REASON_SUCCESSFUL_CREATE, `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    }
  }

  /** Keeps claims' owner references in line with persistentVolumeClaimRetentionPolicy. */
  private async syncClaimOwners(set: Readonly<StatefulSet>, pods: readonly Readonly<KObject>[]): Promise<void> {
    if (!specOf(set).volumeClaimTemplates?.length) return;
    for (const pod of pods) {
      const ord = ordinalOf(set, pod);
      if (ord < 0) continue;
      for (const want of claimsFor(set, ord).values()) {
        const claim = this.claims.get(set.metadata.namespace, want.metadata.name ?? '');
        if (!claim || claim.metadata.deletionTimestamp) continue;
        const refs = desiredClaimOwnerRefs(claim, set, pod, ord);
        if (deepEqual(refs, claim.metadata.ownerReferences ?? [])) continue;
        await this.client.patch(R.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name ?? '', 'merge', {
          metadata: { resourceVersion: claim.metadata.resourceVersion, ownerReferences: refs.length ? refs : null },
        });
      }
    }
  }

  private async writeStatus(set: Readonly<StatefulSet>, pods: readonly Readonly<KObject>[], revs: Revisions): Promise<void> {
    const now = this.now();
    const status = computeStatus(set, pods, revs.current.metadata.name ?? '', revs.update.metadata.name ?? '', revs.collisionCount, now);
    const minReady = specOf(set).minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== replicasOf(set)) this.controller.enqueueAfter(keyOfSet(set), minReady * 1000);
    if (deepEqual(status, set.status ?? {})) return;
    const copy = clone(set) as StatefulSet;
    copy.status = status;
    try {
      await this.client.updateStatus(R.statefulsets, set.metadata.namespace, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

const keyOfSet = (set: Readonly<KObject>): string => `${set.metadata.namespace}/${set.metadata.name}`;
const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));
