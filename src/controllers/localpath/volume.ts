// The PersistentVolume the local-path provisioner creates for a claim, and how it finds
// the directory and node of one it is asked to delete. Pure functions.
import { basename, dirname, join, resolve } from 'node:path';
import { ANN_DYNAMICALLY_PROVISIONED, LABEL_HOSTNAME, claimRefFor } from '../persistentvolume/index.js';
import { PROVISIONER_NAME } from './storage-class.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/types/index.js';

/** Provisioned volumes are named after the claim's uid, as every external provisioner does. */
export function volumeNameFor(claim: Readonly<PersistentVolumeClaim>): string {
  return `pvc-${claim.metadata.uid ?? ''}`;
}

/** `<root>/<pv-name>_<namespace>_<claim-name>`, upstream's directory layout. */
export function volumePathFor(storageRoot: string, pvName: string, claim: Readonly<PersistentVolumeClaim>): string {
  return join(storageRoot, `${pvName}_${claim.metadata.namespace ?? ''}_${claim.metadata.name ?? ''}`);
}

/** Why this provisioner cannot serve the claim, or undefined. Retrying cannot help (the spec is immutable). */
export function unsupportedClaimProblem(claim: Readonly<PersistentVolumeClaim>): string | undefined {
  const spec = claim.spec ?? {};
  if (spec.selector) return 'claim.Spec.Selector is not supported';
  if ((spec.accessModes ?? []).some((m) => m !== 'ReadWriteOnce' && m !== 'ReadWriteOncePod')) {
    return 'NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes';
  }
  if (spec.volumeMode === 'Block') return 'volumeMode Block is not supported, only Filesystem';
  if (!spec.resources?.requests?.storage) return 'claim.Spec.Resources.Requests[storage] is not set';
  return undefined;
}

export interface LocalPathVolumeInput {
  claim: Readonly<PersistentVolumeClaim>;
  storageClass: Readonly<StorageClass>;
  pvName: string;
  path: string;
  /** The node's kubernetes.io/hostname label (its name when unlabelled). */
  hostname: string;
}

/**
 * A hostPath volume pinned to the node by required nodeAffinity, pre-bound to the claim
 * (claimRef with uid) so that the binder completes the binding, and marked as ours so
 * that we delete it once it is Released.
 */
export function localPathVolume(input: LocalPathVolumeInput): PersistentVolume {
  const { claim, storageClass, pvName, path, hostname } = input;
  const storage = claim.spec?.resources?.requests?.storage;
  const spec: NonNullable<PersistentVolume['spec']> = {
    accessModes: [...(claim.spec?.accessModes ?? [])],
    capacity: storage === undefined ? {} : { storage },
    claimRef: claimRefFor(claim),
    hostPath: { path, type: 'DirectoryOrCreate' },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_HOSTNAME, operator: 'In', values: [hostname] }] }] } },
    persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
    storageClassName: storageClass.metadata.name,
    volumeMode: 'Filesystem',
  };
  if (storageClass.mountOptions?.length) spec.mountOptions = [...storageClass.mountOptions];
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: PROVISIONER_NAME } },
    spec,
  };
}

export type VolumeLocation = { ok: true; node: string; path: string } | { ok: false; error: string };

/** The directory and node (the kubernetes.io/hostname value) of a volume we provisioned. */
export function volumeLocation(pv: Readonly<PersistentVolume>): VolumeLocation {
  const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  if (!path) return { ok: false, error: 'no HostPath set' };
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return { ok: false, error: 'no NodeAffinity.Required set' };
  for (const term of terms) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key !== LABEL_HOSTNAME || e.operator !== 'In') continue;
      if (e.values?.length !== 1) return { ok: false, error: 'multiple values for the node affinity' };
      return { ok: true, node: e.values[0], path };
    }
  }
  return { ok: false, error: 'cannot find affinited node' };
}

/**
 * The path is a directory this provisioner could have made for `pvName`: directly under
 * the storage root and named after the volume. Anything else is never removed, whatever
 * a (user-writable) PersistentVolume says.
 */
export function isOwnVolumePath(storageRoot: string, pvName: string, path: string): boolean {
  const p = resolve(path);
  return dirname(p) === resolve(storageRoot) && basename(p).startsWith(`${pvName}_`);
}
