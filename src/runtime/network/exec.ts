// Running host tools (ip, nft, iptables, CNI plugins, runc, mount) from the runtime. One helper
// so every failure carries the command, exit code and stderr, as a RuntimeCommandError.
import { spawn } from 'node:child_process';
import { writeFile, rename, readFile } from 'node:fs/promises';

import { ERR_RUNTIME_COMMAND, type RuntimeErrorCode } from '../../util/error-codes.js';
import { spawnLanesEnabled, spawnOnLane } from './spawn-lane.js';

/** Error codes: ERR_RUNTIME_* in src/util/error-codes.ts (also listed in src/runtime/oci/README.md). */
export type { RuntimeErrorCode };

export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}

export class RuntimeCommandError extends RuntimeError {
  constructor(readonly command: string, readonly exitCode: number | null, readonly stderr: string, options?: { cause?: unknown }) {
    super(ERR_RUNTIME_COMMAND, `${command} failed (exit ${exitCode}): ${stderr.trim().slice(0, 2000)}`, options);
    this.name = 'RuntimeCommandError';
  }
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host command to completion. It is spawned from a lane thread (spawn-lane.ts), so the
 * fork-and-exec wait never blocks the caller's loop; same result either way.
 */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (!spawnLanesEnabled()) return runHere(cmd, args, opts);
  const r = await spawnOnLane(cmd, args, opts);
  if (r.spawnError !== undefined) throw new RuntimeCommandError(describe(cmd, args), null, r.spawnError);
  const res = { code: r.code, stdout: r.stdout, stderr: r.stderr };
  if (r.code !== 0 && !opts.allowFailure) throw new RuntimeCommandError(describe(cmd, args), r.code, r.stderr || r.stdout);
  return res;
}

/** run() on this loop (K8TS_SPAWN_LANES=0). */
function runHere(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new RuntimeCommandError(describe(cmd, args), null, e.message, { cause: e }));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const r = { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (code !== 0 && !opts.allowFailure) reject(new RuntimeCommandError(describe(cmd, args), code, r.stderr || r.stdout));
      else resolve(r);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

function describe(cmd: string, args: readonly string[]): string {
  const s = [cmd, ...args].join(' ');
  return s.length > 300 ? s.slice(0, 300) + '…' : s;
}

/** Write a file atomically (temp + rename), so a crash never leaves half a state file. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    if (isEnoent(e)) return undefined;
    throw e;
  }
}

export function isEnoent(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes a value to a /proc/sys file (faster than spawning sysctl). */
export async function setSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key.replace(/\./g, '/')}`, value);
}

/** A tiny promise mutex: serializes read-modify-write of shared on-disk state within the process. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Whether a network link exists in this process's network namespace. Asks the kernel through
 * `ip` rather than /sys/class/net, which shows the namespace /sys was mounted in — not ours
 * when a node runs in a namespace of its own (`nsenter --net`).
 */
export async function linkExists(name: string): Promise<boolean> {
  const r = await run('ip', ['link', 'show', 'dev', name], { allowFailure: true });
  return r.code === 0;
}
