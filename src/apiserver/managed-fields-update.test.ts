// managedFields across updates that do not send them (upstream's fieldmanager: an update whose
// managedFields is empty keeps the live object's entries). Controllers rely on it: their
// informers drop managedFields (as kube-controller-manager's do) and they PUT what they cached.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types/index.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';

let t: TestApi | undefined;
after(async () => {
  await t?.stop();
});

const managers = (o: KObject): string[] => (o.metadata.managedFields ?? []).map((m) => `${m.manager}:${m.subresource ?? ''}`).sort();

test('an update or status update without managedFields keeps the other managers\' entries', { timeout: 30_000 }, async () => {
  t = await startTestApi();
  const c = t.client;
  const cm = await c.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-mf', namespace: 'default' }, data: { a: '1' } } as KObject, { fieldManager: 'first' });
  const { managedFields: _mf, ...meta } = cm.metadata;
  const put = await c.update(R.configmaps, 'default', { ...cm, metadata: meta, data: { a: '1', b: '2' } } as KObject, { fieldManager: 'second' });
  assert.deepEqual(managers(put), ['first:', 'second:']);
  // An explicit reset ([{}]) still clears them, as upstream.
  const reset = await c.update(R.configmaps, 'default', { ...put, metadata: { ...put.metadata, managedFields: [{}] }, data: { a: '1', b: '3' } } as unknown as KObject, { fieldManager: 'third' });
  assert.deepEqual(managers(reset), ['third:']);

  const ns = await c.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k8ts-test-mf', labels: { team: 'a' } } } as KObject, { fieldManager: 'creator' });
  const { managedFields: _nmf, ...nsMeta } = ns.metadata;
  const st = await c.updateStatus(R.namespaces, undefined, { ...ns, metadata: nsMeta, status: { phase: 'Active', conditions: [] } } as KObject, { fieldManager: 'status-writer' });
  assert.ok(managers(st).includes('creator:'), `creator kept: ${managers(st).join(', ')}`);
});
