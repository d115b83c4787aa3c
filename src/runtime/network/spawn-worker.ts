// The thread side of spawn-lane.ts: runs one host command per message and answers with its exit
// code and output. Kept free of repo imports so the thread loads nothing but node:child_process.
import { spawn } from 'node:child_process';
import { parentPort } from 'node:worker_threads';

/** A command to run (spawn-lane.ts sends these). */
export interface SpawnRequest {
  id: number;
  cmd: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Added to the thread's environment (a copy of the process's); cheaper to send than a whole env. */
  extraEnv?: Record<string, string>;
  input?: string | Uint8Array;
  timeoutMs?: number;
  /**
   * Start a supervisor that outlives the call (conmon): detached, stdout/stderr to this fd, and
   * a pipe as fd 3 from which the reply's stdout is read up to the first '}' (or until it closes).
   */
  detachedWithSyncPipe?: { outFd: number };
}

/** Its outcome: `spawnError` when the process could not be started at all. */
export interface SpawnReply {
  id: number;
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function envOf(m: SpawnRequest): NodeJS.ProcessEnv {
  const base = m.env ?? process.env;
  return m.extraEnv ? { ...base, ...m.extraEnv } : base;
}

function startDetached(m: SpawnRequest, outFd: number, reply: (r: SpawnReply) => void): void {
  let child;
  try {
    child = spawn(m.cmd, m.args, { env: envOf(m), stdio: ['ignore', outFd, outFd, 'pipe'], detached: true });
  } catch (e) {
    reply({ id: m.id, code: null, stdout: '', stderr: '', spawnError: (e as Error).message });
    return;
  }
  child.unref();
  const pipe = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  let buf = '';
  let settled = false;
  const done = (spawnError?: string): void => {
    if (settled) return;
    settled = true;
    if (timer) clearTimeout(timer);
    pipe.removeAllListeners('data');
    pipe.destroy();
    reply({ id: m.id, code: null, stdout: buf, stderr: '', spawnError });
  };
  const timer = m.timeoutMs ? setTimeout(() => done(`no answer on the sync pipe within ${m.timeoutMs} ms`), m.timeoutMs) : undefined;
  pipe.on('data', (d: Buffer) => {
    buf += d.toString();
    if (buf.includes('}')) done();
  });
  pipe.on('error', () => undefined);
  pipe.on('close', () => done());
  child.on('error', (e) => done(e.message));
}

function runOne(m: SpawnRequest, reply: (r: SpawnReply) => void): void {
  if (m.detachedWithSyncPipe) return startDetached(m, m.detachedWithSyncPipe.outFd, reply);
  let child;
  try {
    child = spawn(m.cmd, m.args, { env: envOf(m), stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    reply({ id: m.id, code: null, stdout: '', stderr: '', spawnError: (e as Error).message });
    return;
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let settled = false;
  const timer = m.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), m.timeoutMs) : undefined;
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.on('error', (e) => {
    if (timer) clearTimeout(timer);
    if (settled) return;
    settled = true;
    reply({ id: m.id, code: null, stdout: '', stderr: '', spawnError: e.message });
  });
  child.on('close', (code) => {
    if (timer) clearTimeout(timer);
    if (settled) return;
    settled = true;
    reply({ id: m.id, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  });
  child.stdin.on('error', () => {});
  child.stdin.end(m.input ?? '');
}

const port = parentPort;
if (port) port.on('message', (m: SpawnRequest) => runOne(m, (r) => port.postMessage(r)));
