// RBAC on against off (issue 13): two API servers of this build in one process (SQLite, each
// with 1,000 Roles and 1,000 RoleBindings spread over 100 namespaces), one with the default
// authorizer chain (system:masters → node roles → RBAC), one with AuthenticatedAuthorizer
// (every authenticated user may do anything). A non-admin user (client certificate
// CN=bench-user, bound to `edit` in `default` on both) sends batches of GETs or creates over
// HTTPS with keep-alive; batches alternate between the two servers for many rounds, so load
// and heap are shared alike. Reports per side the median ops/s and CPU time per request
// (client + server in this process), and the RBAC cost in percent.
//
//   node dist/bench/rbac.bench.js [--rounds 20] [--concurrency 4]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { startApiServer, type RunningApiServer } from '../src/apiserver/index.js';
import { AuthenticatedAuthorizer } from '../src/apiserver/auth/authorizers.js';
import { SqliteStore } from '../src/storage/index.js';
import { signLeaf, type KeyPairPem } from '../src/pki/index.js';
import { RbacAuthorizer } from '../src/apiserver/auth/rbac/rbac-authorizer.js';
import { storePolicySource } from '../src/apiserver/auth/rbac/policy-source.js';
import type { RequestAttributes } from '../src/apiserver/auth/user.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, concurrency: { type: 'string', default: '4' } }, strict: true });
const ROUNDS = Number(args.rounds);
const CONC = Number(args.concurrency);
const NAMESPACES = 100;
const ROLES = 1000;
const SEED_PODS = 300;
const BATCH = { get: 2000, create: 300 } as const;

setTimeout(() => {
  process.stderr.write('rbac.bench: hard time limit of 20 min reached\n');
  process.exit(2);
}, 20 * 60_000).unref();

interface Side {
  name: 'rbac-off' | 'rbac-on';
  api: RunningApiServer;
  store: SqliteStore;
  dir: string;
  admin: http.Agent;
  user: https.Agent;
  created: number;
  results: Record<'get' | 'create', { opsPerS: number[]; cpuUs: number[] }>;
}

function request(s: Side, who: 'admin' | 'user', method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json' } : {};
    const done = (m: http.IncomingMessage): void => {
      m.resume();
      m.on('end', () => resolve(m.statusCode ?? 0));
    };
    const r =
      who === 'admin'
        ? http.request({ socketPath: join(s.dir, 'api.sock'), method, path, agent: s.admin, headers }, done)
        : https.request({ host: '127.0.0.1', port: s.api.port, method, path, agent: s.user, headers }, done);
    r.on('error', reject);
    r.end(body);
  });
}

async function must(s: Side, who: 'admin' | 'user', method: string, path: string, body?: string): Promise<void> {
  const code = await request(s, who, method, path, body);
  if (code >= 300) throw new Error(`${s.name}: ${method} ${path} as ${who}: HTTP ${code}`);
}

const json = (o: unknown): string => JSON.stringify(o);
const pod = (name: string): string => json({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

async function startSide(name: Side['name'], userCert: (caPem: KeyPairPem) => Promise<KeyPairPem>): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `k8ts-rbac-bench-${name}-`));
  const store = new SqliteStore(join(dir, 'state.db'));
  const api = await startApiServer({
    store, dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCIDR: '10.43.0.0/16', nodePortRange: { from: 30000, to: 32767 }, loopbackSocket: join(dir, 'api.sock'),
    authorizer: name === 'rbac-off' ? new AuthenticatedAuthorizer() : undefined,
  });
  const cert = await userCert(api.pki.ca);
  const side: Side = {
    name, api, store, dir, created: 0,
    admin: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    user: new https.Agent({ keepAlive: true, maxSockets: CONC, ca: api.pki.ca.cert, cert: cert.cert, key: cert.key }),
    results: { get: { opsPerS: [], cpuUs: [] }, create: { opsPerS: [], cpuUs: [] } },
  };
  const G = 'rbac.authorization.k8s.io';
  for (let n = 0; n < NAMESPACES; n++) await must(side, 'admin', 'POST', '/api/v1/namespaces', json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${n}` } }));
  for (let i = 0; i < ROLES; i++) {
    const ns = `team-${i % NAMESPACES}`;
    await must(side, 'admin', 'POST', `/apis/${G}/v1/namespaces/${ns}/roles`, json({ apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: `role-${i}`, namespace: ns }, rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'configmaps', 'deployments'], verbs: ['get', 'list', 'watch', 'create'] }, { apiGroups: [''], resources: ['secrets'], resourceNames: [`s-${i}`], verbs: ['get'] }] }));
    await must(side, 'admin', 'POST', `/apis/${G}/v1/namespaces/${ns}/rolebindings`, json({ apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: `binding-${i}`, namespace: ns }, roleRef: { apiGroup: G, kind: 'Role', name: `role-${i}` }, subjects: [{ kind: 'User', apiGroup: G, name: `user-${i}` }, { kind: 'Group', apiGroup: G, name: `group-${i % 37}` }, { kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns }] }));
  }
  await must(side, 'admin', 'POST', `/apis/${G}/v1/namespaces/default/rolebindings`, json({ apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: 'bench-user-edit', namespace: 'default' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: G, name: 'bench-user' }] }));
  for (let i = 0; i < SEED_PODS; i++) await must(side, 'admin', 'POST', '/api/v1/namespaces/default/pods', pod(`seed-${i}`));
  return side;
}

async function batch(s: Side, mode: 'get' | 'create'): Promise<void> {
  const n = BATCH[mode];
  let next = 0;
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const code = mode === 'get' ? await request(s, 'user', 'GET', `/api/v1/namespaces/default/pods/seed-${i % SEED_PODS}`) : await request(s, 'user', 'POST', '/api/v1/namespaces/default/pods', pod(`p-${s.created++}`));
      if (code !== 200 && code !== 201) throw new Error(`${s.name}: ${mode}: HTTP ${code}`);
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(t0);
  s.results[mode].opsPerS.push((n / wall) * 1000);
  s.results[mode].cpuUs.push((cpu.user + cpu.system) / n);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The authorizer alone on the RBAC side's policy: µs per decision when every request misses
 * the decision cache (distinct names) and when it hits, and the index rebuild after a change.
 */
function authorizerMicro(s: Side): { missUs: number; hitUs: number; rebuildMs: number } {
  const rbac = new RbacAuthorizer(storePolicySource((g, p) => s.api.core.store(g, p)));
  const user = { username: 'user-7', groups: ['group-7', 'system:authenticated'] };
  const a = (i: number): RequestAttributes => ({ user, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: 'team-7', name: `s-${i}` });
  let t = performance.now();
  rbac.authorize(a(-1));
  const rebuildMs = performance.now() - t;
  const N = 100_000;
  t = performance.now();
  for (let i = 0; i < N; i++) rbac.authorize(a(i));
  const missUs = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  for (let i = 0; i < N; i++) rbac.authorize(a(i % 1000));
  const hitUs = ((performance.now() - t) * 1000) / N;
  return { missUs, hitUs, rebuildMs };
}

let micro: { missUs: number; hitUs: number; rebuildMs: number } | undefined;

async function main(): Promise<void> {
  const sides: Side[] = [];
  try {
    // One client certificate for both sides' CAs: CN=bench-user, no groups but system:authenticated.
    const userCert = (ca: KeyPairPem): Promise<KeyPairPem> => signLeaf(ca, { commonName: 'bench-user', organizations: ['bench-team'], client: true });
    sides.push(await startSide('rbac-off', userCert), await startSide('rbac-on', userCert));
    // Sanity: on the RBAC side the user is refused outside its binding.
    const other = await request(sides[1], 'user', 'GET', '/api/v1/namespaces/team-1/pods');
    if (other !== 403) throw new Error(`rbac-on: expected 403 outside the binding, got ${other}`);
    micro = authorizerMicro(sides[1]);
    for (const mode of ['get', 'create'] as const) {
      for (const s of sides) await batch(s, mode); // warm-up, not recorded below
      for (const s of sides) s.results[mode] = { opsPerS: [], cpuUs: [] };
      for (let r = 0; r < ROUNDS; r++) for (const s of r % 2 ? [...sides].reverse() : sides) await batch(s, mode);
    }
  } finally {
    for (const s of sides) {
      s.admin.destroy();
      s.user.destroy();
      await s.api.close();
      await s.store.close();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
  const out: Record<string, unknown> = {};
  for (const mode of ['get', 'create'] as const) {
    const [off, on] = sides.map((s) => ({ ops: median(s.results[mode].opsPerS), cpu: median(s.results[mode].cpuUs) }));
    const opsCost = ((off.ops - on.ops) / off.ops) * 100;
    const cpuCost = ((on.cpu - off.cpu) / off.cpu) * 100;
    process.stdout.write(
      `${mode.padEnd(6)} RBAC off ${off.ops.toFixed(0)} ops/s, ${off.cpu.toFixed(1)} µs CPU/req | RBAC on ${on.ops.toFixed(0)} ops/s, ${on.cpu.toFixed(1)} µs CPU/req | throughput cost ${opsCost.toFixed(1)} %, CPU cost ${cpuCost.toFixed(1)} %\n`,
    );
    out[mode] = { offOpsPerS: Math.round(off.ops), onOpsPerS: Math.round(on.ops), offCpuUs: Math.round(off.cpu * 10) / 10, onCpuUs: Math.round(on.cpu * 10) / 10, throughputCostPct: Math.round(opsCost * 10) / 10, cpuCostPct: Math.round(cpuCost * 10) / 10 };
  }
  if (micro) process.stdout.write(`authorizer alone: ${micro.missUs.toFixed(2)} µs per decision on a cache miss, ${micro.hitUs.toFixed(2)} µs on a hit; index rebuild after an RBAC change ${micro.rebuildMs.toFixed(1)} ms\n`);
  process.stdout.write(`RESULT ${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, concurrency: CONC, roles: ROLES, bindings: ROLES, namespaces: NAMESPACES, ...out, authorizer: micro })}\n`);
}

await main();
