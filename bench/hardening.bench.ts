// Hardening costs and limits (issue 14), against `bin/k8ts server` processes of this build.
//
// 1. Throughput: one server per VARIANT (a table: name, what it turns on, extra flags), all
//    started at once; rounds alternate between them, each round a batch of Secret creates and
//    a batch of GETs by the admin over keep-alive HTTPS. Reports per variant the median ops/s
//    and the server's CPU per request, and the cost against `baseline` in percent. A variant
//    is one row below: baseline, audit at Metadata level, encryption at rest, both.
// 2. Limits: on a baseline server, 1,000 idle TLS connections and 500 watches by one
//    (non-system:masters) user, then GETs by another client: the watches' answer codes (the
//    per-user cap refuses past 250 with 429) and the other client's GET p50/p99.
//
//   node dist/bench/hardening.bench.js [--rounds 8] [--variants baseline,audit-metadata] [--skip-limits]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { startServer, type ServerHandle } from './api/server-process.js';
import { percentile } from './api/stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The variants compared; `flags` gets a scratch dir for files a variant needs (policy, keys). */
interface Variant {
  name: string;
  about: string;
  flags(scratch: string): string[];
}

const AUDIT_METADATA_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`;

// A new cluster gets aescbc encryption for Secrets by default (src/apiserver/encryption/), so
// "off" is an explicit identity-only config and "on" the default a new cluster generates.
const IDENTITY_ONLY = JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }] });

function encryptionOff(scratch: string): string[] {
  const file = join(scratch, 'encryption-identity.json');
  writeFileSync(file, IDENTITY_ONLY);
  return ['--encryption-provider-config', file];
}

function auditMetadata(scratch: string): string[] {
  const file = join(scratch, 'audit-policy.yaml');
  writeFileSync(file, AUDIT_METADATA_POLICY);
  return ['--audit-policy-file', file];
}

export const VARIANTS: Variant[] = [
  { name: 'baseline', about: 'no audit log, Secrets stored as they are (identity)', flags: (scratch) => encryptionOff(scratch) },
  { name: 'audit-metadata', about: 'audit log, every request at Metadata level (JSON lines in <data-dir>/audit.log)', flags: (scratch) => [...encryptionOff(scratch), ...auditMetadata(scratch)] },
  { name: 'encryption', about: 'Secrets encrypted at rest (aescbc, the default a new cluster generates)', flags: () => [] },
  { name: 'both', about: 'encryption at rest (aescbc) and the Metadata-level audit log', flags: (scratch) => auditMetadata(scratch) },
];

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '8' }, variants: { type: 'string' }, 'skip-limits': { type: 'boolean', default: false }, concurrency: { type: 'string', default: '8' } },
  strict: true,
});
const ROUNDS = Number(args.rounds);
const CONC = Number(args.concurrency);
const BATCH = { create: 400, get: 2000 } as const;

setTimeout(() => {
  process.stderr.write('hardening.bench: hard time limit of 20 min reached\n');
  process.exit(2);
}, 20 * 60_000).unref();

const progress = (s: string): boolean => process.stderr.write(`hardening.bench: ${s}\n`);

interface Client {
  server: ServerHandle;
  agent: https.Agent;
}

function call(c: Client, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = https.request({ host: c.server.creds.host, port: c.server.creds.port, method, path, agent: c.agent, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } }, (m) => {
      let text = '';
      m.on('data', (d: Buffer) => (text += d.toString()));
      m.on('end', () => resolve({ code: m.statusCode ?? 0, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const secret = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: `value-of-${name}` } });

interface Side {
  v: Variant;
  c: Client;
  created: number;
  results: Record<'create' | 'get', { opsPerS: number[]; cpuUsPerReq: number[] }>;
}

async function batch(s: Side, mode: 'create' | 'get'): Promise<void> {
  const n = BATCH[mode];
  let next = 0;
  const ticks0 = cpuTicks(s.c.server.pid);
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const r = mode === 'create' ? await call(s.c, 'POST', '/api/v1/namespaces/default/secrets', secret(`s-${s.created++}`)) : await call(s.c, 'GET', `/api/v1/namespaces/default/secrets/seed-${i % 100}`);
      if (r.code !== 200 && r.code !== 201) throw new Error(`${s.v.name}: ${mode}: HTTP ${r.code}: ${r.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const ms = performance.now() - t0;
  const cpuMs = (cpuTicks(s.c.server.pid) - ticks0) * 10; // USER_HZ = 100
  s.results[mode].opsPerS.push((n / ms) * 1000);
  s.results[mode].cpuUsPerReq.push((cpuMs * 1000) / n);
}

function clientOf(server: ServerHandle, maxSockets: number): Client {
  return { server, agent: new https.Agent({ keepAlive: true, maxSockets, ca: server.creds.ca, cert: server.creds.cert, key: server.creds.key }) };
}

async function throughput(chosen: Variant[], scratch: string): Promise<Record<string, unknown>> {
  const sides: Side[] = [];
  try {
    for (const v of chosen) {
      const server = await startServer(ROOT, 'sqlite', 30_000, ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent', ...v.flags(scratch)]);
      sides.push({ v, c: clientOf(server, CONC), created: 0, results: { create: { opsPerS: [], cpuUsPerReq: [] }, get: { opsPerS: [], cpuUsPerReq: [] } } });
    }
    for (const s of sides) for (let i = 0; i < 100; i++) await call(s.c, 'POST', '/api/v1/namespaces/default/secrets', secret(`seed-${i}`));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order each round so neither side always runs second.
      const order = round % 2 ? [...sides].reverse() : sides;
      for (const s of order) await batch(s, 'create');
      for (const s of order) await batch(s, 'get');
      progress(`round ${round + 1}/${ROUNDS}`);
    }
    const base = sides.find((s) => s.v.name === 'baseline') ?? sides[0]!;
    const rows = sides.map((s) => {
      const row: Record<string, unknown> = { variant: s.v.name };
      for (const mode of ['create', 'get'] as const) {
        const ops = median(s.results[mode].opsPerS);
        const cpu = median(s.results[mode].cpuUsPerReq);
        row[`${mode}PerS`] = Math.round(ops);
        row[`${mode}CpuUs`] = Math.round(cpu);
        row[`${mode}CostPct`] = s === base ? 0 : Math.round(((median(base.results[mode].opsPerS) - ops) / median(base.results[mode].opsPerS)) * 1000) / 10;
      }
      return row;
    });
    console.log('\nthroughput (median of rounds; cost = throughput lost against baseline)');
    console.log('variant           creates/s  CPU µs/create  cost    GETs/s  CPU µs/GET  cost');
    for (const r of rows) {
      console.log(
        `${String(r.variant).padEnd(17)} ${String(r.createPerS).padStart(9)}  ${String(r.createCpuUs).padStart(13)}  ${String(r.createCostPct).padStart(4)}%  ${String(r.getPerS).padStart(7)}  ${String(r.getCpuUs).padStart(10)}  ${String(r.getCostPct).padStart(4)}%`,
      );
    }
    for (const s of sides) console.log(`  ${s.v.name}: ${s.v.about}`);
    return { rows };
  } finally {
    for (const s of sides) {
      s.c.agent.destroy();
      await s.c.server.stop();
    }
  }
}

async function limits(): Promise<Record<string, unknown>> {
  const server = await startServer(ROOT, 'sqlite', 30_000, ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent']);
  const admin = clientOf(server, 1);
  const sockets: Array<{ destroy(): void }> = [];
  try {
    const must = async (path: string, body: unknown): Promise<string> => {
      const r = await call(admin, 'POST', path, JSON.stringify(body));
      if (r.code !== 201) throw new Error(`POST ${path}: ${r.code} ${r.body}`);
      return r.body;
    };
    await must('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench-watcher' } });
    await must('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bench-watcher' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'bench-watcher', namespace: 'default' }],
    });
    const token = JSON.parse(await must('/api/v1/namespaces/default/serviceaccounts/bench-watcher/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).status.token as string;
    await must('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' }, data: { a: 'b' } });
    const { host, port, ca } = server.creds;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 1000 }, () => new Promise<void>((resolve, reject) => {
        const s = tls.connect({ host, port, ca, servername: 'localhost' }, () => resolve());
        s.on('error', reject);
        sockets.push(s);
      })),
    );
    const idleMs = performance.now() - t0;
    const codes = await Promise.all(
      Array.from({ length: 500 }, (_, i) => new Promise<number>((resolve, reject) => {
        const req = https.request({ host, port, ca, agent: false, path: `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=w%3D${i}`, headers: { Authorization: `Bearer ${token}` } }, (res) => {
          resolve(res.statusCode ?? 0);
          if (res.statusCode !== 200) res.resume();
        });
        req.on('error', reject);
        req.end();
        sockets.push(req);
      })),
    );
    const byCode: Record<string, number> = {};
    for (const c of codes) byCode[c] = (byCode[c] ?? 0) + 1;
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      const r = await call(admin, 'GET', '/api/v1/namespaces/default/configmaps/probe');
      times.push(performance.now() - t);
      if (r.code !== 200) throw new Error(`GET: ${r.code}`);
    }
    times.sort((a, b) => a - b);
    const out = { idleConnections: 1000, idleConnectMs: Math.round(idleMs), watches: 500, watchAnswers: byCode, getP50Ms: Math.round(percentile(times, 0.5) * 100) / 100, getP99Ms: Math.round(percentile(times, 0.99) * 100) / 100, getMaxMs: Math.round(times[times.length - 1]! * 100) / 100 };
    console.log('\nlimits: 1,000 idle TLS connections + 500 watches by one user, then 1,000 GETs by another client');
    console.log(`  watch answers: ${JSON.stringify(byCode)} (per-user cap 250)`);
    console.log(`  GET p50 ${out.getP50Ms} ms, p99 ${out.getP99Ms} ms, max ${out.getMaxMs} ms`);
    return out;
  } finally {
    for (const s of sockets) s.destroy();
    admin.agent.destroy();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const wanted = args.variants ? args.variants.split(',') : VARIANTS.map((v) => v.name);
  const chosen = VARIANTS.filter((v) => wanted.includes(v.name));
  if (chosen.length !== wanted.length) throw new Error(`unknown variant; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  const scratch = mkdtempSync(join(tmpdir(), 'k8ts-hardening-bench-'));
  try {
    const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
    const tp = await throughput(chosen, scratch);
    const lim = args['skip-limits'] ? undefined : await limits();
    console.log(`RESULT ${JSON.stringify({ date: new Date().toISOString(), machine, rounds: ROUNDS, concurrency: CONC, batch: BATCH, throughput: tp, limits: lim })}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`hardening.bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
