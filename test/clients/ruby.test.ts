// Debian's ruby-kubeclient (4.9) against a server with simulated nodes: create, get, list,
// patch, update, delete, and a watch, which kubeclient sends on the legacy
// /api/v1/watch/namespaces/{ns}/{resource} path. The script is test/clients/ruby/api.rb.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startSimulated, must, ROOT, type TestCluster } from './support.js';

const skip = spawnSync('ruby', ['-e', 'require "kubeclient"']).status !== 0 || !existsSync('/usr/bin/ruby') ? 'needs ruby and Debian ruby-kubeclient' : false;
let c: TestCluster;

before(async () => {
  if (skip) return;
  c = await startSimulated();
  await c.k(['create', 'namespace', 'rb-client']);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('ruby kubeclient', { skip }, () => {
  it('creates, gets, lists, patches, watches from a resourceVersion and deletes', { timeout: 90_000 }, async () => {
    const out = await must('ruby', [join(ROOT, 'test/clients/ruby/api.rb'), c.kubeconfig, 'rb-client'], { timeoutMs: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(r.created_rv, true);
    assert.deepEqual(r.got, { a: '1' });
    assert.deepEqual(r.listed, ['rb-cm']);
    assert.deepEqual(r.patched, { a: '1', b: '2' });
    assert.deepEqual(r.events, [['MODIFIED', { c: '3' }], ['DELETED', { c: '3' }]]);
    assert.equal(r.after_delete, 404);
  });
});
