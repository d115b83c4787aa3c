// The streaming subresources end to end with the real kubectl 1.32: kubectl → API server
// (HTTPS, authn/authz, upgrade routing) → kubelet proxy (TLS client cert) → kubelet
// streaming server → fake runtime. Skipped when the kubectl binary is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { R } from '../../client/resources.js';
import { startStreamingHarness, type StreamingHarness } from './testing/harness.js';

const KUBECTL = fileURLToPath(new URL('../../../../.tools/kubectl', import.meta.url));
const skip = !existsSync(KUBECTL) && 'kubectl binary not found';

let h: StreamingHarness;
let echo: Server;

before(async () => {
  if (skip) return;
  echo = createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  h = await startStreamingHarness({ ports: { 80: (echo.address() as { port: number }).port } });
  await h.createPod('web', ['main']);
  await h.createPod('multi', ['a', 'b']);
  await h.createPod('slow', ['waiting']);
  h.log('main', 'stdout', 'first line');
  h.log('main', 'stderr', 'second line');
  h.log('main', 'stdout', 'par', true);
  h.log('main', 'stdout', 'tial');
});

after(async () => {
  if (skip) return;
  await h.stop();
  echo.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], o: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(KUBECTL, ['--kubeconfig', h.kubeconfigPath, ...args], { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (o.input !== undefined) p.stdin.end(o.input);
    else p.stdin.end();
  });
}

const NO_WS_EXEC = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
const NO_WS_PF = { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };

test('kubectl logs, --tail, --timestamps', { skip, timeout: 30_000 }, async () => {
  const r = await kubectl(['logs', 'web']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'first line\nsecond line\npartial\n');
  const t = await kubectl(['logs', 'web', '--tail=1', '--timestamps']);
  assert.match(t.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z par\d{4}-\d\d-\d\dT[\d:.]+Z tial\n$/);
});

test('kubectl logs -f streams lines written later', { skip, timeout: 30_000 }, async () => {
  const p: ChildProcess = spawn(KUBECTL, ['--kubeconfig', h.kubeconfigPath, 'logs', '-f', 'web', '--tail=0']);
  let out = '';
  const seen = new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('later 2\n')) resolve();
    });
    p.once('exit', (code) => reject(new Error(`kubectl logs -f exited (${code}) before both lines came: ${JSON.stringify(out)}`)));
  });
  const killer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  try {
    await new Promise((r) => setTimeout(r, 700));
    h.log('main', 'stdout', 'later 1');
    h.log('main', 'stdout', 'later 2');
    await seen;
  } finally {
    clearTimeout(killer);
    p.kill();
  }
  assert.equal(out, 'later 1\nlater 2\n');
});

test('kubectl logs/exec against a node whose kubelet is unreachable: 503 Status', { skip, timeout: 30_000 }, async () => {
  await h.client.create(R.nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'dead' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } },
  });
  await h.createPod('orphan', ['c'], 'Running', 'dead');
  const logs = await kubectl(['logs', 'orphan']);
  assert.equal(logs.code, 1);
  assert.match(logs.stderr, /Error from server \(ServiceUnavailable\): error dialing backend: connect ECONNREFUSED 127\.0\.0\.1:1/);
  const exec = await kubectl(['exec', 'orphan', '--', 'echo']);
  assert.equal(exec.code, 1);
  assert.match(exec.stderr, /error dialing backend/);
});

test('kubectl logs errors: unknown container, waiting container', { skip, timeout: 30_000 }, async () => {
  const bad = await kubectl(['logs', 'multi', '-c', 'zz']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /container zz is not valid for pod multi/);
  const waiting = await kubectl(['logs', 'slow']);
  assert.equal(waiting.code, 1);
  assert.match(waiting.stderr, /Error from server \(BadRequest\): container "waiting" in pod "slow" is waiting to start: ContainerCreating/);
});

for (const [name, env, transport] of [
  ['WebSocket', {}, 'websocket/v5.channel.k8s.io'],
  ['SPDY fallback', NO_WS_EXEC, 'spdy/v4.channel.k8s.io'],
] as const) {
  test(`kubectl exec over ${name}: output, exit codes, stdin`, { skip, timeout: 30_000 }, async () => {
    const before = h.sessions.length;
    const hi = await kubectl(['exec', 'web', '--', 'echo', 'hi'], { env });
    assert.equal(hi.code, 0, hi.stderr);
    assert.equal(hi.stdout, 'hi\n');
    assert.equal(h.sessions[before], `exec/${transport}`);
    const fail = await kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3'], { env });
    assert.equal(fail.code, 3);
    assert.match(fail.stderr, /command terminated with exit code 3/);
    const cat = await kubectl(['exec', '-i', 'web', '--', 'cat'], { env, input: 'hello\nworld\n' });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'hello\nworld\n');
    const missing = await kubectl(['exec', 'web', '--', 'nope'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /executable file not found/);
  });
}

test('kubectl attach -i', { skip, timeout: 30_000 }, async () => {
  const r = await kubectl(['attach', '-i', 'web'], { input: 'shout\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'SHOUT\n');
});

async function roundTrip(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(payload));
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= payload.length) s.end();
    });
    s.setTimeout(10_000, () => s.destroy(new Error(`round trip through port ${port}: no answer within 10 s`)));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

for (const [name, env, transport] of [
  ['SPDY in WebSocket', {}, 'portforward/websocket/SPDY/3.1+portforward.k8s.io'],
  ['plain SPDY', NO_WS_PF, 'portforward/spdy/portforward.k8s.io'],
] as const) {
  test(`kubectl port-forward over ${name}`, { skip, timeout: 60_000 }, async () => {
    const local = await freePort();
    const before = h.sessions.length;
    const p = spawn(KUBECTL, ['--kubeconfig', h.kubeconfigPath, 'port-forward', 'pod/web', `${local}:80`], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Forwarding from 127.0.0.1')) resolve();
      });
      p.on('exit', () => reject(new Error(`port-forward exited: ${err}`)));
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal(await roundTrip(local, `ping ${i}`), `ping ${i}`);
      const big = 'q'.repeat(2 * 1024 * 1024);
      assert.equal((await roundTrip(local, big)).length, big.length);
      assert.equal(h.sessions[before], transport);
    } finally {
      p.kill();
    }
  });
}

test('kubectl port-forward to a closed port: error text, then kubectl gives up', { skip, timeout: 30_000 }, async () => {
  const local = await freePort();
  const p = spawn(KUBECTL, ['--kubeconfig', h.kubeconfigPath, 'port-forward', 'pod/web', `${local}:81`]);
  // The exit listener goes on before anything is awaited: kubectl may give up (and exit) before
  // the round trip below returns, and an 'exit' missed is a promise that never settles.
  const exited = new Promise<number | null>((resolve) => p.once('exit', (c) => resolve(c)));
  const killer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  let out = '';
  let err = '';
  p.stderr.on('data', (c: Buffer) => (err += c.toString()));
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  try {
    const forwarding = await Promise.race([
      new Promise<true>((resolve) => p.stdout.on('data', () => out.includes('Forwarding from 127.0.0.1') && resolve(true))),
      exited.then(() => false),
    ]);
    assert.ok(forwarding, `port-forward exited before forwarding: ${err}`);
    await roundTrip(local, 'x').catch(() => '');
    const code = await exited;
    assert.equal(code, 1, `kubectl gave up with code 1 (killed after 20 s otherwise): ${err}`);
  } finally {
    clearTimeout(killer);
    p.kill('SIGKILL');
  }
  assert.match(err, /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod .*connection refused/);
  assert.match(err, /lost connection to pod/);
});
