// Starts `bin/k8ts server` in a temp data dir on a free port of 127.0.0.1, reads its kubeconfig,
// and stops it by PID. Every started server is remembered so a crash of the benchmark still
// kills it (exit hook) and removes its temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface ServerHandle {
  readonly pid: number;
  readonly dir: string;
  readonly creds: Credentials;
  readonly startupMs: number;
  /** The last lines the server wrote to stdout/stderr. */
  logTail(): string[];
  /** Lines that look like errors or warnings, counted over the whole run. */
  errorLines(): string[];
  exited(): boolean;
  stop(): Promise<void>;
}

const live = new Map<number, { child: ChildProcess; dir: string }>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const [pid, s] of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      rmSync(s.dir, { recursive: true, force: true });
    }
  });
}

function kubeconfigField(text: string, field: string): string {
  const m = new RegExp(`${field}:\\s*(\\S+)`).exec(text);
  if (!m) throw new Error(`kubeconfig has no ${field}`);
  return m[1]!;
}

export async function startServer(root: string, datastore: string, timeoutMs = 30_000, extraArgs: string[] = []): Promise<ServerHandle> {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-apibench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/k8ts'), 'server', '--data-dir', dir, '--port', '0', '--bind-address', '127.0.0.1', '--datastore', datastore, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('could not spawn bin/k8ts server');
  }
  const pid = child.pid;
  live.set(pid, { child, dir });
  const tail: string[] = [];
  const errors: string[] = [];
  let exitedFlag = false;
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 50) tail.shift();
      if (/error|warn|exception|unhandled|fatal/i.test(line) && errors.length < 200) errors.push(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exitPromise = new Promise<void>((resolve) => child.on('exit', () => ((exitedFlag = true), resolve())));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${timeoutMs} ms:\n${tail.join('\n')}`)), timeoutMs);
    const check = (): void => {
      if (tail.some((l) => l.includes('kubeconfig written to'))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${tail.join('\n')}`));
    });
  }).catch(async (e: unknown) => {
    await stopChild(pid, child, exitPromise, dir);
    throw e;
  });
  const startupMs = performance.now() - t0;

  const kc = readFileSync(join(dir, 'kubeconfig.yaml'), 'utf8');
  const url = new URL(kubeconfigField(kc, 'server'));
  const creds: Credentials = {
    host: url.hostname,
    port: Number(url.port),
    ca: Buffer.from(kubeconfigField(kc, 'certificate-authority-data'), 'base64'),
    cert: Buffer.from(kubeconfigField(kc, 'client-certificate-data'), 'base64'),
    key: Buffer.from(kubeconfigField(kc, 'client-key-data'), 'base64'),
  };
  if (creds.host !== '127.0.0.1') throw new Error(`server address is ${creds.host}, expected 127.0.0.1`);
  return {
    pid,
    dir,
    creds,
    startupMs,
    logTail: () => [...tail, ...(partial ? [partial] : [])],
    errorLines: () => [...errors],
    exited: () => exitedFlag,
    stop: () => stopChild(pid, child, exitPromise, dir),
  };
}

async function stopChild(pid: number, child: ChildProcess, exited: Promise<void>, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  live.delete(pid);
  rmSync(dir, { recursive: true, force: true });
}

/** VmRSS and VmHWM of a process in MB, from /proc/PID/status. */
export function readRss(pid: number): { rssMB: number; hwmMB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s*(\\d+) kB`).exec(s)?.[1] ?? Number.NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

/** V8 heap used per loop, MB, from the server's /metrics text: the main loop (nodejs_heap_size_used_bytes) and each worker (k8ts_loop_heap_bytes). */
export function heapsMB(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  const main = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+(\S+)$/m.exec(metrics);
  if (main) out.main = +(Number(main[1]) / 2 ** 20).toFixed(1);
  for (const m of metrics.matchAll(/^k8ts_loop_heap_bytes\{(?=[^}]*kind="used")[^}]*loop="([^"]+)"[^}]*\}\s+(\S+)$/gm)) out[m[1]!] = +(Number(m[2]) / 2 ** 20).toFixed(1);
  return out;
}
