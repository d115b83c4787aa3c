import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../storage/index.js';
import { registry } from '../util/metrics.js';
import { InstrumentedStore, instrumentStore, storageType } from './storage-metrics.js';

test('the type label is the resource of the key', () => {
  assert.equal(storageType('/registry/core/pods/default/web'), 'pods');
  assert.equal(storageType('/registry/core/pods/'), 'pods');
  assert.equal(storageType('/registry/apps/deployments/default/web'), 'deployments.apps');
  assert.equal(storageType('/registry/core/namespaces/default'), 'namespaces');
  assert.equal(storageType('/registry/ranges'), 'ranges');
  assert.equal(storageType('/other/key'), '');
});

async function count(operation: string, type: string): Promise<number> {
  const m = (await registry.getSingleMetric('etcd_request_duration_seconds')!.get()) as { values: Array<{ labels: Record<string, string>; value: number; metricName?: string }> };
  return m.values.find((v) => v.metricName === 'etcd_request_duration_seconds_count' && v.labels.operation === operation && v.labels.type === type)?.value ?? 0;
}

test('every Store operation is timed by operation and type, failures too', async () => {
  const inner = new MemoryStore();
  const s = instrumentStore(inner);
  assert.ok(s instanceof InstrumentedStore);
  assert.equal(instrumentStore(s), s, 'wrapping twice would count twice');
  const before = { create: await count('create', 'widgets.example.com'), update: await count('update', 'widgets.example.com'), get: await count('get', 'widgets.example.com'), list: await count('list', 'widgets.example.com') };
  const kv = await s.create('/registry/example.com/widgets/ns/a', '1');
  await s.update(kv.key, '2', kv.modRevision);
  await assert.rejects(s.update(kv.key, '3', kv.modRevision)); // a conflict is timed as well
  assert.equal((await s.get(kv.key))?.value, '2');
  assert.equal((await s.list('/registry/example.com/widgets/')).items.length, 1);
  const h = s.watch('/registry/example.com/widgets/', { afterRevision: s.currentRevision(), onEvent: () => {} });
  h.cancel();
  await s.delete(kv.key);
  assert.equal(await count('create', 'widgets.example.com'), before.create + 1);
  assert.equal(await count('update', 'widgets.example.com'), before.update + 2);
  assert.equal(await count('get', 'widgets.example.com'), before.get + 1);
  assert.equal(await count('list', 'widgets.example.com'), before.list + 1);
  assert.ok((await count('watch', 'widgets.example.com')) >= 1);
  assert.ok((await count('delete', 'widgets.example.com')) >= 1);
  assert.equal(s.currentRevision(), inner.currentRevision());
  await s.close();
});
