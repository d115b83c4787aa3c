import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isCompactionOverdue } from './auto-compaction.js';
import { openStore, storeReady } from './open-store.js';
import { EtcdStore } from './etcd/etcd-store.js';
import { SqliteStore } from './sqlite-store.js';
import { brief, runStoreConformance, settle } from './testing/store-conformance.js';
import { isStorageError, type StoreEvent } from './types.js';
import { ERR_STORAGE_UNAVAILABLE } from '../util/error-codes.js';

const root = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function freshPath(): string {
  return join(root, `s${n++}.db`);
}

runStoreConformance('SqliteStore', () => ({ store: new SqliteStore(freshPath(), { compactIntervalMs: 0 }) }));

// Small chunks exercise chunked compaction through the whole suite.
runStoreConformance('SqliteStore (compactChunk 2)', () => ({
  store: new SqliteStore(freshPath(), { compactIntervalMs: 0, compactChunk: 2 }),
}));

describe('SqliteStore', () => {
  it('data, revision and compaction point survive close and reopen', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 0 });
    const a = await s.create('/registry/core/pods/ns/a', '{"a":1}');
    await s.create('/registry/core/pods/ns/b', '{"b":1}');
    await s.update('/registry/core/pods/ns/a', '{"a":2}', a.modRevision);
    await s.compact(s.currentRevision() - 1);
    await s.delete('/registry/core/pods/ns/b');
    const rev = s.currentRevision();
    const compacted = s.compactedRevision();
    await s.close();

    const t = new SqliteStore(path, { compactIntervalMs: 0 });
    assert.equal(t.currentRevision(), rev);
    assert.equal(t.compactedRevision(), compacted);
    const kv = await t.get('/registry/core/pods/ns/a');
    assert.deepEqual({ ...kv }, { key: '/registry/core/pods/ns/a', value: '{"a":2}', createRevision: a.createRevision, modRevision: a.modRevision + 2 });
    assert.equal(await t.get('/registry/core/pods/ns/b'), undefined);
    const next = await t.create('/x', 'y');
    assert.equal(next.modRevision, rev + 1);
    await t.close();
  });

  it('keeps the revision of a trailing delete across compaction and restart', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 0 });
    await s.create('/k', 'v');
    await s.delete('/k');
    const rev = s.currentRevision();
    await s.compact(rev);
    assert.equal(s.stats().logRows, 0);
    await s.close();
    const t = new SqliteStore(path, { compactIntervalMs: 0 });
    assert.equal(t.currentRevision(), rev);
    assert.equal((await t.create('/k', 'again')).modRevision, rev + 1);
    await t.close();
  });

  it('a watch from an old revision replays history written before a restart', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 0 });
    const start = s.currentRevision();
    const a = await s.create('/w/a', '1');
    await s.update('/w/a', '2', a.modRevision);
    await s.close();
    const t = new SqliteStore(path, { compactIntervalMs: 0 });
    const got: StoreEvent[] = [];
    t.watch('/w/', { afterRevision: start, onEvent: (ev) => got.push(ev) });
    await settle();
    assert.deepEqual(got.map(brief), [['put', '/w/a', start + 1, '1', undefined], ['put', '/w/a', start + 2, '2', '1']]);
    await t.close();
  });

  it('refuses a second open of the same file while the first is open', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 0 });
    await s.create('/k', 'v');
    assert.throws(() => new SqliteStore(path, { compactIntervalMs: 0, busyTimeoutMs: 0 }), (e: unknown) => isStorageError(e, ERR_STORAGE_UNAVAILABLE) && /locked/.test(e.message));
    await s.close();
  });

  it('history stays bounded under repeated updates with automatic compaction', async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 0, retainRevisions: 200 });
    const keys = 50;
    const value = 'x'.repeat(2000);
    for (let k = 0; k < keys; k++) await s.create(`/b/${k}`, value);
    let maxRows = 0;
    let maxPages = 0;
    for (let round = 0; round < 60; round++) {
      for (let k = 0; k < keys; k++) {
        const cur = await s.get(`/b/${k}`);
        await s.update(`/b/${k}`, value + round, cur!.modRevision);
      }
      await s.autoCompact();
      const st = s.stats();
      maxRows = Math.max(maxRows, st.logRows);
      if (round >= 10) maxPages = Math.max(maxPages, st.pageCount);
      // Per key the newest row <= the compaction point, plus the 200 retained revisions.
      assert.ok(st.logRows <= keys + 200, `log rows ${st.logRows}`);
      assert.equal(st.liveKeys, keys);
    }
    assert.equal(s.currentRevision(), 1 + keys * 61);
    // 3050 writes of ~2 KB: without compaction the log alone would need ~1500+ pages.
    assert.ok(maxPages < 600, `page count ${maxPages}`);
    assert.ok(maxRows >= 200);
    await s.close();
    assert.ok(statSync(path).size < 600 * 4096);
  });

  it('lists 10,000 keys by prefix through a range scan', async () => {
    const s = new SqliteStore(freshPath(), { compactIntervalMs: 0 });
    for (let i = 0; i < 10_000; i++) await s.create(`/registry/core/pods/ns/p${String(i).padStart(5, '0')}`, '{}');
    await s.create('/registry/core/podsx/ns/q', '{}');
    const res = await s.list('/registry/core/pods/');
    assert.equal(res.items.length, 10_000);
    assert.equal(res.items[0]!.key, '/registry/core/pods/ns/p00000');
    assert.equal(res.items[9_999]!.key, '/registry/core/pods/ns/p09999');
    const page = await s.list('/registry/core/pods/', { limit: 500, startAfter: '/registry/core/pods/ns/p04999' });
    assert.deepEqual([page.items[0]!.key, page.more, page.remaining], ['/registry/core/pods/ns/p05000', true, 4500]);
    await s.close();
  });
});

describe('openStore', () => {
  it('opens sqlite in <dataDir>/state.db, memory and etcd, and refuses malformed values', async () => {
    const dir = join(root, 'data', 'nested');
    const s = openStore('sqlite', dir, { compactIntervalMs: 0 });
    await s.create('/k', 'v');
    await s.close();
    assert.ok(statSync(join(dir, 'state.db')).isFile());
    const m = openStore('memory', dir);
    assert.equal(await m.get('/k'), undefined);
    await m.close();
    // etcd:// opens an EtcdStore that connects in the background (src/storage/etcd/, tested
    // against a real etcd there); nothing listens on port 1, so readiness fails with one line.
    const e = openStore('etcd://127.0.0.1:1', dir);
    assert.ok(e instanceof EtcdStore);
    await assert.rejects(storeReady(e), /cannot reach etcd at http:\/\/127\.0\.0\.1:1 .*: start etcd there or fix --datastore/);
    await e.close();
    assert.throws(() => openStore('etcd://', dir), /names no etcd endpoint/);
    assert.throws(() => openStore('postgres', dir), /unknown datastore/);
  });

  it('maps failures to open into ERR_STORAGE_UNAVAILABLE', async () => {
    assert.throws(() => new SqliteStore(join(root, 'missing-dir', 'x', 'state.db')), (e: unknown) => isStorageError(e, ERR_STORAGE_UNAVAILABLE));
  });
});

describe('SqliteStore: bounded under churn', () => {
  it('isCompactionOverdue: only past retain + maxUncompacted revisions above the point; 0 disables', () => {
    assert.equal(isCompactionOverdue(11_000, 0, 1000, 10_000), false);
    assert.equal(isCompactionOverdue(11_001, 0, 1000, 10_000), true);
    assert.equal(isCompactionOverdue(21_001, 10_000, 1000, 10_000), true);
    assert.equal(isCompactionOverdue(1_000_000, 0, 1000, 0), false);
  });

  it('compacts early, without waiting for its timer, once too many revisions piled up; the file does not grow without bound', { timeout: 60_000 }, async () => {
    const path = freshPath();
    const s = new SqliteStore(path, { compactIntervalMs: 3_600_000, retainRevisions: 10, maxUncompactedRevisions: 100 });
    const value = JSON.stringify({ pad: 'x'.repeat(4000) });
    let rev = (await s.create('/registry/core/pods/ns/a', value)).modRevision;
    const pagesAfter: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 200; i++) rev = (await s.update('/registry/core/pods/ns/a', value, rev)).modRevision;
      // The early compaction runs on the next turn of the event loop, after the write that made it due.
      for (let i = 0; i < 100 && s.stats().logRows > 111; i++) await new Promise((r) => setImmediate(r));
      pagesAfter.push(s.stats().pageCount);
    }
    assert.ok(s.compactedRevision() > 900, `compacted to ${s.compactedRevision()}`);
    assert.ok(s.stats().logRows <= 111, `${s.stats().logRows} log rows kept`);
    // Every round writes 800 KB; compaction hands the space to the next round instead of growing the file.
    assert.ok(pagesAfter[4] <= pagesAfter[0] * 1.5, `page count per round: ${pagesAfter.join(', ')}`);
    await s.close();
  });

  it('a database made without auto_vacuum is converted at open, so compaction can give space back', async () => {
    const path = freshPath();
    const raw = new Database(path);
    raw.exec('CREATE TABLE unrelated (x)');
    assert.equal(raw.pragma('auto_vacuum', { simple: true }), 0);
    raw.close();
    const s = new SqliteStore(path, { compactIntervalMs: 0 });
    await s.close();
    const again = new Database(path);
    assert.equal(again.pragma('auto_vacuum', { simple: true }), 2, 'INCREMENTAL');
    again.close();
  });
});

describe('SqliteStore: group commit', () => {
  /** Counts the store's commits (one SQLite transaction per batch). */
  function countCommits(s: SqliteStore): { commits: number; fail: boolean } {
    const probe = { commits: 0, fail: false };
    const inner = s as unknown as { txBatch: (ops: unknown[]) => void };
    const tx = inner.txBatch;
    inner.txBatch = (ops) => {
      probe.commits++;
      if (probe.fail) throw new Error('disk I/O error (test)');
      tx(ops);
    };
    return probe;
  }

  it('writes issued in one turn share one commit, take revisions in call order and are visible only once committed', { timeout: 10_000 }, async () => {
    const s = new SqliteStore(freshPath(), { compactIntervalMs: 0 });
    const probe = countCommits(s);
    const seen: number[] = [];
    const w = s.watch('/k/', { afterRevision: s.currentRevision(), onEvent: (e) => seen.push(e.type === 'put' ? e.kv.modRevision : e.revision), onError: () => undefined });
    const base = s.currentRevision();
    const writes = Array.from({ length: 50 }, (_, i) => s.create(`/k/${i}`, `v${i}`));
    // Taken, not committed: nothing is visible yet.
    assert.equal(s.currentRevision(), base);
    assert.equal(await s.get('/k/0'), undefined);
    assert.equal(seen.length, 0);
    const kvs = await Promise.all(writes);
    assert.deepEqual(kvs.map((kv) => kv.modRevision), Array.from({ length: 50 }, (_, i) => base + 1 + i));
    assert.equal(probe.commits, 1);
    assert.equal(s.currentRevision(), base + 50);
    assert.deepEqual(seen, kvs.map((kv) => kv.modRevision));
    assert.equal((await s.get('/k/49'))?.value, 'v49');
    w.cancel();
    await s.close();
  });

  it('checks preconditions against the writes still pending in the batch', { timeout: 10_000 }, async () => {
    const s = new SqliteStore(freshPath(), { compactIntervalMs: 0 });
    const a = await s.create('/k/a', '1');
    const results = await Promise.allSettled([
      s.create('/k/b', '1'),
      s.create('/k/b', '2'), // the first create of b is pending: exists
      s.update('/k/a', '2', a.modRevision),
      s.update('/k/a', '3', a.modRevision), // a pending update moved a on: conflict
      s.delete('/k/a'),
      s.create('/k/a', '4'), // re-created after the pending delete
      s.update('/k/nope', 'x', 1),
    ]);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code)), [
      'ok',
      'ERR_STORAGE_KEY_EXISTS',
      'ok',
      'ERR_STORAGE_CONFLICT',
      'ok',
      'ok',
      'ERR_STORAGE_KEY_NOT_FOUND',
    ]);
    const recreated = (results[5] as PromiseFulfilledResult<{ createRevision: number; modRevision: number }>).value;
    assert.equal(recreated.createRevision, recreated.modRevision);
    assert.equal((await s.get('/k/a'))?.value, '4');
    assert.equal((await s.get('/k/b'))?.value, '1');
    // The same history after a reopen: every row of the batch was committed in order.
    const path = s.path;
    const rev = s.currentRevision();
    await s.close();
    const r = new SqliteStore(path, { compactIntervalMs: 0 });
    assert.equal(r.currentRevision(), rev);
    assert.equal((await r.get('/k/a'))?.createRevision, recreated.createRevision);
    await r.close();
  });

  it('a failed commit rejects every write of its batch and gives their revisions back', { timeout: 10_000 }, async () => {
    const s = new SqliteStore(freshPath(), { compactIntervalMs: 0 });
    const probe = countCommits(s);
    const base = s.currentRevision();
    probe.fail = true;
    const failed = await Promise.allSettled([s.create('/k/x', '1'), s.create('/k/y', '1')]);
    for (const f of failed) {
      assert.equal(f.status, 'rejected');
      assert.equal((f as PromiseRejectedResult).reason.code, ERR_STORAGE_UNAVAILABLE);
    }
    probe.fail = false;
    assert.equal(s.currentRevision(), base);
    const next = await s.create('/k/x', '2');
    assert.equal(next.modRevision, base + 1);
    await s.close();
  });

  it('close() commits the writes already taken', { timeout: 10_000 }, async () => {
    const s = new SqliteStore(freshPath(), { compactIntervalMs: 0 });
    const w = s.create('/k/late', 'v');
    await s.close();
    assert.equal((await w).value, 'v');
    const r = new SqliteStore(s.path, { compactIntervalMs: 0 });
    assert.equal((await r.get('/k/late'))?.value, 'v');
    await r.close();
  });
});
