// Micro benchmark of both stores: creates/s, updates/s, get/s, list latency over 10k keys.
// Run: npx tsc -p tsconfig.json && node dist/bench/storage.bench.js

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, SqliteStore, type Store } from '../src/storage/index.js';

const N = 10_000;
const VALUE = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

function key(i: number): string {
  return `/registry/core/pods/default/pod-${String(i).padStart(6, '0')}`;
}

async function timed(label: string, ops: number, fn: () => Promise<void>): Promise<void> {
  const t0 = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`  ${label.padEnd(28)} ${String(Math.round((ops / ms) * 1000)).padStart(9)} ops/s  (${((ms * 1000) / ops).toFixed(1)} µs/op)`);
}

async function bench(name: string, store: Store): Promise<void> {
  console.log(name);
  await timed('create', N, async () => {
    for (let i = 0; i < N; i++) await store.create(key(i), VALUE);
  });
  await timed('update (CAS)', N, async () => {
    for (let i = 0; i < N; i++) {
      const rev = store.currentRevision() - N + 1; // the i-th key was written N-1 writes ago
      await store.update(key(i), VALUE, rev);
    }
  });
  await timed('get', N, async () => {
    for (let i = 0; i < N; i++) await store.get(key(i));
  });
  const lists = 20;
  await timed('list 10k keys (current)', lists, async () => {
    for (let i = 0; i < lists; i++) await store.list('/registry/core/pods/');
  });
  const old = store.currentRevision() - N / 2;
  await timed('list 10k keys (older rev)', lists, async () => {
    for (let i = 0; i < lists; i++) await store.list('/registry/core/pods/', { revision: old });
  });
  await timed('list page of 500 + remaining', 200, async () => {
    for (let i = 0; i < 200; i++) await store.list('/registry/core/pods/', { limit: 500, startAfter: key(i * 40) });
  });
  await timed('count 10k keys', 200, async () => {
    for (let i = 0; i < 200; i++) await store.count('/registry/core/pods/');
  });
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-'));
try {
  await bench('MemoryStore', new MemoryStore({ compactIntervalMs: 0 }));
  await bench('SqliteStore (WAL, synchronous=NORMAL)', new SqliteStore(join(dir, 'state.db'), { compactIntervalMs: 0 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
