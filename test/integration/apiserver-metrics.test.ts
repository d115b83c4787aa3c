// The API server's /metrics with the real kubectl: request counters and latency histograms
// move with upstream's labels, an open watch shows in apiserver_longrunning_requests, storage
// operations are timed, and /metrics needs credentials.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startCluster, eventually, KUBECTL, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;
let watcher: ChildProcess | undefined;

before(async () => {
  // The API server alone (no controllers, scheduler or node): every request below is ours,
  // so the counters move by exact amounts.
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  watcher?.kill('SIGKILL');
  await c?.stop();
  c?.cleanup();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (0.0.4) into samples. */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    out.push({ name: m[1], labels, value: m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `want`. */
function value(samples: Sample[], name: string, want: Record<string, string>): number {
  let sum = 0;
  for (const s of samples) if (s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

async function scrape(): Promise<Sample[]> {
  return parseMetrics(await c.k(['get', '--raw', '/metrics']));
}

const POD_LIST = { verb: 'LIST', dry_run: '', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', component: 'apiserver' };
const CM = { group: '', version: 'v1', resource: 'configmaps', subresource: '', component: 'apiserver' };

describe('/metrics on the API server', { timeout: 120_000 }, () => {
  it('kubectl get --raw /metrics serves the Prometheus text format', { timeout: 30_000 }, async () => {
    const text = await c.k(['get', '--raw', '/metrics']);
    assert.match(text, /^# HELP apiserver_request_total /m);
    assert.match(text, /^# TYPE apiserver_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE etcd_request_duration_seconds histogram$/m);
    const r = await api(creds, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  });

  it('unauthenticated GET /metrics is 401 Unauthorized', { timeout: 10_000 }, async () => {
    const r = await api(creds, 'GET', '/metrics', undefined, {}, { anonymous: true });
    assert.equal(r.status, 401, r.body);
    assert.equal(r.json().reason, 'Unauthorized');
    const bad = await api(creds, 'GET', '/metrics', undefined, { Authorization: 'Bearer not-a-token' }, { anonymous: true });
    assert.equal(bad.status, 401, bad.body);
  });

  it('requests move apiserver_request_total and the duration histogram with upstream labels', { timeout: 60_000 }, async () => {
    const before = await scrape();
    await c.k(['get', 'pods', '-n', 'default']);
    await c.k(['get', 'pods', '-n', 'default', '-o', 'name']);
    await c.k(['create', 'configmap', 'm1', '-n', 'default', '--from-literal=a=b']);
    await c.k(['get', 'configmap', 'm1', '-n', 'default', '-o', 'json']);
    const missing = await c.kubectl(['get', 'configmap', 'nope', '-n', 'default']);
    assert.notEqual(missing.code, 0);
    const applied = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: m2', '  namespace: default', 'data:', '  k: v', ''].join('\n');
    await c.k(['apply', '--server-side', '-f', '-'], { input: applied });
    await c.k(['create', 'configmap', 'm3', '-n', 'default', '--dry-run=server']);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>): number => value(after, name, labels) - value(before, name, labels);

    assert.equal(delta('apiserver_request_total', { ...POD_LIST, code: '200' }), 2);
    assert.equal(delta('apiserver_request_duration_seconds_count', POD_LIST), 2);
    assert.equal(delta('apiserver_request_duration_seconds_bucket', { ...POD_LIST, le: '+Inf' }), 2);
    assert.ok(delta('apiserver_request_duration_seconds_sum', POD_LIST) > 0);
    assert.equal(delta('apiserver_request_sli_duration_seconds_count', { verb: 'LIST', resource: 'pods', scope: 'namespace' }), 2);
    assert.equal(delta('apiserver_request_total', { ...CM, verb: 'POST', dry_run: '', scope: 'resource', code: '201' }), 1);
    assert.equal(delta('apiserver_request_total', { ...CM, verb: 'POST', dry_run: 'All', scope: 'resource', code: '201' }), 1);
    assert.equal(delta('apiserver_request_total', { ...CM, verb: 'GET', scope: 'resource', code: '200' }), 1);
    assert.equal(delta('apiserver_request_total', { ...CM, verb: 'GET', scope: 'resource', code: '404' }), 1);
    assert.equal(delta('apiserver_request_total', { ...CM, verb: 'APPLY', scope: 'resource', code: '201' }), 1);
    // Storage: two creates of configmaps reached the store (the dry run did not).
    assert.equal(delta('etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' }), 2);
    assert.equal(value(after, 'apiserver_storage_objects', { resource: 'configmaps' }), value(before, 'apiserver_storage_objects', { resource: 'configmaps' }) + 2);
    // The watch caches listed and watched every resource at startup.
    assert.ok(value(after, 'etcd_request_duration_seconds_count', { operation: 'list', type: 'deployments.apps' }) >= 1);
    assert.ok(value(after, 'etcd_request_duration_seconds_count', { operation: 'watch', type: 'pods' }) >= 1);
    // In-flight peaks are reported per request kind; this scrape itself is one read-only request.
    assert.ok(value(after, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }) >= 1);
    assert.ok(after.some((s) => s.name === 'apiserver_current_inflight_requests' && s.labels.request_kind === 'mutating'));
  });

  it('an open watch is counted when it starts and shows in apiserver_longrunning_requests until it ends', { timeout: 60_000 }, async () => {
    const WATCH = { ...CM, verb: 'WATCH', scope: 'namespace' };
    const before = await scrape();
    assert.equal(value(before, 'apiserver_longrunning_requests', WATCH), 0);
    watcher = spawn(KUBECTL, ['get', 'configmaps', '-n', 'default', '--watch', '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir, KUBECACHEDIR: `${c.dataDir}/kubectl-cache` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    watcher.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('configmap/m1'), 15_000);
    const open = await eventually(async () => {
      const s = await scrape();
      return value(s, 'apiserver_longrunning_requests', WATCH) === 1 ? s : undefined;
    }, 15_000);
    assert.equal(value(open, 'apiserver_request_total', { ...WATCH, code: '200' }) - value(before, 'apiserver_request_total', { ...WATCH, code: '200' }), 1);
    // Still open: not yet observed in the duration histogram, never in the SLI one.
    assert.equal(value(open, 'apiserver_request_duration_seconds_count', WATCH), value(before, 'apiserver_request_duration_seconds_count', WATCH));
    // The watch delivers new objects while it is open.
    await c.k(['create', 'configmap', 'm4', '-n', 'default']);
    await eventually(() => out.includes('configmap/m4'), 15_000);

    const exited = new Promise<void>((resolve) => watcher!.once('exit', () => resolve()));
    watcher.kill('SIGTERM');
    await exited;
    watcher = undefined;
    const closed = await eventually(async () => {
      const s = await scrape();
      return value(s, 'apiserver_longrunning_requests', WATCH) === 0 ? s : undefined;
    }, 15_000);
    assert.equal(value(closed, 'apiserver_request_duration_seconds_count', WATCH) - value(before, 'apiserver_request_duration_seconds_count', WATCH), 1);
    assert.equal(value(closed, 'apiserver_request_sli_duration_seconds_count', { verb: 'WATCH' }), 0);
    // Counted once, at its start.
    assert.equal(value(closed, 'apiserver_request_total', { ...WATCH, code: '200' }) - value(before, 'apiserver_request_total', { ...WATCH, code: '200' }), 1);
  });
});
