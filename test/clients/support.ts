// Shared by the client matrix (test/clients/*.test.ts): run a real client program against a
// `bin/k8ts server` and collect what it printed. Files named *-real.test.ts run real containers
// and go in the host lane of scripts/run-tests.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startCluster, freePort, K8TS, type TestCluster } from '../helpers/cluster.js';
import { cleanupNodeNetwork, forceCleanupRuntime } from '../helpers/node.js';
import { ensureTestImages } from '../../src/runtime/images/testing/index.js';

export { ROOT, KUBECTL, eventually, type TestCluster } from '../helpers/cluster.js';
export { runtimeSkipReason } from '../helpers/node.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a program to its end (killed after timeoutMs, default 60 s) and returns its output. */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      stderr += `\n[killed after ${o.timeoutMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** Like run, but the program must exit 0; returns stdout. */
export async function must(cmd: string, args: string[], o: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, o);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A server with simulated nodes (pods become Running and Ready; Jobs' pods complete). */
export function startSimulated(extraArgs: string[] = []): Promise<TestCluster> {
  return startCluster({ extraArgs: ['--runtime', 'simulated', ...extraArgs] });
}

/**
 * A server running real containers with runc (the host lane's tests), with the test images
 * (busybox, echoserver, nginx) loaded. Callers skip with runtimeSkipReason() first.
 */
export async function startReal(): Promise<TestCluster> {
  const images = ensureTestImages();
  if ('skip' in images) throw new Error(`test images: ${images.skip}`);
  cleanupNodeNetwork();
  const c = await startCluster({
    extraArgs: ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(await freePort()), '--ingress-https-port', String(await freePort())],
  });
  for (const f of readdirSync(images.dir).filter((x) => x.endsWith('.tar'))) {
    const r: { status: number | null; stderr: string } = spawnSync(process.execPath, [K8TS, 'image', 'load', join(images.dir, f), '--data-dir', c.dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  return c;
}

/** Deletes the workloads, stops the server and leaves the host as it was. */
export async function stopReal(c: TestCluster | undefined, namespaces: string[]): Promise<void> {
  if (!c) return;
  for (const ns of namespaces) await c.kubectl(['delete', 'ns', ns, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await c.kubectl(['delete', 'deploy,pods,svc', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await c.stop();
  forceCleanupRuntime(c.dataDir);
  cleanupNodeNetwork();
  c.cleanup();
}

/** Creates namespace `ns` with a Ready busybox pod `name` in it (busyboxPod). */
export async function readyTargetPod(c: TestCluster, ns: string, name: string): Promise<void> {
  await c.k(['create', 'namespace', ns]);
  await c.k(['apply', '-f', '-'], { input: busyboxPod(name, ns) });
  await c.k(['-n', ns, 'wait', `pod/${name}`, '--for=condition=Ready', '--timeout=60s'], { timeoutMs: 70_000 });
}

/** A pod of busybox that serves `hello from <name>` on 8080 and stays up, as YAML. */
export function busyboxPod(name: string, ns: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: c',
    '    image: busybox:latest',
    '    imagePullPolicy: IfNotPresent',
    `    command: [sh, -c, 'mkdir -p /www && echo hello from ${name} > /www/index.html && httpd -p 8080 -h /www && i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done']`,
    '    ports: [{containerPort: 8080}]',
  ].join('\n');
}
