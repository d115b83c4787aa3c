// core/v1 kinds other than pods, services and events: Namespace, Node, ConfigMap, Secret,
// ServiceAccount, PersistentVolume, PersistentVolumeClaim, ResourceQuota.

import type { KObject } from '../types/index.js';
import type { TablePrinter } from './types.js';
import { AGE, NAME, age, col, name, wide } from './columns.js';
import { arr, has, optStr, quantityText, rec, str } from './json-read.js';
import { LABEL_NODE_ROLE_PREFIX } from '../well-known.js';

export const namespacePrinter: TablePrinter = {
  columns: [NAME, col('Status', 'string', 'Phase of the namespace.'), AGE],
  row: (o, now) => [name(o), str(o, 'status', 'phase'), age(o, now)],
};

const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** ROLES: from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted. */
export function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v) {
      roles.add(v);
    }
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

/** STATUS: Ready/NotReady from the Ready condition (Unknown without one), plus SchedulingDisabled. */
export function nodeStatus(node: KObject): string {
  const status: string[] = [];
  let ready: string | undefined;
  // Upstream keeps the last condition of each type.
  for (const c of arr(node, 'status', 'conditions')) if (str(c, 'type') === 'Ready') ready = str(c, 'status');
  if (ready !== undefined) status.push(ready === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (rec(node, 'spec').unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: KObject, type: string): string {
  for (const a of arr(node, 'status', 'addresses')) if (str(a, 'type') === type) return str(a, 'address');
  return '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node.'),
    col('Roles', 'string', 'The roles of the node.'),
    AGE,
    col('Version', 'string', 'Kubelet version reported by the node.'),
    wide('Internal-IP', 'string', 'First InternalIP address of the node.'),
    wide('External-IP', 'string', 'First ExternalIP address of the node.'),
    wide('OS-Image', 'string', 'Operating system image reported by the node.'),
    wide('Kernel-Version', 'string', 'Kernel version reported by the node.'),
    wide('Container-Runtime', 'string', 'Container runtime name and version.'),
  ],
  row(o, now) {
    const info = rec(o, 'status', 'nodeInfo');
    return [
      name(o), nodeStatus(o), nodeRoles(o), age(o, now), str(info, 'kubeletVersion'),
      nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'),
      str(info, 'osImage') || '<unknown>', str(info, 'kernelVersion') || '<unknown>', str(info, 'containerRuntimeVersion') || '<unknown>',
    ];
  },
};

const keyCount = (o: unknown, ...path: string[]): number => Object.keys(rec(o, ...path)).length;

export const configMapPrinter: TablePrinter = {
  columns: [NAME, col('Data', 'string', 'Number of data and binaryData keys.'), AGE],
  row: (o, now) => [name(o), keyCount(o, 'data') + keyCount(o, 'binaryData'), age(o, now)],
};

export const secretPrinter: TablePrinter = {
  columns: [NAME, col('Type', 'string', 'Type of the secret.'), col('Data', 'string', 'Number of data keys.'), AGE],
  row: (o, now) => [name(o), str(o, 'type'), keyCount(o, 'data'), age(o, now)],
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME, col('Secrets', 'string', 'Number of secrets listed on the service account.'), AGE],
  row: (o, now) => [name(o), arr(o, 'secrets').length, age(o, now)],
};

/** Access modes as RWO,ROX,RWX,RWOP in that fixed order, duplicates dropped. */
export function accessModes(modes: readonly unknown[]): string {
  const short: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
  return short.filter(([m]) => modes.includes(m)).map(([, s]) => s).join(',');
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function storageClassOf(o: KObject): string {
  const ann = o.metadata.annotations ?? {};
  if (Object.hasOwn(ann, BETA_STORAGE_CLASS_ANNOTATION)) return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return str(o, 'spec', 'storageClassName');
}

const deleting = (o: KObject): boolean => o.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME,
    col('Capacity', 'string', 'Storage capacity of the volume.'),
    col('Access Modes', 'string', 'Ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'What happens to the volume when released.'),
    col('Status', 'string', 'Phase of the volume.'),
    col('Claim', 'string', 'Claim bound to the volume.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'Reason for a failed phase.'),
    AGE,
    wide('VolumeMode', 'string', 'Filesystem or Block.'),
  ],
  row(o, now) {
    const claim = has(o, 'spec', 'claimRef') ? `${str(o, 'spec', 'claimRef', 'namespace')}/${str(o, 'spec', 'claimRef', 'name')}` : '';
    const capacity = rec(o, 'spec', 'capacity').storage;
    return [
      name(o), quantityText(capacity), accessModes(arr(o, 'spec', 'accessModes')), str(o, 'spec', 'persistentVolumeReclaimPolicy'),
      deleting(o) ? 'Terminating' : str(o, 'status', 'phase'), claim, storageClassOf(o),
      optStr(o, 'spec', 'volumeAttributesClassName') ?? '<unset>', str(o, 'status', 'reason'), age(o, now),
      optStr(o, 'spec', 'volumeMode') ?? '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Status', 'string', 'Phase of the claim.'),
    col('Volume', 'string', 'Volume bound to the claim.'),
    col('Capacity', 'string', 'Capacity of the bound volume.'),
    col('Access Modes', 'string', 'Access modes of the bound volume.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    wide('VolumeMode', 'string', 'Filesystem or Block.'),
  ],
  row(o, now) {
    const volume = str(o, 'spec', 'volumeName');
    const bound = volume !== '';
    return [
      name(o), deleting(o) ? 'Terminating' : str(o, 'status', 'phase'), volume,
      bound ? quantityText(rec(o, 'status', 'capacity').storage) : '', bound ? accessModes(arr(o, 'status', 'accessModes')) : '',
      storageClassOf(o), optStr(o, 'spec', 'volumeAttributesClassName') ?? '<unset>', age(o, now),
      optStr(o, 'spec', 'volumeMode') ?? '<unset>',
    ];
  },
};

/** REQUEST and LIMIT: `resource: used/hard` for each hard limit, split on the `limits.` prefix. */
export function quotaCells(o: KObject): [string, string] {
  const hard = rec(o, 'status', 'hard');
  const used = rec(o, 'status', 'used');
  const requests: string[] = [];
  const limits: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const piece = `${r}: ${quantityText(used[r])}/${quantityText(hard[r])}`;
    const parts = r.split('.');
    (parts.length > 1 && parts[0] === 'limits' ? limits : requests).push(piece);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Request', 'string', 'Used over hard for each non-limit resource.'),
    col('Limit', 'string', 'Used over hard for each limits.* resource.'),
    AGE,
  ],
  row(o, now) {
    const [request, limit] = quotaCells(o);
    return [name(o), request, limit, age(o, now)];
  },
};
