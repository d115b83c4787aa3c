import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/index.js';
import { WatchCache } from './watch-cache.js';

const decode = (_k: string, v: string) => JSON.parse(v);

// Fuzz (endpoint target, server RSS growing under writes): events evicted from the window were
// only dropped in bulk once 4096 had piled up, so each resource kept up to 4096 dead events
// (objects and their encodings) reachable whatever the window's size.
test('events that leave the window are released at once', async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/configmaps/', decode, { minEvents: 5, maxEvents: 5 });
  await cache.start();
  for (let i = 0; i < 50; i++) await store.create(`/registry/core/configmaps/d/n${i}`, JSON.stringify({ metadata: { name: `n${i}` } }));
  const events = (cache as unknown as { events: unknown[] }).events;
  assert.equal(events.filter((e) => e !== undefined).length, 5);
  cache.stop();
  await store.close();
});
