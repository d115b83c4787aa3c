// The objects the binder writes, computed from cached ones. Each function returns a new
// object to write, or undefined when the cached one is already as wanted (no write).
// Cached objects are never modified.
import { clone, deepEqual } from '../../util/json.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, type ClaimPhase, type VolumePhase } from './types.js';
import { isVolumeBoundToClaim } from './matching.js';
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim } from '../../api/types/index.js';

/** The claimRef a bound volume carries (reference.GetReference of the claim). */
export function claimRefFor(claim: Readonly<PersistentVolumeClaim>): ObjectReference {
  const ref: ObjectReference = {
    kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name,
    uid: claim.metadata.uid, apiVersion: 'v1',
  };
  if (claim.metadata.resourceVersion) ref.resourceVersion = claim.metadata.resourceVersion;
  return ref;
}

function withAnnotation<T extends PersistentVolume | PersistentVolumeClaim>(obj: T, key: string, value: string): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [key]: value };
}

/**
 * The volume's half of a binding: claimRef naming this claim (with its uid), and
 * bound-by-controller when the binder, not the user or a provisioner, chose the pair.
 */
export function volumeBoundTo(pv: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): PersistentVolume | undefined {
  const next = clone(pv) as PersistentVolume;
  let dirty = false;
  const ref = pv.spec?.claimRef;
  const chosenByUs = !isVolumeBoundToClaim(pv, claim);
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
    next.spec = { ...(next.spec ?? {}), claimRef: claimRefFor(claim) };
    dirty = true;
  }
  if (chosenByUs && pv.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) {
    withAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  return dirty ? next : undefined;
}

/** The claim's half: volumeName, bound-by-controller when we set volumeName, bind-completed. */
export function claimBoundTo(claim: Readonly<PersistentVolumeClaim>, pv: Readonly<PersistentVolume>): PersistentVolumeClaim | undefined {
  const next = clone(claim) as PersistentVolumeClaim;
  let dirty = false;
  const name = pv.metadata.name ?? '';
  if (claim.spec?.volumeName !== name) {
    next.spec = { ...(next.spec ?? {}), volumeName: name };
    if (claim.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) withAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) {
    withAnnotation(next, ANN_BIND_COMPLETED, 'yes');
    dirty = true;
  }
  return dirty ? next : undefined;
}

/**
 * Undoes a binding of the volume: a claimRef the binder set is removed (with its
 * annotation); one the user set stays, minus the uid, so the volume waits for that claim.
 */
export function volumeUnbound(pv: Readonly<PersistentVolume>): PersistentVolume {
  const next = clone(pv) as PersistentVolume;
  const spec = next.spec ?? (next.spec = {});
  if (pv.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) {
    delete spec.claimRef;
    const ann = { ...(next.metadata.annotations ?? {}) };
    delete ann[ANN_BOUND_BY_CONTROLLER];
    if (Object.keys(ann).length === 0) delete next.metadata.annotations;
    else next.metadata.annotations = ann;
  } else if (spec.claimRef) {
    spec.claimRef = { ...spec.claimRef };
    delete spec.claimRef.uid;
  }
  return next;
}

/** Status with a new phase (and message); lastPhaseTransitionTime moves only when the phase does. */
export function volumeWithPhase(pv: Readonly<PersistentVolume>, phase: VolumePhase, message: string, now: string): PersistentVolume | undefined {
  const cur = pv.status ?? {};
  if (cur.phase === phase && (cur.message ?? '') === message) return undefined;
  const next = clone(pv) as PersistentVolume;
  const status = { ...(next.status ?? {}), phase };
  if (message) status.message = message;
  else delete status.message;
  if (cur.phase !== phase) status.lastPhaseTransitionTime = now;
  next.status = status;
  return next;
}

/**
 * Claim status for `phase`. Bound copies accessModes and capacity from the volume; the
 * other phases drop them (upstream clears them when a claim is not Bound).
 */
export function claimWithStatus(claim: Readonly<PersistentVolumeClaim>, phase: ClaimPhase, pv?: Readonly<PersistentVolume>): PersistentVolumeClaim | undefined {
  const cur = claim.status ?? {};
  const status = { ...cur, phase };
  if (pv && phase === 'Bound') {
    if (pv.spec?.accessModes) status.accessModes = [...pv.spec.accessModes];
    if (pv.spec?.capacity) status.capacity = { ...pv.spec.capacity };
  } else if (phase !== 'Bound') {
    delete status.accessModes;
    delete status.capacity;
  }
  if (deepEqual(status, cur)) return undefined;
  return { ...(clone(claim) as PersistentVolumeClaim), status };
}
