// API limits and the audit log against a real server process (issue 14): a self-doubling
// JSON patch fails fast and memory stays flat, objects past the storage limit get 413, the
// in-flight and watch caps answer 429 with Retry-After, a slow request gets 504, 1,000 idle
// connections and 500 watches from one client leave other clients served, and the audit log
// records a Secret's create at Metadata level.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ClientRequest } from 'node:http';
import { startCluster, eventually, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';
import { bounded } from '../../src/testing/bounded.js';

let c: TestCluster;
let creds: Creds;
/** A cluster-admin that is not in system:masters (which no limit applies to, as upstream). */
let userToken: string;
const sockets: Array<{ destroy(): void }> = [];

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
- level: None
  users: ["system:apiserver"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets"]
- level: RequestResponse
  namespaces: ["k8ts-test-audit"]
- level: Metadata
  omitStages: [ResponseStarted]
`;

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-test-limits-'));
  writeFileSync(join(dataDir, 'audit-policy.yaml'), POLICY);
  c = await startCluster({
    dataDir,
    extraArgs: ['--disable', 'controllers,scheduler,agent', '--request-timeout', '2s', '--max-mutating-requests-inflight', '3', '--audit-policy-file', join(dataDir, 'audit-policy.yaml')],
  });
  creds = credsFromKubeconfig(c.kubeconfig);
  const post = async (path: string, body: unknown): Promise<void> => {
    const r = await api(creds, 'POST', path, JSON.stringify(body));
    assert.ok(r.status === 201 || r.status === 409, r.body);
  };
  await post('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'k8ts-test-limits' } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'k8ts-test-limits' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'k8ts-test-limits', namespace: 'default' }],
  });
  const tr = await api(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/k8ts-test-limits/token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
  assert.equal(tr.status, 201, tr.body);
  userToken = tr.json().status.token;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await c?.stop();
  c?.cleanup();
});

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

const asUser = (): Record<string, string> => ({ Authorization: `Bearer ${userToken}` });

/** A POST whose body never finishes: it holds its request open until the socket is destroyed. */
function slowPost(path: string, headers: Record<string, string>): { req: ClientRequest; response: Promise<{ status: number; headers: Record<string, unknown>; body: string }> } {
  const url = new URL(path, creds.server);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    req = request(url, { method: 'POST', ca: creds.ca, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': '1000', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write('{"apiVersion":"v1",');
  });
  response.catch(() => undefined);
  sockets.push(req);
  return { req, response };
}

describe('size limits', () => {
  it('a 40-op self-doubling copy patch fails fast with 422 and the server memory stays flat', { timeout: 60_000 }, async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-bomb', namespace: 'default' }, data: { seed: 'x'.repeat(64 * 1024) } };
    assert.equal((await api(creds, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm))).status, 201);
    const before = rssMB(c.proc.pid!);
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/data', path: `/data/c${i}` }));
    const t0 = performance.now();
    const r = await api(creds, 'PATCH', '/api/v1/namespaces/default/configmaps/k8ts-test-bomb', JSON.stringify(ops), { 'Content-Type': 'application/json-patch+json' }, { timeoutMs: 20_000 });
    const ms = performance.now() - t0;
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json().reason, 'Invalid');
    const after = rssMB(c.proc.pid!);
    console.log(`# 40-op copy patch: ${r.status} in ${ms.toFixed(0)} ms; server RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB after`);
    assert.ok(after - before < 50, `RSS grew by ${(after - before).toFixed(1)} MB`);
    // The object is unchanged and the server answers.
    const got = await api(creds, 'GET', '/api/v1/namespaces/default/configmaps/k8ts-test-bomb');
    assert.deepEqual(Object.keys(got.json().data), ['seed']);
  });

  it('objects past 1.5 MiB are refused with 413 on create and after a merge patch', { timeout: 60_000 }, async () => {
    // A kind without a size rule of its own (a ConfigMap's data stops at 1 MiB in validation).
    const big = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'k8ts-test-big' }, revision: 1, data: { a: 'y'.repeat(1600 * 1024) } };
    const r = await api(creds, 'POST', '/apis/apps/v1/namespaces/default/controllerrevisions', JSON.stringify(big));
    assert.equal(r.status, 413, r.body);
    assert.equal(r.json().reason, 'RequestEntityTooLarge');
    assert.match(r.json().message, /request is too large/);
    const small = await api(creds, 'POST', '/apis/apps/v1/namespaces/default/controllerrevisions', JSON.stringify({ ...big, data: { a: 'y'.repeat(1400 * 1024) } }));
    assert.equal(small.status, 201, small.body.slice(0, 300));
    const p = await api(creds, 'PATCH', '/api/v1/namespaces/default/configmaps/k8ts-test-bomb', JSON.stringify({ data: { more: 'z'.repeat(1600 * 1024) } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(p.status, 413, p.body);
    // Bodies past 3 MiB never get read.
    const huge = await api(creds, 'POST', '/apis/apps/v1/namespaces/default/controllerrevisions', JSON.stringify({ ...big, data: { a: 'y'.repeat(3200 * 1024) } }));
    assert.equal(huge.status, 413);
  });
});

describe('request limits', () => {
  it('mutating requests past --max-mutating-requests-inflight get 429 with Retry-After; system:masters is exempt', { timeout: 60_000 }, async () => {
    const held = [0, 1, 2].map(() => slowPost('/api/v1/namespaces/default/configmaps', asUser()));
    const seen: number[] = [];
    // The held requests are in flight once the server has them; the next one is refused.
    const r = await eventually(async () => {
      const x = await api(creds, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'k8ts-test-' } }), asUser(), { anonymous: true });
      seen.push(x.status);
      return x.status === 429 ? x : undefined;
    }, 10_000).catch((e) => {
      throw new Error(`${(e as Error).message}; answers: ${seen.join(',')}`);
    });
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json().reason, 'TooManyRequests');
    assert.equal(r.json().details.retryAfterSeconds, 1);
    // The admin (system:masters) is never limited; reads are counted apart.
    assert.equal((await api(creds, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'k8ts-test-' } }))).status, 201);
    assert.equal((await api(creds, 'GET', '/api/v1/namespaces/default/configmaps', undefined, asUser(), { anonymous: true })).status, 200);
    // The held requests time out (--request-timeout 2s) with upstream's 504.
    const t = await bounded(held[0].response, 10_000, 'the held request to time out');
    assert.equal(t.status, 504, t.body);
    const st = JSON.parse(t.body);
    assert.equal(st.reason, 'Timeout');
    assert.equal(st.message, 'Timeout: request did not complete within requested timeout - context deadline exceeded');
    for (const h of held) h.req.destroy();
    // Released: the user writes again.
    await eventually(async () => (await api(creds, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'k8ts-test-' } }), asUser(), { anonymous: true })).status === 201, 10_000);
  });

  it('1,000 idle connections and 500 watches from one client: watches past the cap get 429, other clients keep being served (GET p99 < 100 ms)', { timeout: 120_000 }, async () => {
    const url = new URL(creds.server);
    const opened: TLSSocket[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, () =>
        new Promise<void>((resolve, reject) => {
          const s = tlsConnect({ host: url.hostname, port: Number(url.port), ca: creds.ca, servername: 'localhost' }, () => resolve());
          s.on('error', reject);
          opened.push(s);
          sockets.push(s);
        }),
      ),
    );
    // 500 watches by one user over their own connections; the per-user cap (250) refuses the rest.
    const codes = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        new Promise<number>((resolve, reject) => {
          const req = request(new URL(`/api/v1/namespaces/default/configmaps?watch=1&labelSelector=w%3D${i}`, creds.server), { ca: creds.ca, agent: false, headers: asUser() }, (res) => {
            resolve(res.statusCode ?? 0);
            if (res.statusCode !== 200) res.resume();
          });
          req.on('error', reject);
          req.end();
          sockets.push(req);
        }),
      ),
    );
    const ok = codes.filter((s) => s === 200).length;
    const refused = codes.filter((s) => s === 429).length;
    assert.equal(ok, 250, `codes: ${JSON.stringify(codes.reduce<Record<number, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {}))}`);
    assert.equal(refused, 250);
    // Another client, one keep-alive connection: every GET answered, p99 under 100 ms.
    const { Agent } = await import('node:https');
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: creds.ca, cert: creds.cert, key: creds.key });
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const r = await api(creds, 'GET', '/api/v1/namespaces/default/configmaps/k8ts-test-bomb', undefined, {}, { agent });
      times.push(performance.now() - t0);
      assert.equal(r.status, 200);
    }
    agent.destroy();
    times.sort((a, b) => a - b);
    const p99 = times[Math.floor(times.length * 0.99) - 1];
    console.log(`# with 1000 idle connections and 250 open watches: GET p50 ${times[150].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    assert.ok(p99 < 100, `GET p99 ${p99.toFixed(1)} ms`);
    for (const s of opened) s.destroy();
  });
});

describe('audit log', () => {
  it('records the create of a Secret at Metadata level with user, verb, resource and code, and answers with Audit-Id', { timeout: 60_000 }, async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k8ts-test-audit-secret' }, stringData: { password: 'k8ts-test-do-not-log-me' } };
    const r = await api(creds, 'POST', '/api/v1/namespaces/default/secrets', JSON.stringify(secret), { 'User-Agent': 'k8ts-test-audit/1.0' });
    assert.equal(r.status, 201, r.body);
    const auditID = r.headers['audit-id'];
    assert.match(String(auditID), /^[0-9a-f-]{36}$/);
    const logPath = join(c.dataDir, 'audit.log');
    const ev = await eventually(() => {
      const lines = readFileSync(logPath, 'utf8').trim().split('\n');
      return lines.map((l) => JSON.parse(l)).find((e) => e.auditID === auditID && e.stage === 'ResponseComplete');
    }, 10_000);
    assert.equal(ev.kind, 'Event');
    assert.equal(ev.apiVersion, 'audit.k8s.io/v1');
    assert.equal(ev.level, 'Metadata');
    assert.equal(ev.verb, 'create');
    assert.equal(ev.requestURI, '/api/v1/namespaces/default/secrets');
    assert.equal(ev.user.username, 'system:admin');
    assert.ok(ev.user.groups.includes('system:masters'));
    assert.deepEqual(ev.objectRef, { resource: 'secrets', namespace: 'default', name: 'k8ts-test-audit-secret', apiVersion: 'v1' });
    assert.equal(ev.responseStatus.code, 201);
    assert.equal(ev.userAgent, 'k8ts-test-audit/1.0');
    assert.deepEqual(ev.sourceIPs, ['127.0.0.1']);
    assert.equal(ev.annotations['authorization.k8s.io/decision'], 'allow');
    assert.match(ev.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(ev.requestObject, undefined);
    const log = readFileSync(logPath, 'utf8');
    assert.ok(!log.includes('k8ts-test-do-not-log-me'), 'the secret value is in the audit log');
    // omitStages: RequestReceived is never logged.
    assert.ok(!log.includes('"stage":"RequestReceived"'));
  });

  it('kubectl create secret is recorded at Metadata level, without the secret', { timeout: 60_000 }, async () => {
    await c.k(['create', 'secret', 'generic', 'k8ts-test-kubectl-secret', '--from-literal=token=k8ts-test-kubectl-value']);
    const ev = await eventually(() => {
      const all = readFileSync(join(c.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      return all.find((e) => e.verb === 'create' && e.objectRef?.name === 'k8ts-test-kubectl-secret' && e.stage === 'ResponseComplete');
    }, 10_000);
    assert.equal(ev.level, 'Metadata');
    assert.equal(ev.user.username, 'system:admin');
    assert.equal(ev.objectRef.resource, 'secrets');
    assert.equal(ev.responseStatus.code, 201);
    assert.match(ev.userAgent, /^kubectl\//);
    assert.ok(!readFileSync(join(c.dataDir, 'audit.log'), 'utf8').includes('k8ts-test-kubectl-value'));
  });

  it('RequestResponse keeps bodies; refusals record the code and the forbid decision; watches log ResponseStarted', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k8ts-test-audit' } }));
    const r = await api(creds, 'POST', '/api/v1/namespaces/k8ts-test-audit/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rr' }, data: { k: 'v' } }));
    assert.equal(r.status, 201);
    const anon = await api(creds, 'GET', '/api/v1/namespaces/default/secrets', undefined, { Authorization: `Bearer ${userToken}x` }, { anonymous: true });
    assert.equal(anon.status, 401);
    // A user without rights: 403 with the forbid decision.
    await api(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts', JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'k8ts-test-nobody' } }));
    const tr = await api(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/k8ts-test-nobody/token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
    const nobody = await api(creds, 'GET', '/api/v1/namespaces/default/secrets', undefined, { Authorization: `Bearer ${tr.json().status.token}` }, { anonymous: true });
    assert.equal(nobody.status, 403);
    const w = await api(creds, 'GET', '/api/v1/namespaces/k8ts-test-audit/configmaps?watch=1&timeoutSeconds=1', undefined, {}, { timeoutMs: 10_000 });
    assert.equal(w.status, 200);
    const events = await eventually(() => {
      const all = readFileSync(join(c.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const byId = (id: unknown): any[] => all.filter((e) => e.auditID === id);
      const done = byId(w.headers['audit-id']).some((e) => e.stage === 'ResponseComplete') && byId(nobody.headers['audit-id']).length > 0 && byId(anon.headers['audit-id']).length > 0;
      return done ? byId : undefined;
    }, 10_000);
    const rr = events(r.headers['audit-id']).find((e) => e.stage === 'ResponseComplete');
    assert.equal(rr.level, 'RequestResponse');
    assert.equal(rr.requestObject.data.k, 'v');
    assert.equal(rr.responseObject.metadata.name, 'rr');
    const unauth = events(anon.headers['audit-id']).find((e) => e.stage === 'ResponseComplete');
    assert.equal(unauth.responseStatus.code, 401);
    assert.equal(unauth.user.username, 'system:anonymous');
    assert.equal(unauth.verb, 'list');
    const denied = events(nobody.headers['audit-id']).find((e) => e.stage === 'ResponseComplete');
    assert.equal(denied.responseStatus.code, 403);
    assert.equal(denied.responseStatus.reason, 'Forbidden');
    assert.equal(denied.annotations['authorization.k8s.io/decision'], 'forbid');
    assert.equal(denied.user.username, 'system:serviceaccount:default:k8ts-test-nobody');
    const stages = events(w.headers['audit-id']).map((e) => e.stage);
    assert.deepEqual(stages, ['ResponseStarted', 'ResponseComplete']);
  });
});
