// What one StatefulSet sync should do, as a pure function of the set and its pods
// (upstream defaultStatefulSetControl.updateStatefulSet). The rules:
//
//   1. Ordinals [start, start+replicas) are "replicas"; owned pods beyond are "condemned".
//   2. Replicas, in ascending order: delete failed/succeeded pods (recreated next sync),
//      create missing ones, fix broken identities. With OrderedReady ("monotonic") the walk
//      stops at the first create, or at the first pod not yet Running+Ready(+available).
//   3. Condemned, in descending order: delete. Monotonic: one at a time, and only when all
//      other pods are healthy (or the target is itself the first unhealthy pod).
//   4. RollingUpdate: from the highest ordinal down to the partition, delete the first pod
//      not at the update revision; stop at any unhealthy pod. OnDelete: nothing.
import type { KObject, StatefulSet, StatefulSetStatus } from '../../api/types/index.js';
import { dropZero } from '../history/index.js';
import {
  identityMatches, isCreated, isFailed, isHealthy, isRunningAndAvailable, isRunningAndReady, isSucceeded, isTerminating,
  ordinalOf, podRevision, replicasOf, specOf, startOrdinal, storageMatches,
} from './identity.js';

export type DeleteReason = 'failed' | 'succeeded' | 'condemned' | 'update';

export type StatefulSetAction =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; pod: Readonly<KObject>; reason: DeleteReason }
  | { type: 'fixIdentity'; pod: Readonly<KObject> };

export interface PlanInput {
  set: Readonly<StatefulSet>;
  /** Pods controlled by the set. */
  pods: readonly Readonly<KObject>[];
  updateRevision: string;
  now: number;
}

export interface SplitPods {
  /** Index i holds the pod with ordinal start+i, if any. */
  replicas: (Readonly<KObject> | undefined)[];
  /** Owned pods with ordinals out of range, ascending by ordinal. */
  condemned: Readonly<KObject>[];
}

export function splitPods(set: Readonly<StatefulSet>, pods: readonly Readonly<KObject>[]): SplitPods {
  const start = startOrdinal(set);
  const n = replicasOf(set);
  const replicas: (Readonly<KObject> | undefined)[] = new Array(n).fill(undefined);
  const condemned: Readonly<KObject>[] = [];
  for (const p of pods) {
    const ord = ordinalOf(set, p);
    if (ord < 0) continue;
    if (ord >= start && ord < start + n) replicas[ord - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(set, a) - ordinalOf(set, b));
  return { replicas, condemned };
}

const isMonotonic = (set: Readonly<StatefulSet>): boolean => (specOf(set).podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
const partitionOf = (set: Readonly<StatefulSet>): number => specOf(set).updateStrategy?.rollingUpdate?.partition ?? 0;
const isRollingUpdate = (set: Readonly<StatefulSet>): boolean => (specOf(set).updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** Which revision a newly created pod at `ordinal` gets: below the partition it stays at the current one. */
export function revisionForOrdinal(set: Readonly<StatefulSet>, ordinal: number): 'current' | 'update' {
  return isRollingUpdate(set) && ordinal < startOrdinal(set) + partitionOf(set) ? 'current' : 'update';
}

export function planStatefulSet(input: PlanInput): StatefulSetAction[] {
  const { set, now } = input;
  if (set.metadata.deletionTimestamp) return [];
  const monotonic = isMonotonic(set);
  const minReady = specOf(set).minReadySeconds ?? 0;
  const start = startOrdinal(set);
  const { replicas, condemned } = splitPods(set, input.pods);
  const actions: StatefulSetAction[] = [];

  // A missing replica counts as unhealthy too: it is the first unhealthy "pod" then.
  let firstUnhealthy: Readonly<KObject> | 'missing' | undefined;
  for (const p of replicas) if (!p || !isHealthy(p)) { firstUnhealthy ??= p ?? 'missing'; }
  for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i]!)) firstUnhealthy ??= condemned[i];

  for (let i = 0; i < replicas.length; i++) {
    const pod = replicas[i];
    const ordinal = start + i;
    if (pod && (isFailed(pod) || isSucceeded(pod))) {
      if (!isTerminating(pod)) actions.push({ type: 'delete', pod, reason: isFailed(pod) ? 'failed' : 'succeeded' });
      if (monotonic) return actions;
      continue;
    }
    if (!pod || !isCreated(pod)) {
      if (!pod) actions.push({ type: 'create', ordinal, revision: revisionForOrdinal(set, ordinal) });
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return actions;
    if (!isTerminating(pod) && (!identityMatches(set, pod) || !storageMatches(set, pod))) actions.push({ type: 'fixIdentity', pod });
  }

  for (let t = condemned.length - 1; t >= 0; t--) {
    const pod = condemned[t]!;
    if (isTerminating(pod)) {
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return actions;
    actions.push({ type: 'delete', pod, reason: 'condemned' });
    if (monotonic) return actions;
  }

  if (!isRollingUpdate(set)) return actions;
  // Nothing of the rolling update happens in a sync that already created pods.
  if (actions.some((a) => a.type === 'create')) return actions;
  for (let t = replicas.length - 1; t >= partitionOf(set); t--) {
    const pod = replicas[t];
    if (!pod) return actions;
    if (podRevision(pod) !== input.updateRevision && !isTerminating(pod)) {
      actions.push({ type: 'delete', pod, reason: 'update' });
      return actions;
    }
    if (!isHealthy(pod)) return actions;
  }
  return actions;
}

/**
 * Status from the observed pods (upstream updateStatus + completeRollingUpdate): counts
 * over replicas and condemned pods alike; a finished rolling update makes the update
 * revision current.
 */
export function computeStatus(
  set: Readonly<StatefulSet>, pods: readonly Readonly<KObject>[], currentRevision: string, updateRevision: string,
  collisionCount: number, now: number,
): StatefulSetStatus {
  const minReady = specOf(set).minReadySeconds ?? 0;
  const s: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0,
    currentRevision, updateRevision, collisionCount,
  };
  for (const p of pods) {
    if (ordinalOf(set, p) < 0) continue;
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas!++;
      if (isRunningAndAvailable(p, minReady, now)) s.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const rev = podRevision(p);
      if (rev === currentRevision) s.currentReplicas!++;
      if (rev === updateRevision) s.updatedReplicas!++;
    }
  }
  if (isRollingUpdate(set) && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = updateRevision;
  }
  if (set.status?.conditions) s.conditions = set.status.conditions;
  return dropZero(s, ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'observedGeneration']);
}
