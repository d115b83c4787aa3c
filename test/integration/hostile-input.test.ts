// Regressions for what the fuzzing suite (test/fuzz/) found against a real server: each was a
// 500 (or worse) and is now upstream's answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds, type HttpResult } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;

before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const CM = '/api/v1/namespaces/default/configmaps';

function status(r: HttpResult, code: number): any {
  assert.equal(r.status, code, r.body);
  const s = r.json();
  assert.equal(s.kind, 'Status');
  assert.equal(s.code, code);
  return s;
}

/** A request with the target sent exactly as given (no URL normalization). */
function raw(path: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c.port, path, method: 'GET', ca: creds.ca, cert: creds.cert, key: creds.key, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`GET ${path}: no answer in 20 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('hostile input found by fuzzing', () => {
  it('an unknown field with a non-ASCII name: created, with the warning in UTF-8', { timeout: 30_000 }, async () => {
    const r = await api(creds, 'POST', CM, '{"apiVersion":"v1","k\u00a2nd":"ConfigMap","metadata":{"name":"k8ts-test-warn"},"\u4e2d":1}');
    assert.equal(r.status, 201, r.body);
    const warnings = ([] as string[]).concat(r.headers.warning ?? []).map((w) => Buffer.from(w, 'latin1').toString('utf8'));
    assert.ok(warnings.some((w) => w.includes('unknown field \\"k\u00a2nd\\"')), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('unknown field \\"\u4e2d\\"')), warnings.join('\n'));
    assert.equal((await api(creds, 'GET', `${CM}/k8ts-test-warn`)).status, 200);
  });

  it('unknown fields named "", "a.b" or "metadata.name" are dropped alone (an empty key inside metadata deleted the metadata: a 500)', { timeout: 30_000 }, async () => {
    const r = await api(creds, 'POST', CM, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k8ts-test-keys","":{"metadata":1},"a.b":1},"metadata.name":"other","data":{"k":"v"}}');
    assert.equal(r.status, 201, r.body);
    const got = (await api(creds, 'GET', `${CM}/k8ts-test-keys`)).json();
    assert.equal(got.metadata.name, 'k8ts-test-keys');
    assert.equal(got.metadata[''], undefined);
    assert.equal(got.metadata['a.b'], undefined);
    assert.equal(got['metadata.name'], undefined);
    assert.deepEqual(got.data, { k: 'v' });
  });

  it('apiVersion or kind that is not a string is a 400 (an object without toString threw: a 500)', { timeout: 30_000 }, async () => {
    for (const body of ['{"apiVersion":{"toString":null},"kind":"ConfigMap","metadata":{"name":"k8ts-test-av"}}', '{"apiVersion":"v1","kind":["x"],"metadata":{"name":"k8ts-test-av"}}', '{"apiVersion":5,"metadata":{"name":"k8ts-test-av"}}']) {
      assert.match(status(await api(creds, 'POST', CM, body), 400).message, /cannot unmarshal (object|array|number) into Go struct field ConfigMap\.(apiVersion|kind) of type string/);
    }
  });

  it('a request-target starting with // is a path: 400 or 404, never a 500 or another path', { timeout: 30_000 }, async () => {
    for (const p of ['//%2F', '//', '//a:b/api', '//[/x']) {
      const r = await raw(p);
      assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status} ${r.body}`);
      assert.equal(r.json().kind, 'Status');
    }
    assert.equal((await raw('//localhost/api/v1/namespaces')).status, 404);
  });

  it('bodies nested too deep are a 400 (create, apply, JSON patch growing the object)', { timeout: 30_000 }, async () => {
    const deep = (d: number): string => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    status(await api(creds, 'POST', CM, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k8ts-test-deep"},"zz":${deep(4000)}}`), 400);
    status(await api(creds, 'PATCH', `${CM}/k8ts-test-deep?fieldManager=t`, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k8ts-test-deep","annotations":${deep(4000)}}}`, { 'Content-Type': 'application/apply-patch+yaml' }), 400);
    assert.equal((await api(creds, 'POST', CM, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k8ts-test-deep"}}')).status, 201);
    // The patch itself nests ~300 levels; its second operation puts a 300-level value at the
    // bottom of the first one's, which would make the object ~600 levels deep.
    const ops = [{ op: 'add', path: '/metadata/k8ts', value: 'DEEP' }, { op: 'add', path: `/metadata/k8ts${'/a'.repeat(300)}`, value: 'DEEP' }];
    const patch = JSON.stringify(ops).replaceAll('"DEEP"', deep(300));
    const s = status(await api(creds, 'PATCH', `${CM}/k8ts-test-deep`, patch, { 'Content-Type': 'application/json-patch+json' }), 400);
    assert.match(s.message, /the patched object nests arrays and objects deeper than 512 levels/);
  });

  it('a pod whose container list holds a null is refused by validation, not a 500 in admission', { timeout: 30_000 }, async () => {
    const r = await api(creds, 'POST', '/api/v1/namespaces/default/pods', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: k8ts-test-null\nspec:\n  containers:\n    -\n', { 'Content-Type': 'application/yaml' });
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.body}`);
    assert.equal(r.json().kind, 'Status');
  });
});
