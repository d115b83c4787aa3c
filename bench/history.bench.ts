// Object history: its storage cost per 1,000 object updates, and API write throughput with the
// history on against off. One in-process API server (memory store) per round, its REST client
// over the loopback socket; rounds alternate off/on so machine load hits both alike. Storage is
// measured in big segments (a burst: 1 MiB batches) and small ones (a trickle: a flush per 20 updates).
//   node dist/bench/history.bench.js [--objects 100] [--updates 4000] [--concurrency 16] [--rounds 2]
import { startTestApi } from '../src/testing/test-api.js';
import type { KObject } from '../src/api/types/index.js';
import { R } from '../src/client/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const OBJECTS = arg('objects', 100);
const UPDATES = arg('updates', 4000);
const CONC = arg('concurrency', 16);
const ROUNDS = arg('rounds', 2);

// A ConfigMap of ~800 B JSON (20 keys); each update changes one key's value.
const data = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'x'.repeat(24)]));
const body = (i: number): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench' } }, data } as KObject);

async function round(history: boolean): Promise<{ perSec: number; bytesPer1000?: number; rawPer1000?: number; tricklePer1000?: number }> {
  // A long flush interval: the round flushes once at its end, so segment sizes do not depend on timing.
  const api = await startTestApi({ history: history ? { flushIntervalMs: 3_600_000 } : false });
  try {
    const c = api.client;
    for (let i = 0; i < OBJECTS; i++) await c.create(R.configmaps, 'default', body(i));
    const rec = api.server.core.history;
    await rec?.flush();
    const before = rec?.storedBytes() ?? 0;
    let raw = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (next < UPDATES) {
        const n = next++;
        const out = await c.patch(R.configmaps, 'default', `bench-${n % OBJECTS}`, 'merge', { data: { [`key${n % 20}`]: `v${n}`.padEnd(24, 'y') } });
        raw += JSON.stringify(out).length;
      }
    }));
    const perSec = (UPDATES / (performance.now() - t0)) * 1000;
    if (!rec) return { perSec };
    await rec.flush();
    const bytesPer1000 = ((rec.storedBytes() - before) / UPDATES) * 1000;
    // A trickle: 1,000 more updates flushed every 20 (small segments compress less).
    const before2 = rec.storedBytes();
    for (let n = 0; n < 1000; n++) {
      await c.patch(R.configmaps, 'default', `bench-${n % OBJECTS}`, 'merge', { data: { key0: `t${n}`.padEnd(24, 'z') } });
      if (n % 20 === 19) await rec.flush();
    }
    await rec.flush();
    return { perSec, bytesPer1000, rawPer1000: (raw / UPDATES) * 1000, tricklePer1000: rec.storedBytes() - before2 };
  } finally {
    await api.stop();
  }
}

async function main(): Promise<void> {
  console.log(`history.bench: ${OBJECTS} ConfigMaps of ~${JSON.stringify(body(0)).length} B JSON, ${UPDATES} merge-patch updates per round, concurrency ${CONC}, ${ROUNDS} rounds off/on`);
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await round(false);
    off.push(a.perSec);
    const b = await round(true);
    on.push(b.perSec);
    console.log(`round ${r + 1}: history off ${a.perSec.toFixed(0)} updates/s; on ${b.perSec.toFixed(0)} updates/s; stored ${(b.bytesPer1000! / 1024).toFixed(1)} KiB per 1,000 updates (the objects as served: ${(b.rawPer1000! / 1024).toFixed(1)} KiB); flushed every 20 updates: ${(b.tricklePer1000! / 1024).toFixed(1)} KiB per 1,000`);
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`median: off ${med(off).toFixed(0)} updates/s, on ${med(on).toFixed(0)} updates/s (${((med(on) / med(off) - 1) * 100).toFixed(1)} %)`);
}

void main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
