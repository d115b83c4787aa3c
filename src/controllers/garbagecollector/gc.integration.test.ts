// Against a real in-process API server: a Deployment → ReplicaSet → Pod chain built by hand
// with ownerReferences, deleted with each propagation policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';
import type { ResourceRef } from '../../client/types.js';
import { GarbageCollector } from './index.js';
import { registration as namespaceRegistration } from '../namespace/index.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  await new GarbageCollector(api.ctx, { workers: 4 }).run();
  await namespaceRegistration.register(api.ctx);
});
after(async () => { await api?.stop(); });

async function eventually(what: string, f: () => Promise<boolean>, turns = 400): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function exists(res: ResourceRef, ns: string, name: string): Promise<boolean> {
  try { await api.client.get(res, ns, name); return true; } catch (err) { if (isNotFound(err)) return false; throw err; }
}

const ref = (o: KObject, apiVersion: string, kind: string) => ({ apiVersion, kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true });

async function chain(ns: string, tag: string): Promise<{ d: KObject; rs: KObject; pod: KObject }> {
  const sel = { matchLabels: { app: tag } };
  const template = { metadata: { labels: { app: tag } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const d = await api.client.create(R.deployments, ns, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: tag }, spec: { replicas: 1, selector: sel, template } });
  const rs = await api.client.create(R.replicasets, ns, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${tag}-rs`, ownerReferences: [ref(d, 'apps/v1', 'Deployment')] }, spec: { replicas: 1, selector: sel, template } });
  const pod = await api.client.create(R.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${tag}-pod`, labels: { app: tag }, ownerReferences: [ref(rs, 'apps/v1', 'ReplicaSet')] }, spec: template.spec });
  return { d, rs, pod };
}

test('Background: deleting the Deployment removes its ReplicaSet and pod', async () => {
  await chain('default', 'bg');
  await api.client.delete(R.deployments, 'default', 'bg', { propagationPolicy: 'Background' });
  await eventually('rs and pod gone', async () => !(await exists(R.replicasets, 'default', 'bg-rs')) && !(await exists(R.pods, 'default', 'bg-pod')));
});

test('Foreground: dependents go first, then the owner', async () => {
  await chain('default', 'fg');
  await api.client.delete(R.deployments, 'default', 'fg', { propagationPolicy: 'Foreground' });
  await eventually('whole chain gone', async () =>
    !(await exists(R.deployments, 'default', 'fg')) && !(await exists(R.replicasets, 'default', 'fg-rs')) && !(await exists(R.pods, 'default', 'fg-pod')));
});

test('Orphan: the ReplicaSet stays, without its ownerReference', async () => {
  await chain('default', 'or');
  await api.client.delete(R.deployments, 'default', 'or', { propagationPolicy: 'Orphan' });
  await eventually('deployment gone', async () => !(await exists(R.deployments, 'default', 'or')));
  const rs = await api.client.get(R.replicasets, 'default', 'or-rs');
  assert.deepEqual(rs.metadata.ownerReferences ?? [], []);
  assert.ok(await exists(R.pods, 'default', 'or-pod'));
});

test('a dependent keeps living while another owner remains', async () => {
  const a = await api.client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-a' } });
  const b = await api.client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-b' } });
  const mk = (o: KObject) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name!, uid: o.metadata.uid! });
  await api.client.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dep', ownerReferences: [mk(a), mk(b)] } });
  await api.client.delete(R.configmaps, 'default', 'owner-a');
  await eventually('dangling reference removed', async () => (await api.client.get(R.secrets, 'default', 'dep')).metadata.ownerReferences?.length === 1);
});

test('namespace deletion empties the namespace, then removes it', async () => {
  await api.client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await chain('doomed', 'app');
  await api.client.create(R.configmaps, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } });
  await api.client.delete(R.namespaces, undefined, 'doomed');
  await eventually('namespace gone', async () => !(await exists(R.namespaces, '', 'doomed')));
  assert.equal((await api.client.list(R.pods, 'doomed')).items.length, 0);
});

test('an ownerReference to an object of another namespace is dangling: the dependent goes, the other namespace is untouched', async () => {
  await api.client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc-staging' } }).catch(() => undefined);
  const dev = await chain('default', 'xns');
  // Same names in staging, but its pod names dev's ReplicaSet (by uid) as its controller.
  const pod = await api.client.create(R.pods, 'gc-staging', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'xns-pod', labels: { app: 'xns' }, ownerReferences: [ref(dev.rs, 'apps/v1', 'ReplicaSet')] },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  assert.equal(pod.metadata.namespace, 'gc-staging');
  await eventually('staging pod collected', async () => !(await exists(R.pods, 'gc-staging', 'xns-pod')));
  assert.ok(await exists(R.replicasets, 'default', 'xns-rs'));
  assert.ok(await exists(R.pods, 'default', 'xns-pod'), "dev's own pod stays");
});
