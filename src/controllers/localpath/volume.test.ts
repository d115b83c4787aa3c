import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localPathStorageClass } from './storage-class.js';
import { isOwnVolumePath, localPathVolume, unsupportedClaimProblem, volumeLocation, volumeNameFor, volumePathFor } from './volume.js';
import type { PersistentVolumeClaim } from '../../api/types/index.js';

const claim: PersistentVolumeClaim = {
  metadata: { name: 'www-web-0', namespace: 'default', uid: '1234', resourceVersion: '7' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' },
};

test('the volume: hostPath under the root, pinned to the node, pre-bound to the claim, ours', () => {
  const pvName = volumeNameFor(claim);
  assert.equal(pvName, 'pvc-1234');
  const path = volumePathFor('/data/storage', pvName, claim);
  assert.equal(path, '/data/storage/pvc-1234_default_www-web-0');
  const pv = localPathVolume({ claim, storageClass: localPathStorageClass(), pvName, path, hostname: 'node-1' });
  assert.deepEqual(pv, {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pvc-1234', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
    spec: {
      accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'www-web-0', uid: '1234', apiVersion: 'v1', resourceVersion: '7' },
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
      persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', volumeMode: 'Filesystem',
    },
  });
  assert.deepEqual(volumeLocation(pv), { ok: true, node: 'node-1', path });
});

test('the default StorageClass is k3s\'s', () => {
  assert.deepEqual(localPathStorageClass(), {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  });
});

test('unsupported claims are refused with a reason', () => {
  assert.equal(unsupportedClaimProblem(claim), undefined);
  assert.equal(unsupportedClaimProblem({ ...claim, spec: { ...claim.spec, accessModes: ['ReadWriteOncePod'] } }), undefined);
  assert.match(unsupportedClaimProblem({ ...claim, spec: { ...claim.spec, accessModes: ['ReadWriteMany'] } }) ?? '', /only supports ReadWriteOnce/);
  assert.equal(unsupportedClaimProblem({ ...claim, spec: { ...claim.spec, selector: { matchLabels: { a: 'b' } } } }), 'claim.Spec.Selector is not supported');
  assert.match(unsupportedClaimProblem({ ...claim, spec: { ...claim.spec, volumeMode: 'Block' } }) ?? '', /Block/);
});

test('locations and paths of volumes to delete are checked', () => {
  assert.deepEqual(volumeLocation({ metadata: { name: 'x' }, spec: {} }), { ok: false, error: 'no HostPath set' });
  assert.deepEqual(volumeLocation({ metadata: { name: 'x' }, spec: { hostPath: { path: '/a' } } }), { ok: false, error: 'no NodeAffinity.Required set' });
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/data/storage/pvc-1_ns_c'), true);
  assert.equal(isOwnVolumePath('/data/storage/', 'pvc-1', '/data/storage/./pvc-1_ns_c/'), true);
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/data/storage'), false);
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/'), false);
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/data/storage/pvc-2_ns_c'), false);
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/data/storage/pvc-1_ns_c/../../etc'), false);
  assert.equal(isOwnVolumePath('/data/storage', 'pvc-1', '/data/other/pvc-1_ns_c'), false);
});
