// Bad input gets an upstream-shaped Status with the right code, and the server keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;

before(async () => {
  // A small watch cache makes a resumed watch from an early revision fall out of the window.
  c = await startCluster({ extraArgs: ['--default-watch-cache-size', '20', '--disable', 'controllers,scheduler,agent'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const CM = '/api/v1/namespaces/default/configmaps';

function assertStatus(r: { status: number; body: string; json(): any }, code: number, reason: string): any {
  assert.equal(r.status, code, `expected ${code}, got ${r.status}: ${r.body}`);
  const s = r.json();
  assert.equal(s.kind, 'Status');
  assert.equal(s.apiVersion, 'v1');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  assert.equal(typeof s.message, 'string');
  return s;
}

describe('authentication', () => {
  it('requests without credentials get 401 Unauthorized; /version stays public', { timeout: 60_000 }, async () => {
    assertStatus(await api(creds, 'GET', CM, undefined, {}, { anonymous: true }), 401, 'Unauthorized');
    assertStatus(await api(creds, 'GET', CM, undefined, { Authorization: 'Bearer not-a-token' }, { anonymous: true }), 401, 'Unauthorized');
    const v = await api(creds, 'GET', '/version', undefined, {}, { anonymous: true });
    assert.equal(v.status, 200);
    assert.equal(v.json().minor, '32');
  });

  it('a service-account token from TokenRequest authenticates', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts', JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tok' } }));
    const tr = await api(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/tok/token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
    assert.equal(tr.status, 201, tr.body);
    const token = tr.json().status.token as string;
    const who = await api(creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }), { Authorization: `Bearer ${token}` }, { anonymous: true });
    assert.equal(who.status, 201, who.body);
    assert.equal(who.json().status.userInfo.username, 'system:serviceaccount:default:tok');
  });
});

describe('malformed bodies', () => {
  it('malformed JSON, YAML and protobuf are 400 BadRequest', { timeout: 60_000 }, async () => {
    assertStatus(await api(creds, 'POST', CM, '{"apiVersion": "v1", "kind": '), 400, 'BadRequest');
    assertStatus(await api(creds, 'POST', CM, 'kind: [unclosed', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await api(creds, 'POST', CM, Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff]), { 'Content-Type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest');
    assertStatus(await api(creds, 'POST', CM, Buffer.from('not protobuf at all'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest');
    assertStatus(await api(creds, 'POST', CM, '[1,2,3]'), 400, 'BadRequest');
  });

  it('a kind or apiVersion that does not match the URL is 400', { timeout: 60_000 }, async () => {
    const s = assertStatus(await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })), 400, 'BadRequest');
    assert.match(s.message, /Secret/);
    assertStatus(await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } })), 400, 'BadRequest');
  });

  it('unknown fields: Strict rejects, Warn warns and drops, Ignore drops', { timeout: 60_000 }, async () => {
    const body = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, bogus: 1 });
    const strict = assertStatus(await api(creds, 'POST', `${CM}?fieldValidation=Strict`, body('strict')), 400, 'BadRequest');
    assert.match(strict.message, /strict decoding error: unknown field "bogus"/);
    const warn = await api(creds, 'POST', `${CM}?fieldValidation=Warn`, body('warn'));
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /299 - "unknown field \\"bogus\\""/);
    assert.equal(warn.json().bogus, undefined);
    const ignore = await api(creds, 'POST', `${CM}?fieldValidation=Ignore`, body('ignore'));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.warning, undefined);
    assert.equal((await api(creds, 'GET', `${CM}/strict`)).status, 404, 'nothing half-written');
  });

  it('bodies over 3 MiB are 413', { timeout: 60_000 }, async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
    assertStatus(await api(creds, 'POST', CM, big), 413, 'RequestEntityTooLarge');
    assert.equal((await api(creds, 'GET', `${CM}/big`)).status, 404);
  });

  it('unsupported patch types are 415', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' } }));
    assertStatus(await api(creds, 'PATCH', `${CM}/p`, '{}', { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
  });
});

describe('validation and concurrency', () => {
  it('invalid names are 422 Invalid with causes', { timeout: 60_000 }, async () => {
    const s = assertStatus(await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } })), 422, 'Invalid');
    assert.match(s.message, /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
    assert.equal(s.details.causes[0].field, 'metadata.name');
    const s2 = assertStatus(await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })), 422, 'Invalid');
    assert.match(s2.message, /metadata.name: Required value/);
  });

  it('a stale resourceVersion on update is 409 Conflict', { timeout: 60_000 }, async () => {
    const created = (await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } }))).json();
    const ok = await api(creds, 'PUT', `${CM}/cas`, JSON.stringify({ ...created, data: { v: '2' } }));
    assert.equal(ok.status, 200);
    const s = assertStatus(await api(creds, 'PUT', `${CM}/cas`, JSON.stringify({ ...created, data: { v: '3' } })), 409, 'Conflict');
    assert.match(s.message, /the object has been modified/);
    assert.equal((await api(creds, 'GET', `${CM}/cas`)).json().data.v, '2');
  });

  it('creating an existing object is 409 AlreadyExists; a missing one is 404', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
    assert.equal((await api(creds, 'POST', CM, body)).status, 201);
    const s = assertStatus(await api(creds, 'POST', CM, body), 409, 'AlreadyExists');
    assert.equal(s.details.name, 'dup');
    assertStatus(await api(creds, 'GET', `${CM}/nope`), 404, 'NotFound');
    assertStatus(await api(creds, 'GET', '/api/v1/namespaces/nope/configmaps/x'), 404, 'NotFound');
    assertStatus(await api(creds, 'POST', '/api/v1/namespaces/nope/configmaps', body), 404, 'NotFound');
    assertStatus(await api(creds, 'GET', '/apis/nope.example.com/v1/things'), 404, 'NotFound');
  });

  it('immutable fields are 422', { timeout: 60_000 }, async () => {
    const d = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'imm' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const created = await api(creds, 'POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(d));
    assert.equal(created.status, 201, created.body);
    const patched = await api(creds, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/imm', JSON.stringify({ spec: { selector: { matchLabels: { app: 'b' } }, template: { metadata: { labels: { app: 'b' } } } } }), { 'Content-Type': 'application/merge-patch+json' });
    const s = assertStatus(patched, 422, 'Invalid');
    assert.match(s.message, /spec.selector/);
    assert.match(s.message, /field is immutable/);
  });

  it('a watch from a compacted revision gets 410 Expired', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 30; i++) await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w${i}` } }));
    const r = await api(creds, 'GET', `${CM}?watch=true&resourceVersion=1&timeoutSeconds=1`);
    assert.equal(r.status, 200);
    const first = JSON.parse(r.body.split('\n')[0]);
    assert.equal(first.type, 'ERROR');
    assert.equal(first.object.code, 410);
    assert.equal(first.object.reason, 'Expired');
  });

  it('the server still serves after all of the above', { timeout: 60_000 }, async () => {
    const r = await api(creds, 'GET', CM);
    assert.equal(r.status, 200);
    assert.equal(r.json().kind, 'ConfigMapList');
  });
});
