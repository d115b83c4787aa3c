// Starts a real `bin/k8ts server` in a temporary data dir and runs the real kubectl 1.32
// (from .tools/, see scripts/ensure-tools.mjs) against it.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { bounded } from '../../src/testing/bounded.js';

export const ROOT = process.env.K8TS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const KUBECTL = join(ROOT, '.tools/kubectl');
/** K8TS_BIN: another build's bin/k8ts to start (benchmarks comparing builds); tools stay this checkout's. */
export const K8TS = process.env.K8TS_BIN ?? join(ROOT, 'bin/k8ts');
/** The repository's example manifests (examples/): the article's nginx.yaml among them. */
export const SEED = join(ROOT, 'examples');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  dataDir: string;
  kubeconfig: string;
  url: string;
  port: number;
  proc: ChildProcess;
  log(): string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  k(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Removes the data dir (after stop). */
  cleanup(): void;
}

export interface StartOptions {
  datastore?: string;
  dataDir?: string;
  /** API server port; a free one when unset. A restart on the same dataDir passes the first start's port. */
  port?: number;
  extraArgs?: string[];
  /** Extra environment for the server (e.g. test-only hooks). */
  env?: NodeJS.ProcessEnv;
}

export async function startCluster(o: StartOptions = {}): Promise<TestCluster> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-test-'));
  const port = o.port ?? (await freePort());
  const proc = spawn(process.execPath, [K8TS, 'server', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--datastore', o.datastore ?? 'sqlite', ...(o.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in 15s:\n${log}`)), 15_000);
    const check = (): void => {
      if (log.includes('kubeconfig written')) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const cacheDir = join(dataDir, 'kubectl-cache');
  const kubectl = (args: string[], ko: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        KUBECTL,
        args,
        { env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir, HOME: dataDir }, timeout: ko.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (ko.input !== undefined) child.stdin!.end(ko.input);
    });
  const cluster: TestCluster = {
    dataDir,
    kubeconfig,
    url: `https://127.0.0.1:${port}`,
    port,
    proc,
    log: () => log,
    kubectl,
    k: async (args, ko) => {
      const r = await kubectl(args, ko);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    // Bounded: a server that ignores the signal gets SIGKILL after 30 s; the wait fails after 40 s.
    stop: (signal = 'SIGTERM') => {
      const exited = new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      });
      const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      return bounded(exited, 40_000, `stopping the server (pid ${proc.pid}) with ${signal}`).finally(() => clearTimeout(killer));
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
  return cluster;
}

/** Polls until fn returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
