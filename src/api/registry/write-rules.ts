// The generic store's pure rules (upstream's k8s.io/apiserver registry/rest BeforeUpdate and
// BeforeDelete): when a write bumps metadata.generation, how a DELETE proceeds (finalizers
// added by the propagation policy, graceful pod deletion), when a deleting object leaves
// storage, and what a pod binding changes. The API server's ResourceStore and strategies
// apply them, and so does the fake client of the unit tests (src/client/testing), so the
// two cannot drift apart.
import type { KObject, Pod, PodSpec } from '../types/index.js';
import { conflict, type GroupResource } from '../status.js';
import { deepEqual } from '../../util/json.js';
import { rfc3339 } from '../../util/time.js';

import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from '../well-known.js';

/** Finalizers a DELETE adds for its propagation policy; the garbage collector removes them. */
export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN };

/** What a DELETE does: remove the object now, or store `object` (deletionTimestamp set, finalizers). */
export type DeletePlan = { kind: 'remove' } | { kind: 'mark'; object: KObject };

/** The DeleteOptions fields the plan depends on. */
export interface DeletePlanOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

/** Anything outside metadata and status counts as spec for generation tracking. */
export function specChanged(a: Readonly<KObject>, b: Readonly<KObject>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

/**
 * Server-owned metadata of a new object (upstream's BeforeCreate): a fresh uid and
 * creationTimestamp, generation 1 for kinds that track it, and nothing a client may not set
 * (resourceVersion, deletion fields, selfLink). `obj.metadata.name` is already chosen.
 */
export function initServerMetadata(obj: KObject, o: { uid: string; now: Date | number; tracksGeneration: boolean }): void {
  const meta = obj.metadata;
  meta.uid = o.uid;
  meta.creationTimestamp = rfc3339(o.now);
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  if (o.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
}

/**
 * Server-owned metadata of an update is never taken from the client (upstream's
 * BeforeUpdate): name, namespace, uid, creationTimestamp, generation and the deletion
 * fields come from the stored object, as do apiVersion and kind.
 */
export function keepServerMetadata(next: KObject, old: Readonly<KObject>): void {
  const m = next.metadata;
  const o = old.metadata;
  m.name = o.name;
  if (o.namespace !== undefined) m.namespace = o.namespace;
  else delete m.namespace;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
  if (o.deletionTimestamp !== undefined) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generateName !== undefined && m.generateName === undefined) m.generateName = o.generateName;
  delete m.selfLink;
  next.apiVersion = old.apiVersion;
  next.kind = old.kind;
}

/** metadata.generation after an update: one more when a tracked kind's spec changed. */
export function nextGeneration(tracksGeneration: boolean, next: Readonly<KObject>, old: Readonly<KObject>): number | undefined {
  const g = old.metadata.generation;
  if (!tracksGeneration || !specChanged(next, old)) return g;
  return (g ?? 0) + 1;
}

/**
 * How a DELETE of `old` proceeds, given the kind's grace period for it (0: at once). The
 * policy adds its finalizer; an object that keeps finalizers or a grace period is marked
 * (deletionTimestamp, deletionGracePeriodSeconds) instead of removed. A second DELETE may
 * only shorten the grace period.
 */
export function planDelete(old: Readonly<KObject>, opts: DeletePlanOptions, grace: number, now: Date | number): DeletePlan {
  const finalizers = [...(old.metadata.finalizers ?? [])];
  const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
  const alreadyDeleting = !!old.metadata.deletionTimestamp;
  if (!alreadyDeleting || policy) {
    if (policy === 'Orphan' && !finalizers.includes(FINALIZER_ORPHAN)) finalizers.push(FINALIZER_ORPHAN);
    if (policy === 'Foreground' && !finalizers.includes(FINALIZER_FOREGROUND)) finalizers.push(FINALIZER_FOREGROUND);
    if (policy === 'Background' || policy === 'Foreground') {
      const i = finalizers.indexOf(FINALIZER_ORPHAN);
      if (i >= 0 && policy === 'Background') finalizers.splice(i, 1);
    }
  }
  if (finalizers.length === 0 && grace === 0) return { kind: 'remove' };
  const next = structuredClone(old) as KObject;
  if (finalizers.length) next.metadata.finalizers = finalizers;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (grace > 0) {
    const prevGrace = old.metadata.deletionGracePeriodSeconds;
    if (prevGrace === undefined || grace < prevGrace) {
      next.metadata.deletionTimestamp = rfc3339(nowMs + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
    }
  } else {
    next.metadata.deletionTimestamp ??= rfc3339(nowMs);
    next.metadata.deletionGracePeriodSeconds = 0;
    // A graceful deletion forced to 0 with no finalizers left: remove now.
    if (finalizers.length === 0) return { kind: 'remove' };
  }
  return { kind: 'mark', object: next };
}

/** A deleting object is removed from storage once nothing holds it any more. */
export function readyToRemove(obj: Readonly<KObject>): boolean {
  return !!obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}

/**
 * A pod's grace period for a DELETE: graceful once bound to a node and not terminal (the
 * kubelet finishes it with a zero grace period), else 0.
 */
export function podGracePeriod(pod: Readonly<Pod>, opts: DeletePlanOptions): number {
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const phase = pod.status?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = opts.gracePeriodSeconds ?? pod.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, g);
}

/**
 * pods/binding on a private copy of the pod: sets spec.nodeName and the PodScheduled
 * condition. A pod already bound or being deleted is a 409.
 */
export function bindPod(pod: Pod, nodeName: string, now: Date | number, gr: GroupResource = { group: '', resource: 'pods' }): Pod {
  const name = pod.metadata.name ?? '';
  const spec = pod.spec ?? (pod.spec = { containers: [] });
  if (spec.nodeName) throw conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  if (pod.metadata.deletionTimestamp) throw conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  spec.nodeName = nodeName;
  const status = pod.status ?? (pod.status = {});
  const conds = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now) });
  status.conditions = conds;
  return pod;
}
