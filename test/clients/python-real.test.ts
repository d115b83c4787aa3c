// The official Python client's streams with real containers (host lane, under
// flock /tmp/k8ts-host.lock): exec through kubernetes.stream (its WebSocket channel protocol,
// stdin, stdout and stderr apart, the exit code from the error channel) and port-forward.
// The script is test/clients/python/streams.py.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startReal, stopReal, runtimeSkipReason, readyTargetPod, must, ROOT, type TestCluster } from './support.js';

const PY = '/usr/bin/python3';
const skip = runtimeSkipReason() ?? (!existsSync('/usr/lib/python3/dist-packages/kubernetes') ? 'needs Debian python3-kubernetes' : false);
const NS = 'py-real';
let c: TestCluster;

before(async () => {
  if (skip) return;
  c = await startReal();
  await readyTargetPod(c, NS, 'py-target');
});

after(async () => {
  await stopReal(c, [NS]);
});

describe('python3-kubernetes with real containers', { skip }, () => {
  it('exec (one-shot and interactive with stdin and exit code) and port-forward', { timeout: 120_000 }, async () => {
    const out = await must(PY, [join(ROOT, 'test/clients/python/streams.py'), c.kubeconfig, NS, 'py-target'], { timeoutMs: 90_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(r.exec, 'hi from py-target\n');
    assert.equal(r.stdout, 'got hello\n');
    assert.equal(r.stderr, 'oops\n');
    assert.equal(r.returncode, 4);
    assert.match(r.forwarded, /^HTTP\/1\.[01] 200/);
    assert.match(r.forwarded, /hello from py-target/);
    assert.equal(r.pf_error, null);
  });
});
