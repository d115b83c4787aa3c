import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/index.js';
import { WatchCache, encodeCached, eventChunk, eventLine, frameChunk, type CacheEvent } from './watch-cache.js';

const decode = (_k: string, v: string, rv: number) => {
  const o = JSON.parse(v);
  o.metadata.resourceVersion = String(rv);
  return o;
};
const pod = (name: string, labels: Record<string, string>) => JSON.stringify({ metadata: { name, labels }, spec: { containers: [{ name: 'c' }] } });

test('entries past the hot set keep their JSON and view and decode on demand to the same object', { timeout: 10_000 }, async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/pods/', decode, { hotEntries: 4 });
  await cache.start();
  for (let i = 0; i < 10; i++) await store.create(`/registry/core/pods/d/p${i}`, pod(`p${i}`, { i: String(i) }));
  const first = cache.get('/registry/core/pods/d/p0')!;
  // p0 went cold: every read decodes the same content, and it stays hot for a while after.
  const a = first.obj;
  assert.equal(first.obj, a, 'a decoded entry is hot again: repeated reads share one tree');
  assert.deepEqual(a, { metadata: { name: 'p0', labels: { i: '0' }, resourceVersion: String(first.rv) }, spec: { containers: [{ name: 'c' }] } });
  assert.equal(encodeCached(first), JSON.stringify(a));
  for (let i = 1; i < 10; i++) void cache.get(`/registry/core/pods/d/p${i}`)!.obj;
  const b = first.obj;
  assert.notEqual(b, a, 'the hot set dropped the tree');
  assert.deepEqual(b, a);
  // The view answers without the tree: name and labels only (the default view).
  assert.deepEqual(first.view, { metadata: { name: 'p0', namespace: undefined, labels: { i: '0' } } });
  cache.stop();
  await store.close();
});

test('a DELETED event of a cold entry carries the deletion revision and the entry view', { timeout: 10_000 }, async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/pods/', decode, { hotEntries: 1 });
  await cache.start();
  await store.create('/registry/core/pods/d/a', pod('a', { app: 'x' }));
  await store.create('/registry/core/pods/d/b', pod('b', {}));
  const seen: CacheEvent[] = [];
  const h = cache.watchFrom(cache.cacheRevision, { onEvent: (e) => void seen.push(e) })!;
  await store.delete('/registry/core/pods/d/a');
  assert.equal(seen.length, 1);
  const ev = seen[0]!;
  assert.equal(ev.type, 'DELETED');
  assert.equal(ev.cur.obj.metadata.resourceVersion, String(store.currentRevision()));
  assert.equal(JSON.parse(encodeCached(ev.cur)).metadata.resourceVersion, String(store.currentRevision()));
  assert.deepEqual(ev.cur.view.metadata.labels, { app: 'x' });
  h.cancel();
  cache.stop();
  await store.close();
});

test('an event is framed as one HTTP/1.1 chunk once, shared by every watcher', { timeout: 10_000 }, async () => {
  assert.equal(frameChunk(Buffer.from('hello')).toString(), '5\r\nhello\r\n');
  assert.equal(frameChunk(Buffer.alloc(300, 0x61)).subarray(0, 5).toString(), '12c\r\n');
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/pods/', decode);
  await cache.start();
  const got: Buffer[] = [];
  const watcher = () => ({ onEvent: (e: CacheEvent) => void got.push(eventChunk(e, 'ADDED', false)!) });
  cache.watchFrom(cache.cacheRevision, watcher());
  cache.watchFrom(cache.cacheRevision, watcher());
  await store.create('/registry/core/pods/d/a', pod('a', {}));
  assert.equal(got.length, 2);
  assert.equal(got[0], got[1], 'the same bytes for both watchers');
  const line = eventLine({ type: 'ADDED', cur: cache.get('/registry/core/pods/d/a')!, rv: 0, at: 0 }, 'ADDED');
  assert.equal(got[0]!.toString(), `${line.length.toString(16)}\r\n${line.toString()}\r\n`);
  cache.stop();
  await store.close();
});

test('countAfter counts the keys of a prefix after a key, as a scan would', { timeout: 10_000 }, async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, '/registry/core/pods/', decode);
  await cache.start();
  for (const ns of ['a', 'ab', 'b']) for (let i = 0; i < 5; i++) await store.create(`/registry/core/pods/${ns}/p${i}`, pod(`p${i}`, {}));
  await store.delete('/registry/core/pods/a/p3');
  const keys = [...cache.scan('/registry/core/pods/')].map((c) => c.key);
  for (const prefix of ['/registry/core/pods/', '/registry/core/pods/a/', '/registry/core/pods/ab/', '/registry/core/pods/c/']) {
    for (const after of [...keys, '/registry/core/pods/', '/registry/core/pods/a/p9', '/registry/core/pods/zz']) {
      const expected = [...cache.scan(prefix, after)].length;
      assert.equal(cache.countAfter(prefix, after), expected, `${prefix} after ${after}`);
    }
  }
  cache.stop();
  await store.close();
});
