// One reconcile of one Deployment (upstream sync.go, rolling.go, recreate.go): works on a
// private copy of the Deployment and of its claimed ReplicaSets, applies the plans computed
// in rollout.ts and status.ts, and replaces its copies with what the API server returns so
// later steps of the same reconcile never write from stale resourceVersions.
//
//   paused or scaling event ─▶ sync():          proportional scale, (paused) history clean-up, status
//   RollingUpdate           ─▶ rolloutRolling(): new RS up ▶ else old RSes down ▶ status
//   Recreate                ─▶ rolloutRecreate(): old RSes to 0 ▶ wait for old pods ▶ new RS up
import { isAlreadyExists, isNotFound, isStatusError } from '../../api/status.js';
import { newControllerRef } from '../../api/pod-util.js';
import { clone, deepEqual } from '../../util/json.js';
import { type EventRecorder, type ApiClient, R } from '../../client/index.js';
import { isControlledBy } from '../../api/pod-util.js';
import { specReplicas } from '../replicaset/index.js';
import { maxRevision, REVISION_ANNOTATION, setNewReplicaSetAnnotations, setReplicasAnnotations, desiredReplicasAnnotation } from './annotations.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from './hash.js';
import { byCreationTimestamp, filterActive, historyToDelete, maxSurge, newRSNewReplicas, planOldScaleDown, planScale, sumStatusReplicas } from './rollout.js';
import {
  calculateStatus, CONDITION_PROGRESSING, deploymentComplete, getDeploymentCondition, newCondition, pausedConditionStatus,
  REASON_FOUND_NEW_REPLICA_SET, REASON_NEW_REPLICA_SET_CREATED, REASON_REPLICA_SET_CREATE_ERROR, rolloutStatus,
  setDeploymentCondition, stuckRequeueAfter,
} from './status.js';
import { DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND, deploymentReplicas, hasProgressDeadline } from './types.js';
import type { Deployment, DeploymentStatus, Pod, PodTemplateSpec, ReplicaSet } from '../../api/types/index.js';

export const REASON_SCALING_REPLICA_SET = 'ScalingReplicaSet';

export interface SyncDeps {
  client: ApiClient;
  recorder: EventRecorder;
  now(): number;
  /** Looks at this Deployment again after `ms`; 0: after the key's rate-limited back-off, never at once. */
  requeueAfter(ms: number): void;
}

export class DeploymentSync {
  private readonly d: Deployment;
  private rsList: Readonly<ReplicaSet>[];

  constructor(private readonly deps: SyncDeps, d: Readonly<Deployment>, rsList: readonly Readonly<ReplicaSet>[], private readonly podsByRS: ReadonlyMap<string, readonly Readonly<Pod>[]>) {
    this.d = clone(d) as Deployment;
    this.rsList = [...rsList];
  }

  private get ns(): string | undefined {
    return this.d.metadata.namespace;
  }

  // ---- entry points ----

  /** Scaling event or paused Deployment: resize proportionally, no rollout progress. */
  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSets(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupHistory(this.olds(newRS));
    const cur = this.current(newRS);
    await this.writeStatus(calculateStatus(this.d, cur.all, cur.newRS, this.deps.now()));
  }

  async rolloutRolling(): Promise<void> {
    const { newRS } = await this.replicaSets(true);
    if (!newRS) return;
    if (await this.reconcileNewReplicaSet(newRS)) return this.syncRolloutStatus(newRS);
    const cur = this.current(newRS);
    const steps = planOldScaleDown(this.d, filterActive(this.olds(cur.newRS)), cur.newRS ?? newRS);
    let scaled = false;
    for (const step of steps) if (await this.scaleAndRecord(this.latest(step.rs), step.to)) scaled = true;
    if (scaled) return this.syncRolloutStatus(newRS);
    if (deploymentComplete(this.d, this.d.status)) await this.cleanupHistory(this.olds(newRS));
    return this.syncRolloutStatus(newRS);
  }

  async rolloutRecreate(): Promise<void> {
    let { newRS, oldRSs } = await this.replicaSets(false);
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) if (await this.scaleAndRecord(rs, 0)) scaledDown = true;
    if (scaledDown || this.oldPodsRunning(newRS)) return this.syncRolloutStatus(newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.replicaSets(true));
    if (newRS) await this.scaleAndRecord(this.latest(newRS), deploymentReplicas(this.d));
    if (deploymentComplete(this.d, this.d.status)) await this.cleanupHistory(this.olds(newRS));
    return this.syncRolloutStatus(newRS);
  }

  /** A Deployment being deleted only reports status. */
  async syncStatusOnly(): Promise<void> {
    const { newRS } = await this.replicaSets(false);
    const cur = this.current(newRS);
    await this.writeStatus(calculateStatus(this.d, cur.all, cur.newRS, this.deps.now()));
  }

  /** Progressing=Unknown DeploymentPaused / DeploymentResumed when spec.paused flips. */
  async checkPausedConditions(): Promise<void> {
    const s = pausedConditionStatus(this.d, this.deps.now());
    if (s) await this.writeStatus(s);
  }

  /** Some active ReplicaSet was sized for a different spec.replicas. */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.replicaSets(false);
    const replicas = deploymentReplicas(this.d);
    return filterActive([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicas;
    });
  }

  // ---- ReplicaSet bookkeeping ----

  private latest(rs: Readonly<ReplicaSet>): Readonly<ReplicaSet> {
    return this.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }

  private replace(rs: Readonly<ReplicaSet>): void {
    const i = this.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
  }

  private olds(newRS: Readonly<ReplicaSet> | undefined): Readonly<ReplicaSet>[] {
    return this.rsList.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
  }

  private current(newRS: Readonly<ReplicaSet> | undefined): { newRS?: Readonly<ReplicaSet>; all: Readonly<ReplicaSet>[] } {
    const n = newRS ? this.latest(newRS) : undefined;
    return { newRS: n, all: n ? [...this.olds(n), n] : this.olds(undefined) };
  }

  /** The oldest ReplicaSet whose template equals the Deployment's (ignoring pod-template-hash). */
  private findNew(): Readonly<ReplicaSet> | undefined {
    return [...this.rsList].sort(byCreationTimestamp).find((rs) => templatesEqualIgnoringHash(rs.spec?.template, this.d.spec?.template));
  }

  /** upstream getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked) and the old ones. */
  private async replicaSets(create: boolean): Promise<{ newRS?: Readonly<ReplicaSet>; oldRSs: Readonly<ReplicaSet>[] }> {
    const existing = this.findNew();
    const oldRSs = this.olds(existing);
    const newRS = await this.newReplicaSet(existing, oldRSs, create);
    return { newRS, oldRSs: this.olds(newRS) };
  }

  private async newReplicaSet(existing: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[], create: boolean): Promise<Readonly<ReplicaSet> | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    const replicas = deploymentReplicas(d);
    if (existing) {
      const copy = clone(existing) as ReplicaSet;
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true, replicas, replicas + maxSurge(d));
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0)) {
        copy.spec = { ...copy.spec, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        if (!copy.spec.minReadySeconds) delete copy.spec.minReadySeconds;
        const updated = await this.deps.client.update<ReplicaSet>(R.replicasets, this.ns, copy);
        this.replace(updated);
        return updated;
      }
      await this.setRevision(copy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getDeploymentCondition(d.status, CONDITION_PROGRESSING)) {
        const s = { ...d.status };
        setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'True', REASON_FOUND_NEW_REPLICA_SET, `Found new replica set "${copy.metadata.name}"`, this.deps.now()));
        await this.writeStatus(s);
      }
      return existing;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async createNewReplicaSet(oldRSs: readonly Readonly<ReplicaSet>[], newRevision: number): Promise<Readonly<ReplicaSet>> {
    const d = this.d;
    // A Deployment without a template hashes as before: the hash drops empty objects, so
    // `{ metadata: {} }` and `{}` give the same pod-template-hash.
    const template: PodTemplateSpec = clone(d.spec?.template ?? { metadata: {} });
    const hash = computeHash(template, d.status?.collisionCount);
    const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = clone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: this.ns,
        ownerReferences: [newControllerRef(d, DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND)],
        labels: { ...labels },
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds) rs.spec!.minReadySeconds = d.spec.minReadySeconds;
    const count = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = count;
    const replicas = deploymentReplicas(d);
    setNewReplicaSetAnnotations(d, rs, newRevision, false, replicas, replicas + maxSurge(d));

    let created: Readonly<ReplicaSet>;
    let alreadyExists = false;
    try {
      created = await this.deps.client.create<ReplicaSet>(R.replicasets, this.ns, rs);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const found = await this.deps.client.get<ReplicaSet>(R.replicasets, this.ns, rs.metadata.name ?? '');
        if (!(isControlledBy(found, d) && templatesEqualIgnoringHash(d.spec?.template, found.spec?.template))) {
          // A hash collision: another template produced this name. Salt the hash and retry.
          await this.writeStatus({ ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw err;
        }
        created = found;
        alreadyExists = true;
      } else {
        if (hasStatusCause(err, 'NamespaceTerminating')) throw err;
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          const s = { ...d.status };
          setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'False', REASON_REPLICA_SET_CREATE_ERROR, msg, this.deps.now()));
          await this.writeStatus(s).catch(() => undefined);
        }
        this.deps.recorder.event(d, 'Warning', REASON_REPLICA_SET_CREATE_ERROR, msg);
        throw err;
      }
    }
    this.replace(created);
    if (!alreadyExists && count > 0) {
      this.deps.recorder.event(d, 'Normal', REASON_SCALING_REPLICA_SET, `Scaled up replica set ${created.metadata.name} from 0 to ${count}`);
    }
    await this.setRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      const s = { ...d.status };
      setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'True', REASON_NEW_REPLICA_SET_CREATED, `Created new replica set "${created.metadata.name}"`, this.deps.now()));
      await this.writeStatus(s);
    }
    return created;
  }

  // ---- scaling ----

  /** Scales `rs` to `to` (a no-op when already there), with a ScalingReplicaSet event. */
  private async scaleAndRecord(rs: Readonly<ReplicaSet>, to: number): Promise<boolean> {
    const cur = this.latest(rs);
    if (specReplicas(cur) === to) return false;
    return this.scaleReplicaSet(cur, to, specReplicas(cur) < to ? 'up' : 'down');
  }

  /** Writes the size and the replica annotations when either differs; true when the size changed. */
  private async scaleReplicaSet(rs: Readonly<ReplicaSet>, to: number, operation: string): Promise<boolean> {
    const replicas = deploymentReplicas(this.d);
    const copy = clone(rs) as ReplicaSet;
    const from = specReplicas(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicas, replicas + maxSurge(this.d));
    if (from === to && !annotationsChanged) return false;
    copy.spec = { ...copy.spec, replicas: to };
    const updated = await this.deps.client.update<ReplicaSet>(R.replicasets, this.ns, copy);
    this.replace(updated);
    if (from === to) return false;
    this.deps.recorder.event(this.d, 'Normal', REASON_SCALING_REPLICA_SET, `Scaled ${operation} replica set ${updated.metadata.name} from ${from} to ${to}`);
    return true;
  }

  private async scale(newRS: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[]): Promise<void> {
    const { steps, operation } = planScale(this.d, newRS, oldRSs);
    for (const step of steps) {
      const cur = this.latest(step.rs);
      const op = operation || (specReplicas(cur) < step.to ? 'up' : 'down');
      await this.scaleReplicaSet(cur, step.to, op);
    }
  }

  private async reconcileNewReplicaSet(newRS: Readonly<ReplicaSet>): Promise<boolean> {
    const cur = this.current(newRS);
    const replicas = deploymentReplicas(this.d);
    const size = specReplicas(cur.newRS!);
    if (size === replicas) return false;
    const to = size > replicas ? replicas : newRSNewReplicas(this.d, cur.all, cur.newRS!);
    return this.scaleAndRecord(cur.newRS!, to);
  }

  /** Recreate waits while any pod of an old ReplicaSet is not terminal (being deleted counts). */
  private oldPodsRunning(newRS: Readonly<ReplicaSet> | undefined): boolean {
    if (sumStatusReplicas(this.olds(newRS)) > 0) return true;
    for (const [uid, pods] of this.podsByRS) {
      if (newRS && uid === newRS.metadata.uid) continue;
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  /** Deletes old ReplicaSets with no replicas beyond revisionHistoryLimit. */
  private async cleanupHistory(oldRSs: readonly Readonly<ReplicaSet>[]): Promise<void> {
    for (const rs of historyToDelete(this.d, oldRSs)) {
      try {
        await this.deps.client.delete(R.replicasets, this.ns, rs.metadata.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.rsList = this.rsList.filter((x) => x.metadata.uid !== rs.metadata.uid);
    }
  }

  // ---- Deployment writes ----

  private async syncRolloutStatus(newRS: Readonly<ReplicaSet> | undefined): Promise<void> {
    const cur = this.current(newRS);
    const now = this.deps.now();
    const next = rolloutStatus(this.d, cur.all, cur.newRS, now);
    if (deepEqual(this.d.status ?? {}, next)) {
      const after = stuckRequeueAfter(this.d, next, now);
      if (after !== undefined) this.deps.requeueAfter(after);
      return;
    }
    await this.writeStatus(next);
  }

  /** Writes status through /status when it differs; keeps our copy's resourceVersion current. */
  private async writeStatus(status: DeploymentStatus): Promise<void> {
    if (deepEqual(this.d.status ?? {}, status)) return;
    const copy = clone(this.d);
    copy.status = status;
    const updated = await this.deps.client.updateStatus<Deployment>(R.deployments, this.ns, copy);
    this.d.status = status;
    this.d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }

  /**
   * Sets the Deployment's revision annotation. Upstream writes it along with status (its
   * status strategy keeps annotations); ours only takes status through /status, so this is
   * a merge patch of metadata, which does not change the generation.
   */
  private async setRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    const patch = { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } };
    const updated = await this.deps.client.patch<Deployment>(R.deployments, this.ns, this.d.metadata.name ?? '', 'merge', patch);
    this.d.metadata.annotations = { ...this.d.metadata.annotations, [REVISION_ANNOTATION]: revision };
    this.d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }
}

function hasStatusCause(err: unknown, reason: string): boolean {
  return isStatusError(err) && !!err.status.details?.causes?.some((c) => c.reason === reason);
}
