// Annotations the Deployment controller keeps on ReplicaSets and on the Deployment
// (upstream deployment/util): revision numbers, revision history, the replica counts a
// ReplicaSet was sized for, and the Deployment's own annotations copied onto its new
// ReplicaSet (change-cause among them) so `rollout history` can show them.
//
// Functions named set* change the (already copied) object they are given and report
// whether they changed anything.
import type { Deployment, ReplicaSet } from '../../api/types/index.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** Longest revision-history annotation kept (upstream maxRevHistoryLengthInChars). */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations never copied to ReplicaSets. */
const SKIP_COPY = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

function parseIntStrict(v: string | undefined): number | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The ReplicaSet's revision; 0 when absent or unparsable. */
export function revisionOf(rs: Readonly<ReplicaSet>): number {
  return parseIntStrict(rs.metadata.annotations?.[REVISION_ANNOTATION]) ?? 0;
}

export function maxRevision(rss: readonly Readonly<ReplicaSet>[]): number {
  let max = 0;
  for (const rs of rss) max = Math.max(max, revisionOf(rs));
  return max;
}

export function desiredReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return parseIntStrict(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
}

export function maxReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return parseIntStrict(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION]);
}

export function replicasAnnotationsNeedUpdate(rs: Readonly<ReplicaSet>, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return a?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a?.[MAX_REPLICAS_ANNOTATION] !== String(max);
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs.metadata.annotations = { ...rs.metadata.annotations, [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
  return true;
}

/** Copies the Deployment's annotations (minus the skip list) onto the ReplicaSet; never removes any. */
export function copyDeploymentAnnotations(d: Readonly<Deployment>, rs: ReplicaSet): boolean {
  let changed = false;
  const out = { ...rs.metadata.annotations };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIP_COPY.has(k) || out[k] === v) continue;
    out[k] = v;
    changed = true;
  }
  if (changed) rs.metadata.annotations = out;
  return changed;
}

/**
 * Brings the new ReplicaSet's annotations up to date (upstream SetNewReplicaSetAnnotations):
 * the Deployment's annotations; the revision raised to `newRevision` when lower; on a
 * re-activated ReplicaSet (one that had a revision) the old revision appended to the
 * revision history (dropping the oldest entries past MAX_REVISION_HISTORY_CHARS); and, for a
 * ReplicaSet about to be created (`exists` false), the replica annotations.
 */
export function setNewReplicaSetAnnotations(d: Readonly<Deployment>, rs: ReplicaSet, newRevision: number, exists: boolean, desired: number, max: number): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const annotations = { ...rs.metadata.annotations };
  const oldRaw = annotations[REVISION_ANNOTATION];
  const hadRevision = oldRaw !== undefined;
  const old = oldRaw === undefined || oldRaw === '' ? 0 : parseIntStrict(oldRaw);
  if (old === undefined) return changed; // unparsable revision: leave the ReplicaSet alone
  if (old < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (hadRevision) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') annotations[REVISION_HISTORY_ANNOTATION] = oldRaw;
      else {
        const parts = history.split(',');
        let total = history.length + oldRaw.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < parts.length) {
          total -= parts[start].length + 1;
          start++;
        }
        if (total <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...parts.slice(start), oldRaw].join(',');
      }
    }
  }
  rs.metadata.annotations = annotations;
  if (!exists && setReplicasAnnotations(rs, desired, max)) changed = true;
  return changed;
}
