// A request that fails with something other than a Status error is a bug: answered 500
// InternalError, logged once with its stack through the levelled logger, and counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';
import { setLogSink } from '../util/log.js';
import { registry } from '../util/metrics.js';

let t: TestApi;

before(async () => {
  t = await startTestApi();
  await t.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
});

after(async () => {
  await t?.stop();
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function count(labels: Record<string, string>): Promise<number> {
  const m = (await registry.getSingleMetric('apiserver_request_total')!.get()) as { values: Array<{ labels: Record<string, string>; value: number }> };
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

test('a non-Status failure is answered 500, logged once with its stack, and counted', { timeout: 20_000 }, async () => {
  t.server.core.kubeletProxy = async () => {
    throw new TypeError('kubelet proxy exploded');
  };
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  const labels = { verb: 'CONNECT', resource: 'pods', subresource: 'log', code: '500' };
  const before = await count(labels);
  try {
    const r = await get('/api/v1/namespaces/default/pods/p/log');
    assert.equal(r.status, 500, r.body);
    assert.equal(JSON.parse(r.body).reason, 'InternalError');
    // A Status error (404) is an expected outcome: not logged.
    assert.equal((await get('/api/v1/namespaces/default/pods/nope/log')).status, 404);
  } finally {
    setLogSink(prev);
  }
  const failures = lines.filter((l) => l.includes('kubelet proxy exploded'));
  assert.equal(failures.length, 1, lines.join(''));
  assert.match(failures[0], /^E\d{4} .* apiserver\] GET \/api\/v1\/namespaces\/default\/pods\/p\/log: TypeError: kubelet proxy exploded\n\s+at /);
  assert.equal(lines.some((l) => l.includes('nope')), false);
  assert.equal(await count(labels), before + 1);
});
