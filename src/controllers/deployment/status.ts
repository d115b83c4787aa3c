// Deployment status and conditions (upstream sync.go calculateStatus / syncRolloutStatus
// and deployment/util), as pure functions of the Deployment, its ReplicaSets and `now`.
import { rfc3339 } from '../../util/time.js';
import { CONDITION_REPLICA_FAILURE } from '../replicaset/index.js';
import { maxUnavailable, sumAvailableReplicas, sumReadyReplicas, sumSpecReplicas, sumStatusReplicas } from './rollout.js';
import { deploymentReplicas, hasProgressDeadline } from './types.js';
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '../../api/types/index.js';

// Condition types.
export const CONDITION_AVAILABLE = 'Available';
export const CONDITION_PROGRESSING = 'Progressing';
export const CONDITION_REPLICA_FAILURE_DEPLOYMENT = CONDITION_REPLICA_FAILURE;

// Condition reasons (upstream deployment/util), also used as event reasons where noted.
export const REASON_MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const REASON_MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
export const REASON_NEW_REPLICA_SET_CREATED = 'NewReplicaSetCreated';
export const REASON_FOUND_NEW_REPLICA_SET = 'FoundNewReplicaSet';
export const REASON_REPLICA_SET_UPDATED = 'ReplicaSetUpdated';
export const REASON_NEW_REPLICA_SET_AVAILABLE = 'NewReplicaSetAvailable';
export const REASON_PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';
export const REASON_DEPLOYMENT_PAUSED = 'DeploymentPaused';
export const REASON_DEPLOYMENT_RESUMED = 'DeploymentResumed';
/** Condition reason and Warning event reason. */
export const REASON_REPLICA_SET_CREATE_ERROR = 'ReplicaSetCreateError';

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now: number): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getDeploymentCondition(status: Readonly<DeploymentStatus> | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * upstream SetDeploymentCondition: no change when status and reason are the same; keeps
 * lastTransitionTime when only the reason changes; the condition moves to the end.
 */
export function setDeploymentCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getDeploymentCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeDeploymentCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** Drops zero counters and empty lists, as upstream's omitempty JSON does. */
export function compactStatus(s: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
    if (s[k]) out[k] = s[k];
  }
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.collisionCount) out.collisionCount = s.collisionCount;
  return out;
}

/** upstream calculateStatus: counters from the ReplicaSets, and the Available condition. */
export function calculateStatus(d: Readonly<Deployment>, allRSs: readonly Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet> | undefined, now: number): DeploymentStatus {
  const available = sumAvailableReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatusReplicas(allRSs),
    updatedReplicas: newRS ? newRS.status?.replicas ?? 0 : 0,
    readyReplicas: sumReadyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpecReplicas(allRSs) - available),
    collisionCount: d.status?.collisionCount,
  };
  if (d.status?.conditions) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newCondition(CONDITION_AVAILABLE, 'True', REASON_MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setDeploymentCondition(status, newCondition(CONDITION_AVAILABLE, 'False', REASON_MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return compactStatus(status);
}

/** Every pod updated and available, none old, and the spec observed. */
export function deploymentComplete(d: Readonly<Deployment>, s: Readonly<DeploymentStatus> | undefined): boolean {
  const replicas = deploymentReplicas(d);
  return (s?.updatedReplicas ?? 0) === replicas && (s?.replicas ?? 0) === replicas
    && (s?.availableReplicas ?? 0) === replicas && (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** More updated, ready or available pods, or fewer old ones, than the stored status says. */
export function deploymentProgressing(d: Readonly<Deployment>, s: Readonly<DeploymentStatus>): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** The Progressing condition was last updated more than progressDeadlineSeconds ago. */
export function deploymentTimedOut(d: Readonly<Deployment>, s: Readonly<DeploymentStatus>, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getDeploymentCondition(s, CONDITION_PROGRESSING);
  if (!c || c.reason === REASON_NEW_REPLICA_SET_AVAILABLE) return false;
  if (c.reason === REASON_PROGRESS_DEADLINE_EXCEEDED) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : NaN;
  return !Number.isNaN(from) && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/**
 * The status after a rollout step (upstream syncRolloutStatus): counters, Available, and —
 * with a progress deadline and an unfinished rollout — Progressing: NewReplicaSetAvailable
 * when complete, ReplicaSetUpdated on progress (lastTransitionTime kept), or
 * ProgressDeadlineExceeded when the deadline passed. ReplicaFailure mirrors the
 * ReplicaSets' (the new one's first).
 */
export function rolloutStatus(d: Readonly<Deployment>, allRSs: readonly Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet> | undefined, now: number): DeploymentStatus {
  const s = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeDeploymentCondition(s, CONDITION_PROGRESSING);
  const cur = getDeploymentCondition(d.status, CONDITION_PROGRESSING);
  const complete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && cur?.reason === REASON_NEW_REPLICA_SET_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, s)) {
      setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'True', REASON_NEW_REPLICA_SET_AVAILABLE, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const c = newCondition(CONDITION_PROGRESSING, 'True', REASON_REPLICA_SET_UPDATED, `${subject} is progressing.`, now);
      if (cur) {
        if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeDeploymentCondition(s, CONDITION_PROGRESSING);
      }
      setDeploymentCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'False', REASON_PROGRESS_DEADLINE_EXCEEDED, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setDeploymentCondition(s, failure);
  else removeDeploymentCondition(s, CONDITION_REPLICA_FAILURE_DEPLOYMENT);
  return s;
}

function replicaFailure(allRSs: readonly Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet> | undefined): DeploymentCondition | undefined {
  for (const rs of newRS ? [newRS, ...allRSs] : allRSs) {
    const c = rs.status?.conditions?.find((x) => x.type === CONDITION_REPLICA_FAILURE);
    if (c) {
      const out: DeploymentCondition = { type: CONDITION_REPLICA_FAILURE, status: c.status };
      if (c.lastTransitionTime) out.lastUpdateTime = out.lastTransitionTime = c.lastTransitionTime;
      if (c.reason) out.reason = c.reason;
      if (c.message) out.message = c.message;
      return out;
    }
  }
  return undefined;
}

/**
 * When to look again at a rollout that made no progress (upstream requeueStuckDeployment):
 * milliseconds until its Progressing condition passes the deadline (+1 s), 0 for "now",
 * undefined when there is nothing to wait for.
 */
export function stuckRequeueAfter(d: Readonly<Deployment>, next: Readonly<DeploymentStatus>, now: number): number | undefined {
  const cur = getDeploymentCondition(d.status, CONDITION_PROGRESSING);
  if (!hasProgressDeadline(d) || !cur) return undefined;
  if (deploymentComplete(d, next) || cur.reason === REASON_PROGRESS_DEADLINE_EXCEEDED) return undefined;
  const from = cur.lastUpdateTime ? Date.parse(cur.lastUpdateTime) : now;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  return after < 1000 ? 0 : after + 1000;
}

/**
 * upstream checkPausedConditions: Progressing Unknown DeploymentPaused when paused,
 * DeploymentResumed when resumed; nothing once timed out. Returns the new status, or
 * undefined when unchanged.
 */
export function pausedConditionStatus(d: Readonly<Deployment>, now: number): DeploymentStatus | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const cur = getDeploymentCondition(d.status, CONDITION_PROGRESSING);
  if (cur?.reason === REASON_PROGRESS_DEADLINE_EXCEEDED) return undefined;
  const pausedCond = cur?.reason === REASON_DEPLOYMENT_PAUSED;
  const s: DeploymentStatus = { ...d.status, conditions: d.status?.conditions?.map((c) => ({ ...c })) };
  if (d.spec?.paused && !pausedCond) {
    setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'Unknown', REASON_DEPLOYMENT_PAUSED, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedCond) {
    setDeploymentCondition(s, newCondition(CONDITION_PROGRESSING, 'Unknown', REASON_DEPLOYMENT_RESUMED, 'Deployment is resumed', now));
  } else return undefined;
  return compactStatus(s);
}
