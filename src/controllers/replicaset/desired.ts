// Pure desired-state computations of the ReplicaSet controller: the pod a ReplicaSet
// creates, the status it reports, and when to look again for pods becoming available.
import type { KObject, Pod, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetStatus } from '../../api/types/index.js';
import type { Condition } from '../../api/pod-util.js';
import { getCondition, isPodAvailable, isPodReady, newControllerRef, podAvailableAt } from '../../api/pod-util.js';
import { labelSelectorFromSet, matchesLabels } from '../../api/selectors/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { rfc3339 } from '../../util/time.js';
import { REPLICASET_API_VERSION, REPLICASET_KIND, specReplicas } from './types.js';

/** Most pods created or deleted by one reconcile (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;
/** First slow-start batch; each next batch doubles (upstream SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

// Event reasons (upstream controller_utils.go) and the condition type.
export const REASON_SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const REASON_FAILED_CREATE = 'FailedCreate';
export const REASON_SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const REASON_FAILED_DELETE = 'FailedDelete';
export const CONDITION_REPLICA_FAILURE = 'ReplicaFailure';

/**
 * The pod `rs` creates: `generateName: <rs>-`, the template's labels, annotations,
 * finalizers and spec, and a controller ownerReference (blockOwnerDeletion).
 */
export function podFromTemplate(rs: Readonly<ReplicaSet>): Pod {
  const tmpl: Partial<PodTemplateSpec> = rs.spec?.template ?? {};
  const meta: Pod['metadata'] = {
    generateName: `${rs.metadata.name}-`,
    namespace: rs.metadata.namespace,
    ownerReferences: [newControllerRef(rs, REPLICASET_API_VERSION, REPLICASET_KIND)],
  };
  if (tmpl.metadata?.labels) meta.labels = { ...tmpl.metadata.labels };
  if (tmpl.metadata?.annotations) meta.annotations = { ...tmpl.metadata.annotations };
  if (tmpl.metadata?.finalizers?.length) meta.finalizers = [...tmpl.metadata.finalizers];
  // A template without a spec gives `spec: {}` as before: the API server, not this
  // controller, rejects the pod for its missing containers.
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: clone(tmpl.spec ?? ({} as PodSpec)) };
}

/**
 * The status `rs` reports for its active, claimed `pods` (upstream
 * calculateReplicaSetStatus). A failed create/delete sets ReplicaFailure; a clean
 * reconcile removes it. observedGeneration is left as it was (set when writing).
 */
export function calculateStatus(rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[], manageError: Error | undefined, now: number): ReplicaSetStatus {
  const templateSelector = labelSelectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (matchesLabels(templateSelector, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions = rs.status?.conditions ? rs.status.conditions.map((c) => ({ ...c })) : undefined;
  const failure = getCondition(rs, CONDITION_REPLICA_FAILURE);
  if (manageError && !failure) {
    const diff = pods.length - specReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: Condition = { type: CONDITION_REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message: manageError.message };
    if (!reason) delete cond.reason;
    conditions = [...(conditions ?? []).filter((c) => c.type !== CONDITION_REPLICA_FAILURE), cond];
  } else if (!manageError && failure) {
    conditions = conditions?.filter((c) => c.type !== CONDITION_REPLICA_FAILURE);
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.status?.observedGeneration) status.observedGeneration = rs.status.observedGeneration;
  if (conditions?.length) status.conditions = conditions;
  return status;
}

/**
 * The status to write, or undefined when the stored one already says the same thing and
 * the generation has been observed (upstream updateReplicaSetStatus's short-cut).
 */
export function statusToWrite(rs: Readonly<ReplicaSet>, next: ReplicaSetStatus): ReplicaSetStatus | undefined {
  const cur = rs.status;
  const generation = rs.metadata.generation ?? 0;
  const same = (cur?.replicas ?? 0) === next.replicas
    && (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0)
    && (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0)
    && (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0)
    && (cur?.observedGeneration ?? 0) === generation
    && deepEqual(cur?.conditions ?? [], next.conditions ?? []);
  if (same) return undefined;
  const out: ReplicaSetStatus = { ...next };
  if (generation) out.observedGeneration = generation;
  else delete out.observedGeneration;
  return out;
}

/**
 * Milliseconds until the next of `pods` that is ready but not yet available (minReadySeconds)
 * becomes available; undefined when none is waiting.
 */
export function nextAvailabilityCheck(rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[], now: number): number | undefined {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (!minReady) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const at = podAvailableAt(pod, minReady);
    if (at === undefined || at <= now) continue;
    next = next === undefined ? at : Math.min(next, at);
  }
  return next === undefined ? undefined : next - now;
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (each batch concurrently), stopping
 * after the first batch with a failure, so a systematic error (quota, admission) costs one
 * call instead of hundreds. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: Error }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failures.length;
    if (failures.length) {
      const e = failures[0].reason;
      return { successes, error: e instanceof Error ? e : new Error(String(e)) };
    }
    remaining -= size;
  }
  return { successes };
}

/** The uid precondition + controller ownerReference patch that adopts an orphan (strategic merge). */
export function adoptPatch(owner: Readonly<KObject>, apiVersion: string, kind: string, obj: Readonly<KObject>): unknown {
  return { metadata: { ownerReferences: [newControllerRef(owner, apiVersion, kind)], uid: obj.metadata.uid } };
}

/** The patch that removes `owner`'s ownerReference from `obj` (strategic merge `$patch: delete`). */
export function releasePatch(owner: Readonly<KObject>, obj: Readonly<KObject>): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: owner.metadata.uid }], uid: obj.metadata.uid } };
}
