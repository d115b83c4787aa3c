import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { PersistentVolumeController } from './controller.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types/index.js';

function setup(): { t: TestContext; c: PersistentVolumeController } {
  const t = newTestContext();
  return { t, c: new PersistentVolumeController(t.ctx, { resyncPeriodMs: 0 }) };
}

const seedVolume = (t: TestContext, name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): PersistentVolume =>
  t.client.seed<PersistentVolume>(R.persistentvolumes, {
    metadata: { name, annotations },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, persistentVolumeReclaimPolicy: 'Retain', ...spec },
    status: { phase: 'Pending' },
  });

const seedClaim = (t: TestContext, name: string, spec: Record<string, unknown> = {}): PersistentVolumeClaim =>
  t.client.seed<PersistentVolumeClaim>(R.persistentvolumeclaims, {
    metadata: { name, namespace: 'ns' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
    status: { phase: 'Pending' },
  });

const volume = (t: TestContext, name: string): PersistentVolume => t.client.object<PersistentVolume>(R.persistentvolumes, undefined, name)!;
const claim = (t: TestContext, name: string): PersistentVolumeClaim => t.client.object<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', name)!;

const localPath = {
  metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

test('a new volume becomes Available; a claim binds to it and both halves are written', async () => {
  const { t, c } = setup();
  seedVolume(t, 'pv1', { storageClassName: '' });
  await c.syncVolume('pv1');
  assert.equal(volume(t, 'pv1').status?.phase, 'Available');
  assert.ok(volume(t, 'pv1').status?.lastPhaseTransitionTime);
  const pvc = seedClaim(t, 'data', { storageClassName: '' });
  await c.syncClaim('ns/data');
  const v = volume(t, 'pv1');
  assert.deepEqual(v.spec?.claimRef && { ...v.spec.claimRef, resourceVersion: undefined }, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: undefined });
  assert.equal(v.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(v.status?.phase, 'Bound');
  const b = claim(t, 'data');
  assert.equal(b.spec?.volumeName, 'pv1');
  assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.deepEqual(b.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
  t.client.clearActions();
  await c.syncClaim('ns/data');
  await c.syncVolume('pv1');
  assert.deepEqual(t.client.actions.filter((a) => a.verb !== 'get'), [], 'a bound pair is left alone');
});

test('no class and no volume: FailedBinding; a missing class: ProvisioningFailed', async () => {
  const { t, c } = setup();
  seedClaim(t, 'none', { storageClassName: '' });
  await c.syncClaim('ns/none');
  seedClaim(t, 'ghost', { storageClassName: 'ghost' });
  await c.syncClaim('ns/ghost');
  assert.deepEqual(t.recorder.events.map((e) => [e.reason, e.message]), [
    ['FailedBinding', 'no persistent volumes available for this claim and no storage class is set'],
    ['ProvisioningFailed', 'storageclass.storage.k8s.io "ghost" not found'],
  ]);
  assert.equal(claim(t, 'none').status?.phase, 'Pending');
});

test('WaitForFirstConsumer: waits for a pod, then selects its node and asks the provisioner', async () => {
  const { t, c } = setup();
  t.client.seed(R.storageclasses, localPath);
  seedClaim(t, 'data', { storageClassName: 'local-path' });
  await c.syncClaim('ns/data');
  assert.deepEqual(t.recorder.events.at(-1), { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding', object: { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data' }, component: 'persistentvolume-controller' });
  const pod = { metadata: { name: 'web-0', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'data' } }] } };
  t.client.seed(R.pods, pod);
  await c.syncClaim('ns/data');
  assert.equal(t.recorder.events.at(-1)?.reason, 'WaitForPodScheduled');
  assert.equal(t.recorder.events.at(-1)?.message, 'waiting for pod web-0 to be scheduled');
  assert.equal(claim(t, 'data').metadata.annotations?.['volume.kubernetes.io/selected-node'], undefined);
  t.client.seed(R.pods, { ...pod, spec: { ...pod.spec, nodeName: 'node-1' } });
  await c.syncClaim('ns/data');
  assert.equal(claim(t, 'data').metadata.annotations?.['volume.kubernetes.io/selected-node'], 'node-1');
  await c.syncClaim('ns/data');
  const ann = claim(t, 'data').metadata.annotations ?? {};
  assert.equal(ann['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
  assert.equal(ann['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
  assert.equal(t.recorder.events.at(-1)?.reason, 'ExternalProvisioning');
  assert.match(t.recorder.events.at(-1)?.message ?? '', /^Waiting for a volume to be created either by the external provisioner 'rancher.io\/local-path' or manually/);
  assert.equal(claim(t, 'data').status?.phase, 'Pending');
});

test('WaitForFirstConsumer with a free volume on the pod\'s node: the volume is pre-bound, then bound', async () => {
  const { t, c } = setup();
  t.client.seed(R.storageclasses, { ...localPath, metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner' });
  const affinity = (node: string): Record<string, unknown> => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });
  seedVolume(t, 'on-n2', { storageClassName: 'local', nodeAffinity: affinity('n2') });
  seedVolume(t, 'on-n1', { storageClassName: 'local', nodeAffinity: affinity('n1') });
  await c.syncVolume('on-n1');
  await c.syncVolume('on-n2');
  seedClaim(t, 'data', { storageClassName: 'local' });
  t.client.seed(R.pods, { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } });
  await c.syncClaim('ns/data');
  assert.equal(volume(t, 'on-n1').spec?.claimRef?.name, 'data');
  await c.syncClaim('ns/data');
  assert.equal(claim(t, 'data').spec?.volumeName, 'on-n1');
  assert.equal(claim(t, 'data').status?.phase, 'Bound');
  assert.equal(volume(t, 'on-n2').spec?.claimRef, undefined);
});

test('a provisioned volume pre-bound to the claim is bound without bound-by-controller on the volume', async () => {
  const { t, c } = setup();
  t.client.seed(R.storageclasses, localPath);
  const pvc = seedClaim(t, 'data', { storageClassName: 'local-path' });
  seedVolume(t, 'pvc-1', { storageClassName: 'local-path', persistentVolumeReclaimPolicy: 'Delete', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: pvc.metadata.uid } }, { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
  await c.syncVolume('pvc-1');
  assert.equal(volume(t, 'pvc-1').status?.phase, 'Pending', 'the claim sync completes the binding');
  await c.syncClaim('ns/data');
  assert.equal(volume(t, 'pvc-1').status?.phase, 'Bound');
  assert.equal(volume(t, 'pvc-1').metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  assert.equal(claim(t, 'data').metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(claim(t, 'data').status?.phase, 'Bound');

  // The claim goes: the volume is Released and left to its provisioner.
  await t.client.delete(R.persistentvolumeclaims, 'ns', 'data');
  await c.syncVolume('pvc-1');
  assert.equal(volume(t, 'pvc-1').status?.phase, 'Released');
  await c.syncVolume('pvc-1');
  assert.equal(volume(t, 'pvc-1').status?.phase, 'Released');
  assert.deepEqual(t.recorder.reasons().filter((r) => r.startsWith('Volume')), []);
});

test('reclaim policies of released volumes nobody provisioned: Retain stays, Delete and Recycle fail', async () => {
  const { t, c } = setup();
  const gone = { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'gone', uid: 'old' };
  seedVolume(t, 'keep', { claimRef: gone });
  seedVolume(t, 'del', { claimRef: gone, persistentVolumeReclaimPolicy: 'Delete' });
  seedVolume(t, 'rec', { claimRef: gone, persistentVolumeReclaimPolicy: 'Recycle' });
  for (const n of ['keep', 'del', 'rec']) await c.syncVolume(n);
  assert.equal(volume(t, 'keep').status?.phase, 'Released');
  assert.equal(volume(t, 'del').status?.phase, 'Failed');
  assert.equal(volume(t, 'del').status?.message, 'error getting deleter volume plugin for volume "del": no deletable volume plugin matched');
  assert.equal(volume(t, 'rec').status?.phase, 'Failed');
  assert.deepEqual(t.recorder.reasons(), ['VolumeFailedDelete', 'VolumeFailedRecycle']);
});

test('a bound claim whose volume disappears is Lost', async () => {
  const { t, c } = setup();
  seedVolume(t, 'pv1', { storageClassName: '' });
  await c.syncVolume('pv1');
  seedClaim(t, 'data', { storageClassName: '' });
  await c.syncClaim('ns/data');
  await t.client.delete(R.persistentvolumes, undefined, 'pv1');
  await c.syncClaim('ns/data');
  assert.equal(claim(t, 'data').status?.phase, 'Lost');
  assert.deepEqual(t.recorder.events.at(-1)?.message, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
});

test('a claim that names its volume binds to it, or says why not', async () => {
  const { t, c } = setup();
  seedVolume(t, 'small', { storageClassName: '', capacity: { storage: '100Mi' } });
  seedVolume(t, 'mine', { storageClassName: '' });
  seedClaim(t, 'a', { storageClassName: '', volumeName: 'small' });
  seedClaim(t, 'b', { storageClassName: '', volumeName: 'mine' });
  await c.syncClaim('ns/a');
  await c.syncClaim('ns/b');
  assert.equal(t.recorder.events[0]?.message, 'Cannot bind to requested volume "small": requested PV is too small');
  assert.equal(claim(t, 'b').status?.phase, 'Bound');
  assert.equal(claim(t, 'b').metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user chose the volume');
  assert.equal(volume(t, 'mine').metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
});

test('a claim without a class gets the default class written (retroactive assignment)', async () => {
  const { t, c } = setup();
  t.client.seed(R.storageclasses, localPath);
  seedClaim(t, 'data');
  await c.syncClaim('ns/data');
  assert.equal(claim(t, 'data').spec?.storageClassName, 'local-path');
});
