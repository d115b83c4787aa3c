// The official Python client (Debian's python3-kubernetes, run by /usr/bin/python3) against
// a server with simulated nodes: typed list/create, merge, strategic merge and JSON patches,
// and watch.Watch().stream with resume from a resourceVersion and 410 Gone once that
// resourceVersion left the watch window. The script is test/clients/python/api.py.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulated, must, ROOT, type TestCluster } from './support.js';

const PY = '/usr/bin/python3';
const skip = !existsSync(PY) || !existsSync('/usr/lib/python3/dist-packages/kubernetes') ? 'needs Debian python3-kubernetes' : false;
let c: TestCluster;

before(async () => {
  if (skip) return;
  // A small watch window, so the watch test can push a resourceVersion out of it.
  c = await startSimulated(['--default-watch-cache-size', '32']);
  await c.k(['create', 'namespace', 'py-client']);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

async function script(scenario: string): Promise<any> {
  const out = await must(PY, [join(ROOT, 'test/clients/python/api.py'), c.kubeconfig, scenario, 'py-client'], { timeoutMs: 90_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('python3-kubernetes', { skip }, () => {
  it('lists, creates, patches (merge, strategic, JSON) and deletes', { timeout: 120_000 }, async () => {
    const r = await script('crud');
    assert.deepEqual(r.listed, ['py-cm']);
    assert.equal(r.all_namespaces, true);
    assert.deepEqual(r.duplicate, [409, 'AlreadyExists']);
    assert.deepEqual(r.after_merge, { a: '1', b: '2' });
    assert.deepEqual(r.after_json, { b: '2', c: '3' });
    assert.deepEqual(r.after_strategic, [['a', 'busybox:1'], ['b', 'busybox:2']]);
    assert.equal(r.after_delete, 404);
  });

  it('watch streams events, resumes from a resourceVersion, and gets 410 once it is too old', { timeout: 120_000 }, async () => {
    const r = await script('watch');
    assert.deepEqual(r.events, [['ADDED', '1'], ['MODIFIED', '2'], ['DELETED', '2']]);
    assert.deepEqual(r.resumed, ['MODIFIED', 'DELETED']);
    assert.equal(r.expired, 410);
    assert.equal(r.relisted, true);
  });
});
