// Model check: the same pseudo-random operations (seeded) against MemoryStore and
// SqliteStore must give identical results, including lists at every readable revision
// and full watch replays, across repeated compactions.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import { brief, settle } from './testing/store-conformance.js';
import type { Store, StoreEvent } from './types.js';

/** mulberry32: a tiny deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await p);
  } catch (e) {
    return `error:${(e as { code?: string }).code}`;
  }
}

async function replay(s: Store, prefix: string, after: number): Promise<unknown[]> {
  const got: StoreEvent[] = [];
  const h = s.watch(prefix, { afterRevision: after, onEvent: (ev) => got.push(ev) });
  await settle();
  h.cancel();
  return got.map((ev) => [...brief(ev), ev.type === 'put' ? ev.prev?.modRevision : ev.prev.modRevision]);
}

it('MemoryStore and SqliteStore agree on random histories with compaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-equiv-'));
  const mem = new MemoryStore({ compactIntervalMs: 0 });
  const sql = new SqliteStore(join(dir, 'state.db'), { compactIntervalMs: 0, compactChunk: 7 });
  const rand = rng(42);
  const keys = Array.from({ length: 12 }, (_, i) => `/registry/${i % 3 === 0 ? 'a' : 'b'}/k${i}`);
  try {
    for (let step = 0; step < 1500; step++) {
      const key = keys[Math.floor(rand() * keys.length)]!;
      const r = rand();
      const value = `v${step}`;
      const guess = (s: Store): number => s.currentRevision() - Math.floor(rand() * 4);
      let a: string;
      let b: string;
      if (r < 0.35) {
        [a, b] = [await outcome(mem.create(key, value)), await outcome(sql.create(key, value))];
      } else if (r < 0.7) {
        const cur = (await mem.get(key))?.modRevision ?? 1;
        const expected = rand() < 0.8 ? cur : cur - 1;
        [a, b] = [await outcome(mem.update(key, value, expected)), await outcome(sql.update(key, value, expected))];
      } else if (r < 0.9) {
        const expected = rand() < 0.5 ? undefined : (await mem.get(key))?.modRevision;
        [a, b] = [await outcome(mem.delete(key, expected)), await outcome(sql.delete(key, expected))];
      } else if (r < 0.93) {
        const target = mem.currentRevision() - Math.floor(rand() * 30);
        [a, b] = [await outcome(mem.compact(target)), await outcome(sql.compact(target))];
      } else {
        const rev = guess(mem);
        const opts = { revision: rev, limit: Math.floor(rand() * 4) };
        [a, b] = [await outcome(mem.list('/registry/', opts)), await outcome(sql.list('/registry/', opts))];
      }
      assert.equal(b, a, `step ${step}`);
      assert.equal(sql.currentRevision(), mem.currentRevision());
      assert.equal(sql.compactedRevision(), mem.compactedRevision());
      if (step % 100 === 99) {
        for (let rev = mem.compactedRevision(); rev <= mem.currentRevision(); rev++) {
          assert.equal(await outcome(sql.list('/registry/b/', { revision: rev })), await outcome(mem.list('/registry/b/', { revision: rev })), `list at ${rev}`);
        }
        const from = mem.compactedRevision() - 1;
        assert.deepEqual(await replay(sql, '/registry/a/', from), await replay(mem, '/registry/a/', from));
        assert.deepEqual(await replay(sql, '', from), await replay(mem, '', from));
      }
    }
    assert.ok(mem.compactedRevision() > 100, 'compaction happened');
  } finally {
    await mem.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
