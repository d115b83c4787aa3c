import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiClient } from './fake-api-client.js';
import { fakeClock } from './fake-clock.js';
import { R } from '../resources.js';
import { isAlreadyExists, isConflict, isNotFound, isInvalid } from '../../api/status.js';
import type { KObject, WatchEventType } from '../../api/types/index.js';

const rs = (name: string, replicas = 1): KObject => ({
  metadata: { name, labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

test('create fills server-owned metadata; a second create is AlreadyExists', async () => {
  const clock = fakeClock();
  const c = new FakeApiClient({ clock });
  const o = await c.create(R.replicasets, 'ns', rs('a'));
  assert.equal(o.apiVersion, 'apps/v1');
  assert.equal(o.kind, 'ReplicaSet');
  assert.equal(o.metadata.namespace, 'ns');
  assert.equal(o.metadata.generation, 1);
  assert.equal(o.metadata.resourceVersion, '1');
  assert.equal(o.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
  assert.match(o.metadata.uid!, /^[0-9a-f-]{36}$/);
  await assert.rejects(c.create(R.replicasets, 'ns', rs('a')), isAlreadyExists);
  const g = await c.create(R.pods, 'ns', { metadata: { generateName: 'a-' } });
  assert.match(g.metadata.name!, /^a-[a-z0-9]{5}$/);
  await assert.rejects(c.create(R.pods, 'ns', { metadata: {} }), isInvalid);
  assert.deepEqual(c.actions.map((a) => a.verb), ['create', 'create', 'create', 'create']);
  assert.equal(c.actions[0].resource, 'replicasets');
  assert.equal(c.actions[0].namespace, 'ns');
});

test('update: stale resourceVersion conflicts; generation follows spec; status is kept', async () => {
  const c = new FakeApiClient();
  const o = await c.create(R.replicasets, 'ns', rs('a'));
  const withStatus = await c.updateStatus(R.replicasets, 'ns', { ...o, status: { replicas: 1 } });
  assert.equal(withStatus.metadata.generation, 1);
  assert.deepEqual(withStatus.status, { replicas: 1 });
  await assert.rejects(c.update(R.replicasets, 'ns', { ...o, spec: { replicas: 3 } }), isConflict);
  const labelled = await c.update(R.replicasets, 'ns', { ...withStatus, metadata: { ...withStatus.metadata, labels: { x: 'y' } }, status: { replicas: 99 } });
  assert.equal(labelled.metadata.generation, 1, 'metadata-only change');
  assert.deepEqual(labelled.status, { replicas: 1 }, 'status is not written by update');
  const scaled = await c.update(R.replicasets, 'ns', { ...labelled, spec: { ...(labelled.spec as object), replicas: 3 } });
  assert.equal(scaled.metadata.generation, 2);
  const same = await c.update(R.replicasets, 'ns', scaled);
  assert.equal(same.metadata.resourceVersion, scaled.metadata.resourceVersion, 'no-op update keeps the resourceVersion');
  await assert.rejects(c.update(R.replicasets, 'ns', rs('missing')), isNotFound);
  assert.equal(c.actions[1].subresource, 'status');
});

test('patch: merge, json, strategic, status subresource and resourceVersion precondition', async () => {
  const c = new FakeApiClient();
  await c.create(R.pods, 'ns', { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } });
  let p = await c.patch(R.pods, 'ns', 'p', 'merge', { metadata: { labels: { l: '1' } } });
  assert.deepEqual(p.metadata.labels, { l: '1' });
  p = await c.patch(R.pods, 'ns', 'p', 'json', [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }]);
  assert.deepEqual(p.metadata.annotations, { a: 'b' });
  p = await c.patch(R.pods, 'ns', 'p', 'strategic', { spec: { containers: [{ name: 'b', image: 'z' }] } });
  assert.deepEqual((p.spec as { containers: unknown[] }).containers, [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }], 'merged by name');
  p = await c.patch(R.pods, 'ns', 'p', 'merge', { status: { phase: 'Running' }, spec: { nodeName: 'ignored' } }, { subresource: 'status' });
  assert.equal((p.status as { phase: string }).phase, 'Running');
  assert.equal((p.spec as { nodeName?: string }).nodeName, undefined);
  await assert.rejects(c.patch(R.pods, 'ns', 'p', 'merge', { metadata: { resourceVersion: '1' }, spec: {} }), isConflict);
  await assert.rejects(c.patch(R.pods, 'ns', 'nope', 'merge', {}), isNotFound);
  assert.equal(c.actionsFor('patch').length, 6);
  assert.equal(c.actionsFor('patch')[2].patchType, 'strategic');
});

test('delete: finalizers keep the object with a deletionTimestamp until removed', async () => {
  const c = new FakeApiClient();
  await c.create(R.configmaps, 'ns', { metadata: { name: 'cm', finalizers: ['x/y'] } });
  await c.delete(R.configmaps, 'ns', 'cm');
  const cm = c.object(R.configmaps, 'ns', 'cm')!;
  assert.ok(cm.metadata.deletionTimestamp);
  await c.update(R.configmaps, 'ns', { ...cm, metadata: { ...cm.metadata, finalizers: [] } });
  assert.equal(c.object(R.configmaps, 'ns', 'cm'), undefined);
  await assert.rejects(c.delete(R.configmaps, 'ns', 'cm'), isNotFound);
  await c.create(R.configmaps, 'ns', { metadata: { name: 'cm2' } });
  await assert.rejects(c.delete(R.configmaps, 'ns', 'cm2', { preconditions: { uid: 'other' } }), isConflict);
});

test('graceful pod deletion (opt-in) waits for a grace-0 delete', async () => {
  const c = new FakeApiClient({ gracefulPodDeletion: true });
  await c.create(R.pods, 'ns', { metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [] } });
  await c.delete(R.pods, 'ns', 'p');
  assert.equal(c.object(R.pods, 'ns', 'p')?.metadata.deletionGracePeriodSeconds, 30);
  await c.delete(R.pods, 'ns', 'p', { gracePeriodSeconds: 0 });
  assert.equal(c.object(R.pods, 'ns', 'p'), undefined);
});

test('subresources: binding sets nodeName once, eviction deletes, calls are recorded', async () => {
  const c = new FakeApiClient();
  await c.create(R.pods, 'ns', { metadata: { name: 'p' }, spec: { containers: [] } });
  await c.createSubresource(R.pods, 'ns', 'p', 'binding', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } });
  const p = c.object(R.pods, 'ns', 'p')!;
  assert.equal((p.spec as { nodeName: string }).nodeName, 'n1');
  assert.equal((p.status as { conditions: { type: string }[] }).conditions[0].type, 'PodScheduled');
  await assert.rejects(c.createSubresource(R.pods, 'ns', 'p', 'binding', { target: { name: 'n2' } }), isConflict);
  await c.createSubresource(R.pods, 'ns', 'p', 'eviction', { metadata: { name: 'p' } });
  assert.equal(c.object(R.pods, 'ns', 'p'), undefined);
  assert.deepEqual(c.actionsFor('create-subresource').map((a) => a.subresource), ['binding', 'binding', 'eviction']);
});

test('list filters by namespace and selectors; watch delivers later changes', async () => {
  const c = new FakeApiClient();
  c.seed(R.pods, { metadata: { name: 'a', namespace: 'x', labels: { app: 'web' } }, spec: { nodeName: 'n1' } });
  c.seed(R.pods, { metadata: { name: 'b', namespace: 'y', labels: { app: 'db' } }, spec: {} });
  assert.equal(c.actions.length, 0, 'seed is not logged');
  assert.equal((await c.list(R.pods)).items.length, 2);
  assert.deepEqual((await c.list(R.pods, 'x')).items.map((p) => p.metadata.name), ['a']);
  assert.deepEqual((await c.list(R.pods, undefined, { labelSelector: 'app=db' })).items.map((p) => p.metadata.name), ['b']);
  assert.deepEqual((await c.list(R.pods, undefined, { fieldSelector: 'spec.nodeName=n1' })).items.map((p) => p.metadata.name), ['a']);

  const seen: string[] = [];
  const w = c.watch(R.pods, 'x', {}, (ev: { type: WatchEventType; object: KObject }) => void seen.push(`${ev.type} ${ev.object.metadata.name}`));
  await c.create(R.pods, 'x', { metadata: { name: 'c' } });
  await c.create(R.pods, 'y', { metadata: { name: 'd' } });
  await c.patch(R.pods, 'x', 'c', 'merge', { metadata: { labels: { a: 'b' } } });
  await c.delete(R.pods, 'x', 'c');
  w.stop();
  await w.done;
  await c.create(R.pods, 'x', { metadata: { name: 'e' } });
  assert.deepEqual(seen, ['ADDED c', 'MODIFIED c', 'DELETED c']);
});

test('reactors can fail calls', async () => {
  const c = new FakeApiClient();
  const r = c.addReactor('create', 'pods', () => {
    throw new Error('boom');
  });
  await assert.rejects(c.create(R.pods, 'ns', { metadata: { name: 'p' } }), /boom/);
  r.dispose();
  await c.create(R.pods, 'ns', { metadata: { name: 'p' } });
  assert.equal(c.objects(R.pods).length, 1);
});
