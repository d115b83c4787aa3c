// kubectl 1.32 commands that need real containers (runc; host lane, run under
// flock /tmp/k8ts-host.lock): `kubectl debug` adding an ephemeral container to a running pod
// and attaching to it, `kubectl cp` both ways (tar through exec), and port-forward.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startReal, stopReal, runtimeSkipReason, readyTargetPod, eventually, KUBECTL, type TestCluster } from './support.js';
import { freePort } from '../helpers/cluster.js';
import { httpGet } from '../helpers/node.js';

const skip = runtimeSkipReason() ?? false;
const NS = 'kubectl-real';
let c: TestCluster;

before(async () => {
  if (skip) return;
  c = await startReal();
  await readyTargetPod(c, NS, 'kc-target');
});

after(async () => {
  await stopReal(c, [NS]);
});

describe('kubectl with real containers', { skip }, () => {
  it('debug adds an ephemeral container that runs and shares the pod network', { timeout: 180_000 }, async () => {
    const r = await c.kubectl(['-n', NS, 'debug', 'kc-target', '--image=busybox:latest', '--image-pull-policy=IfNotPresent', '-c', 'kc-dbg', '--', 'sh', '-c', 'wget -qO- http://127.0.0.1:8080/ && sleep 3600'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const pod = await eventually(async () => {
      const p = JSON.parse(await c.k(['-n', NS, 'get', 'pod', 'kc-target', '-o', 'json']));
      const s = p.status.ephemeralContainerStatuses?.find((x: any) => x.name === 'kc-dbg');
      return s?.state?.running ? p : undefined;
    }, 60_000);
    assert.equal(pod.spec.ephemeralContainers[0].name, 'kc-dbg');
    // The ephemeral container reached the pod's server on localhost: same network namespace.
    const logs = await eventually(async () => {
      const l = await c.k(['-n', NS, 'logs', 'kc-target', '-c', 'kc-dbg']);
      return l.includes('hello from kc-target') ? l : undefined;
    }, 30_000);
    assert.match(logs, /hello from kc-target/);
    // exec into it, as `kubectl debug -it` attaches to it.
    assert.equal((await c.k(['-n', NS, 'exec', 'kc-target', '-c', 'kc-dbg', '--', 'echo', 'in-debug'])).trim(), 'in-debug');
    // The pod's own container kept running.
    assert.equal(pod.status.containerStatuses[0].restartCount, 0);
  });

  it('port-forward (SPDY through the API server) carries requests to the pod', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const pf = spawn(KUBECTL, ['-n', NS, 'port-forward', 'pod/kc-target', `${port}:8080`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('Forwarding from'), 15_000);
      for (let i = 0; i < 3; i++) assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).trim(), 'hello from kc-target');
    } finally {
      pf.kill();
      await new Promise((r) => (pf.exitCode !== null || pf.signalCode !== null ? r(undefined) : pf.once('exit', r)));
    }
  });

  it('cp copies a file and a directory into the pod and back', { timeout: 180_000 }, async () => {
    const src = join(c.dataDir, 'kc-cp-src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub/b.txt'), 'beta\n'.repeat(1000));
    await c.k(['-n', NS, 'cp', join(src, 'a.txt'), 'kc-target:/tmp/a.txt', '-c', 'c']);
    assert.equal(await c.k(['-n', NS, 'exec', 'kc-target', '--', 'cat', '/tmp/a.txt']), 'alpha\n');
    await c.k(['-n', NS, 'cp', src, 'kc-target:/tmp/tree', '-c', 'c']);
    assert.equal((await c.k(['-n', NS, 'exec', 'kc-target', '--', 'wc', '-l', '/tmp/tree/sub/b.txt'])).trim().split(/\s+/)[0], '1000');
    const back = join(c.dataDir, 'kc-cp-back');
    await c.k(['-n', NS, 'cp', 'kc-target:/tmp/tree', back, '-c', 'c']);
    assert.equal(readFileSync(join(back, 'a.txt'), 'utf8'), 'alpha\n');
    assert.equal(readFileSync(join(back, 'sub/b.txt'), 'utf8'), 'beta\n'.repeat(1000));
    await c.k(['-n', NS, 'cp', 'kc-target:/www/index.html', join(c.dataDir, 'kc-index.html'), '-c', 'c']);
    assert.equal(readFileSync(join(c.dataDir, 'kc-index.html'), 'utf8'), 'hello from kc-target\n');
  });
});
