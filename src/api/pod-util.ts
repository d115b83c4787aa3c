// Pod and condition facts that controllers share (upstream's podutil): readiness,
// availability with minReadySeconds, terminal phases, controller owner references.
import type { KObject, OwnerReference } from './types/index.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | null;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
  lastHeartbeatTime?: string;
  observedGeneration?: number;
}

export function conditionsOf(obj: Readonly<KObject>): Condition[] {
  const c = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  return Array.isArray(c) ? c : [];
}

export function getCondition(obj: Readonly<KObject>, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

export function podPhase(pod: Readonly<KObject>): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? '';
}

export function isPodTerminal(pod: Readonly<KObject>): boolean {
  const p = podPhase(pod);
  return p === 'Succeeded' || p === 'Failed';
}

/** Ready condition True. */
export function isPodReady(pod: Readonly<KObject>): boolean {
  return getCondition(pod, 'Ready')?.status === 'True';
}

/** Pods a controller counts as existing: not terminal and not being deleted. */
export function isPodActive(pod: Readonly<KObject>): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/**
 * Ready for at least minReadySeconds (upstream IsPodAvailable): the Ready condition's
 * lastTransitionTime is at least minReadySeconds before `now`.
 */
export function isPodAvailable(pod: Readonly<KObject>, minReadySeconds: number, now: number): boolean {
  const ready = getCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(t) && t + minReadySeconds * 1000 <= now;
}

/** When an available-but-not-yet pod becomes available (ms), for requeueing; undefined if not ready. */
export function podAvailableAt(pod: Readonly<KObject>, minReadySeconds: number): number | undefined {
  const ready = getCondition(pod, 'Ready');
  if (ready?.status !== 'True' || !ready.lastTransitionTime) return undefined;
  return Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000;
}

/** The ownerReference with controller: true, if any. */
export function controllerRef(obj: Readonly<KObject>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: Readonly<KObject>, owner: Readonly<KObject>): boolean {
  const ref = controllerRef(obj);
  return !!ref && ref.uid === owner.metadata.uid;
}

/** A controller ownerReference pointing at `owner`. */
export function newControllerRef(owner: Readonly<KObject>, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Sets or replaces a condition; keeps lastTransitionTime when the status did not change. Returns the new list. */
export function setCondition(list: readonly Condition[] | undefined, next: Condition, now: string): Condition[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? out[i] : undefined;
  const merged: Condition = { ...next };
  if ('lastTransitionTime' in next || prev) merged.lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now;
  else merged.lastTransitionTime = now;
  if (i >= 0) out[i] = merged;
  else out.push(merged);
  return out;
}
