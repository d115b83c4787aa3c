// Issue 17 "k8ts why" with real containers (runc): a pod in CrashLoopBackOff (exit code and last
// log lines) and an image that does not exist (the registry's "manifest unknown"). Needs root,
// runc, conmon, nftables (skipped otherwise); run under the host lock:
//   flock /tmp/k8ts-host.lock node --test dist/test/e2e/why-runc.test.js
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, freePort, K8TS, type TestCluster } from '../helpers/cluster.js';
import { cleanupNodeNetwork, forceCleanupRuntime, runtimeSkipReason } from '../helpers/node.js';
import { ensureTestImages } from '../../src/runtime/images/testing/index.js';
import { whyUntil } from '../helpers/why.js';

const skip = runtimeSkipReason();
let c: TestCluster;
let images: { dir: string } | { skip: string } = { skip: 'not built' };
/** A registry that knows no image: /v2/ answers, every manifest is MANIFEST_UNKNOWN. */
let registry: Server | undefined;
let registryHost = '';

before(async () => {
  if (skip) return;
  images = ensureTestImages();
  if ('skip' in images) return;
  registry = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/v2/' || req.url === '/v2') return void res.end('{}');
    res.statusCode = 404;
    res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'missing' } }] }));
  });
  const port = await freePort();
  await new Promise<void>((r) => registry!.listen(port, '127.0.0.1', r));
  registryHost = `127.0.0.1:${port}`;
  cleanupNodeNetwork();
  c = await startCluster({ extraArgs: ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(await freePort()), '--ingress-https-port', String(await freePort())] });
  for (const f of readdirSync(images.dir).filter((x) => x.endsWith('.tar'))) {
    const r: { status: number | null; stderr: string } = spawnSync(process.execPath, [K8TS, 'image', 'load', join(images.dir, f), '--data-dir', c.dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  registry?.close();
  if (!c) return;
  await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await c.stop();
  forceCleanupRuntime(c.dataDir);
  cleanupNodeNetwork();
  c.cleanup();
});

function apply(name: string, yaml: string): Promise<string> {
  const f = join(c.dataDir, `${name}.yaml`);
  writeFileSync(f, yaml);
  return c.k(['apply', '-f', f]);
}

describe('k8ts why (real containers)', { skip: skip ?? false }, () => {
  it('a pod in CrashLoopBackOff: the exit code and the last log lines', { timeout: 120_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    await apply('crash', `apiVersion: v1
kind: Pod
metadata: {name: k8ts-test-crash}
spec:
  containers:
  - name: app
    image: docker.io/library/busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo k8ts-test starting; echo k8ts-test config file missing >&2; exit 3']
`);
    const r = await whyUntil(c, ['pod/k8ts-test-crash'], /CrashLoopBackOff/, 90_000);
    assert.equal(r.code, 1);
    assert.match(r.first, /^pod\/k8ts-test-crash container app keeps crashing \(CrashLoopBackOff\): it exited with code 3/);
    assert.match(r.stdout, /last exit: code 3/);
    assert.match(r.stdout, /\| k8ts-test config file missing/);
  });

  it('an image that does not exist: the pull error in the first line', { timeout: 120_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    const image = `${registryHost}/k8ts-test/missing:1.0`;
    await c.k(['create', 'deployment', 'k8ts-test-noimage', `--image=${image}`]);
    const r = await whyUntil(c, ['deploy/k8ts-test-noimage'], /cannot pull image/, 90_000);
    assert.equal(r.code, 1);
    assert.match(r.first, new RegExp(`^deployment/k8ts-test-noimage: pod/k8ts-test-noimage-[a-z0-9]+-[a-z0-9]+ cannot pull image "${image.replace(/[.]/g, '\\.')}" for container missing \\((ErrImagePull|ImagePullBackOff)\\): .*manifest unknown`));
    await c.k(['delete', 'deployment', 'k8ts-test-noimage', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
  });
});
