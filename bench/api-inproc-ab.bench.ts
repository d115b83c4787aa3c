// A/B of the API server of two (or more) builds inside one process: each build's
// startApiServer (SQLite store, unix loopback socket, no TLS) runs side by side, and batches of
// requests alternate between them for many rounds, so machine load and the heap are shared
// alike. Reports per build the median and minimum CPU time per request (client + server, which
// is the same work for every build). Cheaper and steadier than api-ab.bench.ts for small
// per-request differences; garbage collection is charged to whichever side triggers it.
//
//   node dist/bench/api-inproc-ab.bench.js --mode get|create [--rounds 40] DIR_A DIR_B [...]
//
// Each DIR is a checkout with a built dist/ (and node_modules).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({ options: { mode: { type: 'string', default: 'get' }, rounds: { type: 'string', default: '40' } }, allowPositionals: true, strict: true });
if (positionals.length < 2 || (args.mode !== 'get' && args.mode !== 'create')) {
  process.stderr.write('usage: node dist/bench/api-inproc-ab.bench.js --mode get|create [--rounds N] DIR_A DIR_B [...]\n');
  process.exit(2);
}
const ROUNDS = Number(args.rounds);
const BATCH = args.mode === 'create' ? 200 : 2000;
const SEED = 300;

interface Side {
  name: string;
  dir: string;
  sock: string;
  agent: http.Agent;
  close(): Promise<void>;
  cpuUsPerOp: number[];
  created: number;
}

interface ApiModule {
  startApiServer(o: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
}
interface StorageModule {
  SqliteStore: new (path: string) => { close(): Promise<void> };
}

async function startSide(root: string, i: number): Promise<Side> {
  const { startApiServer } = (await import(join(root, 'dist/src/apiserver/index.js'))) as ApiModule;
  const { SqliteStore } = (await import(join(root, 'dist/src/storage/index.js'))) as StorageModule;
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-inproc-ab-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  const sock = join(dir, 'api.sock');
  const api = await startApiServer({ store, dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCIDR: '10.43.0.0/16', nodePortRange: { from: 30000, to: 32767 }, loopbackSocket: sock });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    name: `${String.fromCharCode(65 + i)} ${root}`,
    dir,
    sock,
    agent,
    cpuUsPerOp: [],
    created: 0,
    close: async () => {
      agent.destroy();
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function send(s: Side, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolveCode, reject) => {
    const r = http.request({ socketPath: s.sock, method, path, agent: s.agent, headers: body ? { 'content-type': 'application/json' } : {} }, (m) => {
      m.resume();
      m.on('end', () => resolveCode(m.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end(body);
  });
}

const podBody = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const sides: Side[] = [];
  try {
    for (const [i, p] of positionals.entries()) sides.push(await startSide(resolve(p), i));
    for (const s of sides) for (let i = 0; i < SEED; i++) await send(s, 'POST', '/api/v1/namespaces/default/pods', podBody(`seed-${i}`));
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 ? [...sides].reverse() : sides) {
        const t0 = process.cpuUsage();
        for (let i = 0; i < BATCH; i++) {
          const code = args.mode === 'create' ? await send(s, 'POST', '/api/v1/namespaces/default/pods', podBody(`p-${s.created++}`)) : await send(s, 'GET', `/api/v1/namespaces/default/pods/seed-${i % SEED}`);
          if (code !== 200 && code !== 201) throw new Error(`${s.name}: HTTP ${code}`);
        }
        const d = process.cpuUsage(t0);
        s.cpuUsPerOp.push((d.user + d.system) / BATCH);
      }
    }
  } finally {
    for (const s of sides) await s.close();
  }
  const result: Record<string, { medianUs: number; minUs: number }> = {};
  for (const s of sides) {
    result[s.name] = { medianUs: Math.round(median(s.cpuUsPerOp) * 10) / 10, minUs: Math.round(Math.min(...s.cpuUsPerOp) * 10) / 10 };
    process.stdout.write(`${s.name}: ${args.mode} median ${result[s.name].medianUs} µs, min ${result[s.name].minUs} µs CPU per request (client + server)\n`);
  }
  process.stdout.write(`RESULT ${JSON.stringify({ date: new Date().toISOString(), mode: args.mode, rounds: ROUNDS, batch: BATCH, sides: result })}\n`);
}

await main();
