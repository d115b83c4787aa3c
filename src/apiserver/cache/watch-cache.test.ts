import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/index.js';
import { WatchCache, type CacheEvent } from './watch-cache.js';

const decode = (_k: string, v: string, rv: number) => ({ ...JSON.parse(v), metadata: { ...JSON.parse(v).metadata, resourceVersion: String(rv) } });
const obj = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ metadata: { name }, ...extra });

test('lists existing objects and follows later writes', async () => {
  const store = new MemoryStore();
  await store.create('/registry/core/pods/a/p1', obj('p1'));
  await store.create('/registry/core/pods/b/p2', obj('p2'));
  await store.create('/registry/core/services/a/s1', obj('s1'));
  const cache = new WatchCache(store, '/registry/core/pods/', decode);
  await cache.start();
  assert.equal(cache.size, 2);
  await store.create('/registry/core/pods/a/p3', obj('p3'));
  assert.equal(cache.size, 3);
  assert.deepEqual([...cache.scan('/registry/core/pods/a/')].map((c) => c.obj.metadata.name), ['p1', 'p3']);
  assert.deepEqual([...cache.scan('/registry/core/pods/', '/registry/core/pods/a/p3')].map((c) => c.obj.metadata.name), ['p2']);
  cache.stop();
  await store.close();
});

test('watchFrom replays buffered events and reports too-old revisions', async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/configmaps/', decode, { minEvents: 4, maxEvents: 4 });
  await cache.start();
  const start = store.currentRevision();
  const kv = await store.create('/registry/core/configmaps/d/a', obj('a'));
  await store.update('/registry/core/configmaps/d/a', obj('a', { data: { x: '1' } }), kv.modRevision);
  const seen: CacheEvent[] = [];
  const h = cache.watchFrom(start, { onEvent: (e) => void seen.push(e) });
  assert.ok(h);
  assert.deepEqual(seen.map((e) => e.type), ['ADDED', 'MODIFIED']);
  await store.delete('/registry/core/configmaps/d/a');
  assert.deepEqual(seen.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.equal(seen[2].cur.obj.metadata.resourceVersion, String(store.currentRevision()), 'DELETED carries the deletion revision');
  // Overflow the 4-event window: watching from the start is no longer possible.
  for (let i = 0; i < 6; i++) await store.create(`/registry/core/configmaps/d/n${i}`, obj(`n${i}`));
  assert.equal(cache.watchFrom(start, { onEvent: () => {} }), undefined);
  h.cancel();
  cache.stop();
  await store.close();
});
