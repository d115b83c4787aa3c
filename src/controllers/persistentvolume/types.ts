// The shapes, annotations and event reasons of PersistentVolumes, PersistentVolumeClaims and
// StorageClasses, as far as the binder and the provisioners read or write them. Annotation
// keys and event reasons are the upstream ones: clients (kubectl describe) show them.
import type { KObject, PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/index.js';
export { LABEL_HOSTNAME } from '../../api/well-known.js';

// ---- annotations -------------------------------------------------------------------------

/** On a claim: the binder finished binding it (both halves written). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: the binder (not the user) set volumeName / claimRef. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a volume: the provisioner that created it (it also deletes it). */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the node chosen for a WaitForFirstConsumer claim (upstream: by the scheduler). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a claim: the external provisioner asked to provision it. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a claim (deprecated): its class, taking precedence over spec.storageClassName. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** On a StorageClass: "true" makes it the default class. */

/** The provisioner name of classes whose volumes are created by hand (local volumes). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
/** Node label a local volume's nodeAffinity names. */

// ---- event reasons -----------------------------------------------------------------------

export const REASON_FAILED_BINDING = 'FailedBinding';
export const REASON_EXTERNAL_PROVISIONING = 'ExternalProvisioning';
export const REASON_PROVISIONING = 'Provisioning';
export const REASON_PROVISIONING_SUCCEEDED = 'ProvisioningSucceeded';
export const REASON_PROVISIONING_FAILED = 'ProvisioningFailed';
export const REASON_CLAIM_LOST = 'ClaimLost';
export const REASON_CLAIM_MISBOUND = 'ClaimMisbound';
export const REASON_VOLUME_FAILED_DELETE = 'VolumeFailedDelete';
export const REASON_VOLUME_FAILED_RECYCLE = 'VolumeFailedRecycle';

// ---- value sets ------------------------------------------------------------------------

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';

// ---- small accessors ---------------------------------------------------------------------

export function annotation(obj: Readonly<KObject>, key: string): string | undefined {
  return obj.metadata.annotations?.[key];
}

export function hasAnnotation(obj: Readonly<KObject>, key: string): boolean {
  return annotation(obj, key) !== undefined;
}

/** `namespace/name` of a claim, the key of the binder's claim queue. */
export function claimKeyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

/** The class a volume belongs to ("" for none); the beta annotation is not read for volumes any more upstream either. */
export function volumeClassName(pv: Readonly<PersistentVolume>): string {
  return pv.spec?.storageClassName ?? '';
}

/** The provisioner the binder asked to provision this claim, if any. */
export function claimProvisioner(claim: Readonly<PersistentVolumeClaim>): string | undefined {
  return annotation(claim, ANN_STORAGE_PROVISIONER) ?? annotation(claim, ANN_BETA_STORAGE_PROVISIONER);
}

/** Names of the claims a pod mounts, including generic ephemeral volumes (`<pod>-<volume>`). */
export function podClaimNames(pod: Readonly<Pod>): string[] {
  const volumes = pod.spec?.volumes ?? [];
  if (!Array.isArray(volumes)) return [];
  const out: string[] = [];
  for (const v of volumes) {
    if (v?.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v?.ephemeral && v.name) out.push(`${pod.metadata.name ?? ''}-${v.name}`);
  }
  return out;
}
