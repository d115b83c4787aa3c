// Protobuf end to end: helm 3 (client-go, protobuf on every verb for built-in types) runs a
// chart's whole life, kubectl shows protobuf requests and answers, and raw GET/LIST/WATCH with
// `Accept: application/vnd.kubernetes.protobuf` decode with our decoder to what JSON says.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startCluster, eventually, ROOT, type TestCluster } from '../helpers/cluster.js';
import { credsFromKubeconfig, type Creds } from '../helpers/http.js';
import { decodeK8sProtobuf, decodeProtobufMessage, encodeK8sProtobufObject, splitWatchFrames, WATCH_EVENT } from '../../src/api/schema/index.js';

const HELM = join(ROOT, '.tools/helm');
const PB = 'application/vnd.kubernetes.protobuf';
const CLIENT_GO_ACCEPT = `${PB}, application/json`;

let c: TestCluster;
let creds: Creds;
let work: string;

interface Raw {
  status: number;
  type: string;
  body: Buffer;
}

/** One HTTPS request returning raw bytes; bounded by `timeoutMs`. */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer | string, timeoutMs = 20_000): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const hs = body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = request(new URL(path, creds.server), { method, ca: creds.ca, cert: creds.cert, key: creds.key, agent: false, headers: hs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    const t = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(t));
    req.on('error', reject);
    req.end(body);
  });
}

function run(bin: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: work, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, out: stdout + stderr });
    });
  });
}

async function helm(args: string[]): Promise<string> {
  const r = await run(HELM, args);
  assert.equal(r.code, 0, `helm ${args.join(' ')}:\n${r.out}`);
  return r.out;
}

async function releaseSecrets(release: string): Promise<string[]> {
  const list = JSON.parse(await c.k(['get', 'secrets', '-n', 'default', '-l', `owner=helm,name=${release}`, '-o', 'json'])) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((i) => i.metadata.name).sort();
}

before(async () => {
  c = await startCluster({ extraArgs: ['--runtime', 'simulated'] });
  creds = credsFromKubeconfig(c.kubeconfig);
  work = mkdtempSync(join(tmpdir(), 'k8ts-pb-'));
});

after(async () => {
  await c?.stop();
  c?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('protobuf clients', () => {
  it('helm create, install, upgrade, rollback and uninstall (release Secrets gone)', { timeout: 180_000 }, async () => {
    const chart = join(work, 'demo');
    await helm(['create', chart]);
    // --wait polls the Deployment and its pods with typed (protobuf) GETs and LISTs.
    await helm(['install', 'demo', chart, '--namespace', 'default', '--wait', '--timeout', '60s']);
    assert.deepEqual(await releaseSecrets('demo'), ['sh.helm.release.v1.demo.v1']);
    await helm(['upgrade', 'demo', chart, '--namespace', 'default', '--set', 'replicaCount=2']);
    const dep = JSON.parse(await c.k(['get', 'deployment', 'demo', '-n', 'default', '-o', 'json'])) as { spec: { replicas: number } };
    assert.equal(dep.spec.replicas, 2);
    await helm(['rollback', 'demo', '1', '--namespace', 'default']);
    const back = JSON.parse(await c.k(['get', 'deployment', 'demo', '-n', 'default', '-o', 'json'])) as { spec: { replicas: number } };
    assert.equal(back.spec.replicas, 1);
    assert.match(await helm(['history', 'demo', '--namespace', 'default']), /Rollback to 1/);
    assert.deepEqual(await releaseSecrets('demo'), ['sh.helm.release.v1.demo.v1', 'sh.helm.release.v1.demo.v2', 'sh.helm.release.v1.demo.v3']);
    const out = await helm(['uninstall', 'demo', '--namespace', 'default']);
    assert.match(out, /release "demo" uninstalled/);
    assert.deepEqual(await releaseSecrets('demo'), []);
    const left = await c.kubectl(['get', 'deployment', 'demo', '-n', 'default']);
    assert.notEqual(left.code, 0, 'the chart Deployment is gone');
    assert.equal((await helm(['list', '--namespace', 'default', '-q'])).trim(), '');
  });

  it('kubectl -v=8 sends protobuf and reads protobuf answers', { timeout: 60_000 }, async () => {
    const r = await run(join(ROOT, '.tools/kubectl'), ['create', 'configmap', 'kpb', '--from-literal=a=b', '-v=8']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Content-Type: application\/vnd\.kubernetes\.protobuf\n/);
    assert.match(r.out, /Response Status: 201 Created/);
    assert.match(r.out, /configmap\/kpb created/);
    const t = await run(join(ROOT, '.tools/kubectl'), ['create', 'token', 'default', '-v=8']);
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /^ey[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('GET and LIST in protobuf decode to what JSON says', { timeout: 60_000 }, async () => {
    for (const n of ['p1', 'p2']) await c.k(['create', 'configmap', n, '--from-literal=k=' + n]);
    const json = JSON.parse((await raw('GET', '/api/v1/namespaces/default/configmaps/p1', { Accept: 'application/json' })).body.toString()) as Record<string, unknown>;
    const got = await raw('GET', '/api/v1/namespaces/default/configmaps/p1', { Accept: CLIENT_GO_ACCEPT });
    assert.equal(got.status, 200);
    assert.equal(got.type, PB);
    assert.deepEqual(decodeK8sProtobuf(got.body).object, json);

    const list = await raw('GET', '/api/v1/namespaces/default/configmaps', { Accept: CLIENT_GO_ACCEPT });
    assert.equal(list.type, PB);
    const decoded = decodeK8sProtobuf(list.body);
    assert.equal(decoded.kind, 'ConfigMapList');
    const jsonList = JSON.parse((await raw('GET', '/api/v1/namespaces/default/configmaps', { Accept: 'application/json' })).body.toString()) as { metadata: unknown; items: Array<Record<string, unknown>> };
    assert.deepEqual(decoded.object.metadata, jsonList.metadata);
    assert.deepEqual(decoded.object.items, jsonList.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest));

    // Tables stay JSON even for a protobuf-preferring client; a custom kind falls back to JSON.
    const table = await raw('GET', '/api/v1/namespaces/default/configmaps', { Accept: `application/json;as=Table;v=v1;g=meta.k8s.io, ${CLIENT_GO_ACCEPT}` });
    assert.equal(table.type, 'application/json');
    assert.equal((JSON.parse(table.body.toString()) as { kind: string }).kind, 'Table');
  });

  it('WATCH in protobuf streams length-prefixed WatchEvents', { timeout: 60_000 }, async () => {
    const rv = (decodeK8sProtobuf((await raw('GET', '/api/v1/namespaces/default/configmaps', { Accept: PB })).body).object.metadata as { resourceVersion: string }).resourceVersion;
    const watch = raw('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=3`, { Accept: CLIENT_GO_ACCEPT }, undefined, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await c.k(['create', 'configmap', 'w1', '--from-literal=x=1']);
    await c.k(['delete', 'configmap', 'w1']);
    const res = await watch;
    assert.equal(res.type, 'application/vnd.kubernetes.protobuf;stream=watch');
    const { frames, rest } = splitWatchFrames(res.body);
    assert.equal(rest.length, 0, 'no partial frame');
    const events = frames.map((f) => decodeProtobufMessage(WATCH_EVENT, f) as { type: string; object: { kind: string; metadata: { name: string } } });
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), ['ADDED ConfigMap/w1', 'DELETED ConfigMap/w1']);
  });

  it('client-go decodes our protobuf watch stream (kubectl events --watch)', { timeout: 60_000 }, async () => {
    const child = spawn(join(ROOT, '.tools/kubectl'), ['events', '--watch', '-n', 'default', '-v=8'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await eventually(() => /stream=watch/.test(err), 20_000);
      const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'pb-watch-probe', namespace: 'default' }, involvedObject: { kind: 'ConfigMap', name: 'p1', namespace: 'default' }, reason: 'ProbeReason', message: 'seen through a protobuf watch', type: 'Normal', firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1 };
      await c.k(['create', '-f', '-'], { input: JSON.stringify(ev) });
      await eventually(() => out.includes('seen through a protobuf watch'), 20_000);
      assert.match(err, /Accept: application\/vnd\.kubernetes\.protobuf,application\/json/);
      assert.match(err, /Content-Type: application\/vnd\.kubernetes\.protobuf;stream=watch/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('bad protobuf input gets an upstream Status and writes nothing', { timeout: 60_000 }, async () => {
    await c.k(['create', 'configmap', 'keep', '--from-literal=a=b']);
    const pbHeaders = { 'Content-Type': PB, Accept: 'application/json' };
    // Malformed DeleteOptions body: 400 naming the problem; the object stays.
    const bad = await raw('DELETE', '/api/v1/namespaces/default/configmaps/keep', pbHeaders, Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f]));
    assert.equal(bad.status, 400);
    const st = JSON.parse(bad.body.toString()) as { kind: string; reason: string; message: string };
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, 'BadRequest');
    assert.match(st.message, /DeleteOptions in the body could not be decoded: .*invalid protobuf/);
    // Wrong kind in the envelope: a ConfigMap where DeleteOptions belongs.
    const wrong = await raw('DELETE', '/api/v1/namespaces/default/configmaps/keep', pbHeaders, encodeK8sProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
    assert.equal(wrong.status, 400);
    assert.match((JSON.parse(wrong.body.toString()) as { message: string }).message, /expected kind DeleteOptions, got "ConfigMap"/);
    // Unknown content type: 415.
    const unk = await raw('POST', '/api/v1/namespaces/default/configmaps', { 'Content-Type': 'application/x-thrift', Accept: 'application/json' }, 'zzz');
    assert.equal(unk.status, 415);
    // A ConfigMap body under the Secrets URL.
    const mismatch = await raw('POST', '/api/v1/namespaces/default/secrets', pbHeaders, encodeK8sProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wrongkind' } }));
    assert.equal(mismatch.status, 400);
    assert.equal((await c.kubectl(['get', 'secret', 'wrongkind'])).code, 1);
    assert.equal((await c.kubectl(['get', 'configmap', 'keep'])).code, 0);
    // A well-formed protobuf DeleteOptions (as client-go sends it) is honoured.
    const opts = encodeK8sProtobufObject({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background', preconditions: { uid: 'not-the-uid' } });
    const pre = await raw('DELETE', '/api/v1/namespaces/default/configmaps/keep', pbHeaders, opts);
    assert.equal(pre.status, 409, pre.body.toString());
    const ok = await raw('DELETE', '/api/v1/namespaces/default/configmaps/keep', { 'Content-Type': PB, Accept: CLIENT_GO_ACCEPT }, encodeK8sProtobufObject({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' }));
    assert.equal(ok.status, 200);
    assert.equal(ok.type, PB);
    assert.equal(decodeK8sProtobuf(ok.body).object.status, 'Success');
    // Errors come back as a protobuf Status to a client that prefers protobuf.
    const missing = await raw('GET', '/api/v1/namespaces/default/configmaps/keep', { Accept: CLIENT_GO_ACCEPT });
    assert.equal(missing.status, 404);
    assert.equal(missing.type, PB);
    const status = decodeK8sProtobuf(missing.body).object as { kind: string; reason: string; code: number };
    assert.deepEqual([status.kind, status.reason, status.code], ['Status', 'NotFound', 404]);
  });
});
