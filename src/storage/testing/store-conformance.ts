// Conformance suite for the Store contract (../types.ts). Each implementation registers it
// from its own *.test.ts with a factory; behaviour must be identical across stores.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isStorageError, type KeyValue, type Store, type StoreEvent, type StorageErrorCode } from '../types.js';
import { ERR_STORAGE_CLOSED, ERR_STORAGE_COMPACTED, ERR_STORAGE_CONFLICT, ERR_STORAGE_FUTURE_REVISION, ERR_STORAGE_KEY_EXISTS, ERR_STORAGE_KEY_NOT_FOUND } from '../../util/error-codes.js';

export interface StoreFixture {
  store: Store;
  /** Frees resources (temp files). The suite closes the store itself first. */
  cleanup?: () => Promise<void> | void;
}

export type StoreFactory = () => Promise<StoreFixture> | StoreFixture;

/** Asserts that `p` rejects with a StorageError carrying `code`. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStorageError(e), `expected StorageError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** Lets queued microtasks and immediates run (watch replay is scheduled on a microtask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Compact form of an event for deepEqual: [type, key, revision, value, prevValue]. */
export function brief(ev: StoreEvent): [string, string, number, string | undefined, string | undefined] {
  return ev.type === 'put'
    ? ['put', ev.kv.key, ev.kv.modRevision, ev.kv.value, ev.prev?.value]
    : ['delete', ev.key, ev.revision, undefined, ev.prev.value];
}

export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    after(async () => {
      for (const f of fixtures) {
        await f.store.close();
        await f.cleanup?.();
      }
    });
    async function open(): Promise<Store> {
      const f = await factory();
      fixtures.push(f);
      return f.store;
    }

    it('create stores the value with create and mod revision of the write', async () => {
      const s = await open();
      const r0 = s.currentRevision();
      const kv = await s.create('/registry/core/pods/default/a', '{"a":1}');
      assert.deepEqual({ ...kv }, { key: '/registry/core/pods/default/a', value: '{"a":1}', createRevision: r0 + 1, modRevision: r0 + 1 });
      assert.equal(s.currentRevision(), r0 + 1);
      assert.deepEqual({ ...(await s.get('/registry/core/pods/default/a'))! }, { ...kv });
      assert.equal(await s.get('/registry/core/pods/default/missing'), undefined);
    });

    it('create of an existing key fails with ERR_STORAGE_KEY_EXISTS and takes no revision', async () => {
      const s = await open();
      await s.create('/k', 'v1');
      const r = s.currentRevision();
      await rejectsWith(s.create('/k', 'v2'), ERR_STORAGE_KEY_EXISTS);
      assert.equal(s.currentRevision(), r);
      assert.equal((await s.get('/k'))?.value, 'v1');
    });

    it('update is a compare-and-swap on modRevision', async () => {
      const s = await open();
      const a = await s.create('/k', 'v1');
      const b = await s.update('/k', 'v2', a.modRevision);
      assert.equal(b.createRevision, a.createRevision);
      assert.equal(b.modRevision, a.modRevision + 1);
      await rejectsWith(s.update('/k', 'v3', a.modRevision), ERR_STORAGE_CONFLICT);
      const cur = await s.get('/k');
      assert.equal(cur?.value, 'v2');
      assert.equal(cur?.modRevision, b.modRevision);
      await rejectsWith(s.update('/nope', 'x', 1), ERR_STORAGE_KEY_NOT_FOUND);
      assert.equal(s.currentRevision(), b.modRevision);
    });

    it('conflict errors carry the current modRevision', async () => {
      const s = await open();
      const a = await s.create('/k', 'v1');
      await assert.rejects(s.update('/k', 'x', a.modRevision + 100), (e: unknown) => {
        assert.ok(isStorageError(e, ERR_STORAGE_CONFLICT));
        assert.equal(e.key, '/k');
        assert.equal(e.revision, a.modRevision);
        return true;
      });
    });

    it('delete with and without CAS returns the deleted value', async () => {
      const s = await open();
      const a = await s.create('/a', 'va');
      const b = await s.create('/b', 'vb');
      const da = await s.delete('/a');
      assert.deepEqual({ ...da }, { ...a });
      assert.equal(await s.get('/a'), undefined);
      await rejectsWith(s.delete('/b', b.modRevision - 1), ERR_STORAGE_CONFLICT);
      assert.equal((await s.get('/b'))?.value, 'vb');
      const db = await s.delete('/b', b.modRevision);
      assert.equal(db.value, 'vb');
      await rejectsWith(s.delete('/b'), ERR_STORAGE_KEY_NOT_FOUND);
      await rejectsWith(s.update('/b', 'x', b.modRevision), ERR_STORAGE_KEY_NOT_FOUND);
    });

    it('re-creating a deleted key resets createRevision', async () => {
      const s = await open();
      await s.create('/k', 'v1');
      await s.delete('/k');
      const again = await s.create('/k', 'v2');
      assert.equal(again.createRevision, again.modRevision);
      assert.equal(again.modRevision, s.currentRevision());
    });

    it('the global revision grows by exactly one per successful write', async () => {
      const s = await open();
      let r = s.currentRevision();
      const step = async (p: Promise<KeyValue>): Promise<void> => {
        const kv = await p;
        r += 1;
        assert.equal(s.currentRevision(), r);
        assert.ok(kv.modRevision === r || kv.modRevision < r);
      };
      await step(s.create('/x/1', 'a'));
      await step(s.create('/y/1', 'b'));
      const cur = await s.get('/x/1');
      await step(s.update('/x/1', 'c', cur!.modRevision));
      await step(s.delete('/y/1'));
      await rejectsWith(s.delete('/y/1'), ERR_STORAGE_KEY_NOT_FOUND);
      assert.equal(s.currentRevision(), r);
    });

    it('list returns keys under a prefix in lexical order, isolated from sibling prefixes', async () => {
      const s = await open();
      for (const k of ['/registry/core/pods/ns/b', '/registry/core/podsx/ns/a', '/registry/core/pods/ns/a', '/registry/core/pods/ms/z', '/registry/core/pod', '/registry/core/pods/ns/a0']) {
        await s.create(k, k);
      }
      const res = await s.list('/registry/core/pods/');
      assert.deepEqual(res.items.map((i) => i.key), ['/registry/core/pods/ms/z', '/registry/core/pods/ns/a', '/registry/core/pods/ns/a0', '/registry/core/pods/ns/b']);
      assert.equal(res.revision, s.currentRevision());
      assert.equal(res.more, false);
      assert.deepEqual((await s.list('/registry/core/podsx/')).items.map((i) => i.key), ['/registry/core/podsx/ns/a']);
      assert.equal(await s.count('/registry/core/pods/'), 4);
      assert.equal(await s.count('/registry/core/'), 6);
      assert.equal(await s.count(''), 6);
      assert.equal((await s.list('')).items.length, 6);
      assert.deepEqual((await s.list('/nothing/')).items, []);
      await s.delete('/registry/core/pods/ns/a');
      assert.equal(await s.count('/registry/core/pods/'), 3);
    });

    it('list pages with limit and startAfter, reporting more and remaining', async () => {
      const s = await open();
      const keys = Array.from({ length: 7 }, (_, i) => `/p/k${i}`);
      for (const k of keys) await s.create(k, k);
      await s.create('/q/other', 'x');
      const seen: string[] = [];
      let startAfter: string | undefined;
      const pages: Array<[boolean, number | undefined]> = [];
      for (;;) {
        const page = await s.list('/p/', { limit: 3, ...(startAfter !== undefined ? { startAfter } : {}) });
        seen.push(...page.items.map((i) => i.key));
        pages.push([page.more, page.remaining]);
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1]!.key;
      }
      assert.deepEqual(seen, keys);
      assert.deepEqual(pages, [[true, 4], [true, 1], [false, 0]]);
      const exact = await s.list('/p/', { limit: 7 });
      assert.equal(exact.items.length, 7);
      assert.equal(exact.more, false);
      assert.deepEqual((await s.list('/p/', { startAfter: '/a' })).items.length, 7);
      assert.deepEqual((await s.list('/p/', { startAfter: '/p0' })).items, []);
    });

    it('list at an older revision sees the data as it was', async () => {
      const s = await open();
      const a1 = await s.create('/r/a', 'a1');
      await s.create('/r/b', 'b1');
      const r1 = s.currentRevision();
      await s.update('/r/a', 'a2', a1.modRevision);
      await s.delete('/r/b');
      await s.create('/r/c', 'c1');
      const old = await s.list('/r/', { revision: r1 });
      assert.equal(old.revision, r1);
      assert.deepEqual(old.items.map((i) => [i.key, i.value, i.modRevision]), [['/r/a', 'a1', a1.modRevision], ['/r/b', 'b1', r1]]);
      const now = await s.list('/r/');
      assert.deepEqual(now.items.map((i) => [i.key, i.value]), [['/r/a', 'a2'], ['/r/c', 'c1']]);
      const paged = await s.list('/r/', { revision: r1, limit: 1 });
      assert.deepEqual([paged.items.map((i) => i.key), paged.more, paged.remaining], [['/r/a'], true, 1]);
      const page2 = await s.list('/r/', { revision: r1, limit: 1, startAfter: '/r/a' });
      assert.deepEqual([page2.items.map((i) => i.key), page2.more], [['/r/b'], false]);
      await rejectsWith(s.list('/r/', { revision: s.currentRevision() + 1 }), ERR_STORAGE_FUTURE_REVISION);
    });

    it('watch from a revision replays every later change in order with prev values, then continues live', async () => {
      const s = await open();
      const a = await s.create('/w/a', 'a1');
      const start = s.currentRevision();
      const b = await s.create('/w/b', 'b1');
      await s.update('/w/a', 'a2', a.modRevision);
      await s.delete('/w/b', b.modRevision);
      const got: StoreEvent[] = [];
      const h = s.watch('/w/', { afterRevision: start, onEvent: (ev) => got.push(ev) });
      const c = await s.create('/w/c', 'c1');
      // Live delivery is synchronous with the write: by the time create resolved, the
      // watcher has the event (after the replay that was scheduled first).
      assert.equal(got.length, 4);
      await s.update('/w/c', 'c2', c.modRevision);
      assert.deepEqual(got.map(brief), [
        ['put', '/w/b', start + 1, 'b1', undefined],
        ['put', '/w/a', start + 2, 'a2', 'a1'],
        ['delete', '/w/b', start + 3, undefined, 'b1'],
        ['put', '/w/c', start + 4, 'c1', undefined],
        ['put', '/w/c', start + 5, 'c2', 'c1'],
      ]);
      const del = got[2]!;
      assert.equal(del.type, 'delete');
      if (del.type === 'delete') assert.equal(del.prev.modRevision, b.modRevision);
      const upd = got[1]!;
      if (upd.type === 'put') {
        assert.equal(upd.prev?.modRevision, a.modRevision);
        assert.equal(upd.kv.createRevision, a.createRevision);
      }
      h.cancel();
    });

    it('watch at the current revision is live immediately and sees each write before it resolves', async () => {
      const s = await open();
      await s.create('/w/x', '0');
      const got: StoreEvent[] = [];
      s.watch('/w/', { afterRevision: s.currentRevision(), onEvent: (ev) => got.push(ev) });
      for (let i = 1; i <= 20; i++) {
        const kv = await s.update('/w/x', String(i), s.currentRevision());
        assert.equal(got.length, i);
        assert.deepEqual(brief(got[i - 1]!), ['put', '/w/x', kv.modRevision, String(i), String(i - 1)]);
      }
      const revs = got.map((e) => brief(e)[2]);
      assert.deepEqual(revs, [...revs].sort((x, y) => x - y));
    });

    it('watch filters by prefix', async () => {
      const s = await open();
      const got: string[] = [];
      s.watch('/registry/core/pods/', { afterRevision: s.currentRevision(), onEvent: (ev) => got.push(brief(ev)[1]) });
      await s.create('/registry/core/pods/ns/a', '1');
      await s.create('/registry/core/podsx/ns/a', '1');
      await s.create('/registry/core/services/ns/a', '1');
      await s.create('/registry/core/pods/ns/b', '1');
      await s.delete('/registry/core/podsx/ns/a');
      assert.deepEqual(got, ['/registry/core/pods/ns/a', '/registry/core/pods/ns/b']);
    });

    it('replay from history also filters by prefix and does not duplicate or skip', async () => {
      const s = await open();
      const start = s.currentRevision();
      for (let i = 0; i < 30; i++) await s.create(`/${i % 2 ? 'odd' : 'even'}/${String(i).padStart(2, '0')}`, String(i));
      const got: number[] = [];
      s.watch('/even/', { afterRevision: start, onEvent: (ev) => got.push(brief(ev)[2]) });
      await settle();
      for (let i = 30; i < 34; i++) await s.create(`/${i % 2 ? 'odd' : 'even'}/${i}`, String(i));
      assert.deepEqual(got, Array.from({ length: 17 }, (_, j) => start + 1 + 2 * j));
    });

    it('writes made from inside a handler keep every watcher in revision order', async () => {
      const s = await open();
      const a: number[] = [];
      const b: number[] = [];
      const from = s.currentRevision();
      s.watch('/', {
        afterRevision: from,
        onEvent: (ev) => {
          a.push(brief(ev)[2]);
          if (brief(ev)[1] === '/t/1') void s.create('/t/2', 'from handler');
        },
      });
      s.watch('/', { afterRevision: from, onEvent: (ev) => b.push(brief(ev)[2]) });
      await s.create('/t/1', 'x');
      await settle();
      assert.deepEqual(a, [from + 1, from + 2]);
      assert.deepEqual(b, [from + 1, from + 2]);
    });

    it('cancel stops delivery and is idempotent; a throwing handler only ends its own watch', async () => {
      const s = await open();
      const got: string[] = [];
      const errors: Error[] = [];
      const h = s.watch('/c/', { afterRevision: s.currentRevision(), onEvent: (ev) => got.push(brief(ev)[1]) });
      s.watch('/c/', {
        afterRevision: s.currentRevision(),
        onEvent: () => {
          throw new Error('handler bug');
        },
        onError: (e) => errors.push(e),
      });
      await s.create('/c/1', '1');
      h.cancel();
      h.cancel();
      await s.create('/c/2', '2');
      assert.deepEqual(got, ['/c/1']);
      assert.deepEqual(errors.map((e) => e.message), ['handler bug']);
      assert.equal((await s.get('/c/2'))?.value, '2');
    });

    it('cancel during replay stops the replay', async () => {
      const s = await open();
      const start = s.currentRevision();
      for (let i = 0; i < 5; i++) await s.create(`/z/${i}`, String(i));
      const got: string[] = [];
      const h = s.watch('/z/', {
        afterRevision: start,
        onEvent: (ev) => {
          got.push(brief(ev)[1]);
          if (got.length === 2) h.cancel();
        },
      });
      await settle();
      await s.create('/z/9', '9');
      assert.deepEqual(got, ['/z/0', '/z/1']);
    });

    it('compaction makes old revisions unavailable while current data stays intact', async () => {
      const s = await open();
      const a = await s.create('/m/a', 'a1');
      await s.create('/m/b', 'b1');
      const old = s.currentRevision();
      const a2 = await s.update('/m/a', 'a2', a.modRevision);
      await s.delete('/m/b');
      await s.create('/m/c', 'c1');
      const mid = s.currentRevision();
      await s.update('/m/c', 'c2', mid);
      await s.compact(mid);
      assert.equal(s.compactedRevision(), mid + 1);
      await rejectsWith(s.list('/m/', { revision: old }), ERR_STORAGE_COMPACTED);
      await rejectsWith(s.list('/m/', { revision: mid }), ERR_STORAGE_COMPACTED);
      await assert.rejects(s.list('/m/', { revision: old }), /too old resource version/);
      assert.throws(() => s.watch('/m/', { afterRevision: old, onEvent: () => {} }), (e: unknown) => isStorageError(e, ERR_STORAGE_COMPACTED));
      assert.throws(() => s.watch('/m/', { afterRevision: mid - 1, onEvent: () => {} }), (e: unknown) => isStorageError(e, ERR_STORAGE_COMPACTED));
      const now = await s.list('/m/');
      assert.deepEqual(now.items.map((i) => [i.key, i.value]), [['/m/a', 'a2'], ['/m/c', 'c2']]);
      assert.equal((await s.get('/m/a'))?.modRevision, a2.modRevision);
      // Reads at the oldest readable revision and a watch right after the compaction point work.
      const atOldest = await s.list('/m/', { revision: mid + 1 });
      assert.deepEqual(atOldest.items.map((i) => i.value), ['a2', 'c2']);
      const got: StoreEvent[] = [];
      s.watch('/m/', { afterRevision: mid, onEvent: (ev) => got.push(ev) });
      await settle();
      assert.deepEqual(got.map(brief), [['put', '/m/c', mid + 1, 'c2', 'c1']]);
      // Writes continue normally; compacting again to an older point is a no-op.
      await s.update('/m/a', 'a3', a2.modRevision);
      await s.compact(old);
      assert.equal(s.compactedRevision(), mid + 1);
      await rejectsWith(s.compact(s.currentRevision() + 1), ERR_STORAGE_FUTURE_REVISION);
    });

    it('compaction keeps the value of a key last written before the compaction point', async () => {
      const s = await open();
      await s.create('/o/old', 'stays');
      const gone = await s.create('/o/gone', 'x');
      await s.delete('/o/gone', gone.modRevision);
      for (let i = 0; i < 10; i++) await s.create(`/o/n${i}`, String(i));
      await s.compact(s.currentRevision());
      assert.equal((await s.get('/o/old'))?.value, 'stays');
      assert.equal(await s.get('/o/gone'), undefined);
      assert.equal(await s.count('/o/'), 11);
      const recreated = await s.create('/o/gone', 'back');
      assert.equal(recreated.createRevision, recreated.modRevision);
    });

    it('a watch replaying when compaction passes it ends with ERR_STORAGE_COMPACTED', async () => {
      const s = await open();
      const start = s.currentRevision();
      for (let i = 0; i < 3; i++) await s.create(`/y/${i}`, String(i));
      const errors: string[] = [];
      s.watch('/y/', { afterRevision: start, onEvent: () => {}, onError: (e) => errors.push((e as { code?: string }).code ?? e.message) });
      await s.compact(s.currentRevision());
      await settle();
      assert.deepEqual(errors, [ERR_STORAGE_COMPACTED]);
    });

    it('close ends watches with ERR_STORAGE_CLOSED and rejects later calls', async () => {
      const f = await factory();
      const s = f.store;
      const errors: string[] = [];
      s.watch('/', { afterRevision: s.currentRevision(), onEvent: () => {}, onError: (e) => errors.push((e as { code?: string }).code ?? '') });
      await s.close();
      await s.close();
      assert.deepEqual(errors, [ERR_STORAGE_CLOSED]);
      await rejectsWith(s.get('/x'), ERR_STORAGE_CLOSED);
      await rejectsWith(s.create('/x', 'y'), ERR_STORAGE_CLOSED);
      assert.throws(() => s.watch('/', { afterRevision: 0, onEvent: () => {} }), (e: unknown) => isStorageError(e, ERR_STORAGE_CLOSED));
      await f.cleanup?.();
    });
  });
}
