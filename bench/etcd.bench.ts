// Writes through k8ts on etcd against raw etcd puts with the same number of clients, and the
// same k8ts writes on SQLite (issue 16):
//   1. raw: C concurrent loops of etcd txn puts (1 KB values, as our creates are txns) to an
//      N-member etcd (default 3 members, plain HTTP on 127.0.0.1, random ports);
//   2. k8ts on that etcd: `k8ts server --runtime simulated --datastore etcd://…`, C concurrent
//      loops of ConfigMap creates (1 KB of data) over HTTPS;
//   3. k8ts on SQLite: the same creates.
// Prints writes/s, p50 and p99 of each, and the ratios k8ts-on-etcd / raw etcd.
//   node dist/bench/etcd.bench.js [--members 3] [--clients 16] [--seconds 10]
// Needs /usr/bin/etcd (Debian etcd-server); no host lock (simulated runtime, free ports).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { newAgent } from './api/http.js';
import { call, closedLoop, type BenchContext, type LoopResult } from './api/loops.js';
import { startServer } from './api/server-process.js';
import { ErrorLog, r2, summarize } from './api/stats.js';
import { startTestEtcdCluster } from '../src/storage/testing/etcd-process.js';
import { createEtcdClient, parseEtcdSpec } from '../src/storage/index.js';

const { values } = parseArgs({ options: { members: { type: 'string', default: '3' }, clients: { type: 'string', default: '16' }, seconds: { type: 'string', default: '10' } } });
const members = Number(values.members);
const clients = Number(values.clients);
const durationMs = Number(values.seconds) * 1000;
const root = process.env.K8TS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../..');
const value = 'x'.repeat(1024);

interface Row {
  name: string;
  r: Pick<LoopResult, 'ops' | 'opsPerSec' | 'p50' | 'p99' | 'errors'>;
}

async function rawEtcd(spec: string): Promise<Row['r']> {
  const client = createEtcdClient(parseEtcdSpec(spec));
  const lat: number[] = [];
  let errors = 0;
  let seq = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          const key = Buffer.from(`/bench/raw/${seq++}`);
          const s = performance.now();
          try {
            // The same shape as EtcdStore.create: a txn that puts only when the key is new.
            await client.kv.txn({ compare: [{ key, target: 1, result: 0, create_revision: 0 }], success: [{ request_put: { key, value: Buffer.from(value) } }] }, { deadline: Date.now() + 10_000 });
            lat.push(performance.now() - s);
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    client.close();
  }
  return { ...summarize(lat, performance.now() - t0), errors };
}

async function throughK8ts(datastore: string, tag: string): Promise<Row['r']> {
  const server = await startServer(root, datastore, 60_000, ['--runtime', 'simulated', '--simulated-nodes', '0']);
  try {
    const ctx: BenchContext = { creds: server.creds, errors: new ErrorLog() };
    const agent = newAgent(server.creds, clients);
    await call(ctx, agent, 'POST', '/api/v1/namespaces', 201, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-etcd' } }) });
    const r = await closedLoop(ctx, tag, clients, { durationMs, maxOps: 1e9 }, async (_c, i) => {
      const s = performance.now();
      await call(ctx, agent, 'POST', '/api/v1/namespaces/bench-etcd/configmaps', 201, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { v: value } }) });
      return performance.now() - s;
    });
    agent.destroy();
    for (const [k, v] of ctx.errors.counts) console.log(`  errors ${k}: ${v}`);
    return r;
  } finally {
    await server.stop();
  }
}

const etcd = await startTestEtcdCluster(members);
const rows: Row[] = [];
try {
  rows.push({ name: `raw etcd txn puts (${members} members)`, r: await rawEtcd(etcd.spec) });
  rows.push({ name: `k8ts on etcd (${members} members): ConfigMap creates`, r: await throughK8ts(etcd.spec, 'etcd') });
} finally {
  await etcd.stop();
}
rows.push({ name: 'k8ts on SQLite: ConfigMap creates', r: await throughK8ts('sqlite', 'sqlite') });

console.log(`\n${clients} clients, ${durationMs / 1000} s each, 1 KB values; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
console.log('| case | writes/s | p50 ms | p99 ms | errors |');
console.log('|---|---:|---:|---:|---:|');
for (const { name, r } of rows) console.log(`| ${name} | ${r2(r.opsPerSec)} | ${r2(r.p50)} | ${r2(r.p99)} | ${r.errors} |`);
const [raw, onEtcd, onSqlite] = rows.map((x) => x.r);
console.log(`\nk8ts-on-etcd / raw etcd: writes/s ${r2(onEtcd!.opsPerSec / raw!.opsPerSec)}, p99 ${r2(onEtcd!.p99 / raw!.p99)}; k8ts on etcd / on SQLite: writes/s ${r2(onEtcd!.opsPerSec / onSqlite!.opsPerSec)}`);
console.log(`RESULT ${JSON.stringify({ members, clients, seconds: durationMs / 1000, rows: rows.map(({ name, r }) => ({ name, opsPerSec: r2(r.opsPerSec), p50: r2(r.p50), p99: r2(r.p99), errors: r.errors })) })}`);
