import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { LocalPathProvisioner } from './controller.js';
import type { VolumeDirectories } from './directories.js';
import { localPathStorageClass } from './storage-class.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types/index.js';

function setup(): { t: TestContext; p: LocalPathProvisioner; calls: string[] } {
  const t = newTestContext();
  const calls: string[] = [];
  const directories: VolumeDirectories = {
    create: async (node, path) => void calls.push(`create ${node} ${path}`),
    remove: async (node, path) => void calls.push(`remove ${node} ${path}`),
  };
  return { t, calls, p: new LocalPathProvisioner(t.ctx, { storageRoot: '/srv/storage', directories }) };
}

function seedClaim(t: TestContext, annotations: Record<string, string>, spec: Record<string, unknown> = {}): PersistentVolumeClaim {
  return t.client.seed<PersistentVolumeClaim>(R.persistentvolumeclaims, {
    metadata: { name: 'data', namespace: 'ns', uid: 'u1', annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'local-path', ...spec },
  });
}

const asked = { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' };

test('creates the default StorageClass when missing, and leaves an existing one alone', async () => {
  const { t, p } = setup();
  await p.ensureStorageClass();
  assert.equal(t.client.objects(R.storageclasses).length, 1);
  t.client.clearActions();
  await p.ensureStorageClass();
  assert.deepEqual(t.client.actionsFor('create'), []);
});

test('provisions on the selected node once asked; not before', async () => {
  const { t, p, calls } = setup();
  t.client.seed(R.storageclasses, localPathStorageClass());
  t.client.seed(R.nodes, { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'host-1' } } });
  seedClaim(t, {});
  await p.provision('ns/data');
  seedClaim(t, asked);
  await p.provision('ns/data');
  assert.deepEqual(calls, [], 'WaitForFirstConsumer: no node selected yet');
  seedClaim(t, { ...asked, 'volume.kubernetes.io/selected-node': 'node-1' });
  await p.provision('ns/data');
  assert.deepEqual(calls, ['create node-1 /srv/storage/pvc-u1_ns_data']);
  const pv = t.client.object<PersistentVolume>(R.persistentvolumes, undefined, 'pvc-u1')!;
  assert.equal(pv.spec?.claimRef?.uid, 'u1');
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values, ['host-1'], 'the hostname label value');
  assert.deepEqual(t.recorder.events.map((e) => [e.reason, e.message]), [
    ['Provisioning', 'External provisioner is provisioning volume for claim "ns/data"'],
    ['ProvisioningSucceeded', 'Successfully provisioned volume pvc-u1'],
  ]);
  await p.provision('ns/data');
  assert.equal(calls.length, 1, 'provisioned once');
});

test('a claim of another provisioner, or one we cannot serve, is not provisioned', async () => {
  const { t, p, calls } = setup();
  t.client.seed(R.storageclasses, localPathStorageClass());
  seedClaim(t, { 'volume.kubernetes.io/storage-provisioner': 'example.com/other', 'volume.kubernetes.io/selected-node': 'n' });
  await p.provision('ns/data');
  seedClaim(t, { ...asked, 'volume.kubernetes.io/selected-node': 'n' }, { accessModes: ['ReadWriteMany'] });
  await p.provision('ns/data');
  assert.deepEqual(calls, []);
  assert.deepEqual(t.recorder.reasons(), ['ProvisioningFailed']);
  assert.match(t.recorder.events[0].message, /^failed to provision volume with StorageClass "local-path": NodePath only supports/);
});

test('a failing mkdir is reported and retried', async () => {
  const { t } = setup();
  const failing = new LocalPathProvisioner(t.ctx, { storageRoot: '/srv/storage', directories: { create: async () => { throw new Error('EACCES'); }, remove: async () => {} } });
  t.client.seed(R.storageclasses, localPathStorageClass());
  seedClaim(t, { ...asked, 'volume.kubernetes.io/selected-node': 'n' });
  await assert.rejects(failing.provision('ns/data'), /EACCES/);
  assert.equal(t.recorder.events.at(-1)?.reason, 'ProvisioningFailed');
  assert.equal(t.client.objects(R.persistentvolumes).length, 0);
});

function seedReleased(t: TestContext, path: string, phase = 'Released'): void {
  t.client.seed(R.persistentvolumes, {
    metadata: { name: 'pvc-u1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', hostPath: { path },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
    },
    status: { phase },
  });
}

test('a Released volume of ours is removed from its node, then deleted', async () => {
  const { t, p, calls } = setup();
  seedReleased(t, '/srv/storage/pvc-u1_ns_data', 'Bound');
  await p.deleteVolume('pvc-u1');
  assert.deepEqual(calls, [], 'only Released volumes');
  seedReleased(t, '/srv/storage/pvc-u1_ns_data');
  await p.deleteVolume('pvc-u1');
  assert.deepEqual(calls, ['remove node-1 /srv/storage/pvc-u1_ns_data']);
  assert.equal(t.client.objects(R.persistentvolumes).length, 0);
});

test('a volume whose path is outside the storage root is never removed', async () => {
  const { t, p, calls } = setup();
  seedReleased(t, '/etc');
  await p.deleteVolume('pvc-u1');
  assert.deepEqual(calls, []);
  assert.equal(t.client.objects(R.persistentvolumes).length, 1);
  assert.equal(t.recorder.events[0].reason, 'VolumeFailedDelete');
});
