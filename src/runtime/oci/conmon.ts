// Starting a container under conmon (runtime.md §3d). conmon runs `runc create`, then stays as the
// container's parent: it writes the exit code to `<exitDir>/<id>`, the CRI-format log, and keeps
// doing so when the agent restarts. conmon double-forks (its parent returns before runc create is
// done), so we hand it a pipe as fd 3 with `_OCI_SYNCPIPE=3`: it writes `{"data": <pid>}` once the
// container is created (or a negative value and a message on failure). The pipe stays open until
// the container exits, so we read one message and close our end.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../network/exec.js';
import { spawnLanesEnabled, spawnOnLane } from '../network/spawn-lane.js';
import { ERR_RUNTIME_COMMAND } from '../../util/error-codes.js';

export interface ConmonStart {
  conmonPath: string;
  runcPath: string;
  runcRoot: string;
  id: string;
  name: string;
  bundle: string;
  /** conmon writes the container's host pid here. */
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  socketDir: string;
  persistDir: string;
  logPath: string;
  logSizeMax: number;
  /** conmon's own diagnostics (stderr of both forks). */
  conmonLog: string;
  stdin: boolean;
  tty: boolean;
  timeoutMs?: number;
}

export async function conmonCreate(o: ConmonStart): Promise<number> {
  const args = [
    '--api-version', '1',
    '-c', o.id, '-u', o.id, '-n', o.name,
    '-r', o.runcPath, '--runtime-arg', '--root', '--runtime-arg', o.runcRoot,
    '-b', o.bundle, '-p', o.pidFile, '-P', o.conmonPidFile,
    '--exit-dir', o.exitDir, '--persist-dir', o.persistDir, '--socket-dir-path', o.socketDir,
    '-l', `k8s-file:${o.logPath}`, '--log-size-max', String(o.logSizeMax), '--log-level', 'error',
  ];
  if (o.stdin) args.push('-i', '--leave-stdin-open');
  if (o.tty) args.push('-t');
  const errFd = openSync(o.conmonLog, 'a');
  try {
    const timeoutMs = o.timeoutMs ?? 30000;
    // Started from a lane thread (spawn-lane.ts) so the fork never blocks this loop.
    const msg = spawnLanesEnabled()
      ? await syncFromLane(o.conmonPath, args, errFd, timeoutMs, o.id)
      : await syncHere(o.conmonPath, args, { ...process.env, _OCI_SYNCPIPE: '3' }, errFd, timeoutMs, o.id);
    let parsed: { data?: unknown; message?: unknown } = {};
    try {
      parsed = JSON.parse(msg.slice(msg.indexOf('{'), msg.indexOf('}') + 1)) as typeof parsed;
    } catch {
      /* empty or garbled: conmon died */
    }
    const pid = typeof parsed.data === 'number' ? parsed.data : -1;
    if (pid <= 0) {
      const log = await readFile(o.conmonLog, 'utf8').catch(() => '');
      const why = typeof parsed.message === 'string' ? parsed.message : log.trim().split('\n').slice(-5).join('\n');
      throw new RuntimeError(ERR_RUNTIME_COMMAND, `container ${o.id} could not be created: ${why || 'conmon exited without a result'}`);
    }
    return pid;
  } finally {
    closeSync(errFd);
  }
}

async function syncFromLane(cmd: string, args: string[], errFd: number, timeoutMs: number, id: string): Promise<string> {
  const r = await spawnOnLane(cmd, args, { extraEnv: { _OCI_SYNCPIPE: '3' }, timeoutMs, detachedWithSyncPipe: { outFd: errFd } });
  if (r.spawnError !== undefined) {
    if (r.spawnError.startsWith('no answer')) throw new RuntimeError(ERR_RUNTIME_COMMAND, `conmon did not report container ${id} created within ${timeoutMs} ms`);
    throw new RuntimeError(ERR_RUNTIME_COMMAND, `conmon: ${r.spawnError}`);
  }
  return r.stdout;
}

/** conmon spawned on this loop (K8TS_SPAWN_LANES=0): its sync pipe's first message. */
async function syncHere(cmd: string, args: string[], env: NodeJS.ProcessEnv, errFd: number, timeoutMs: number, id: string): Promise<string> {
  const child = spawn(cmd, args, {
    stdio: ['ignore', errFd, errFd, 'pipe'],
    env,
    detached: true, // its own session: an agent restart or Ctrl-C in the agent's terminal does not reach it
  });
  child.unref();
  const pipe = child.stdio[3] as Readable;
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new RuntimeError(ERR_RUNTIME_COMMAND, `conmon did not report container ${id} created within ${timeoutMs} ms`)), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      pipe.removeAllListeners('data');
      pipe.destroy();
      if (err) reject(err);
      else resolve(buf);
    };
    pipe.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('}')) done();
    });
    pipe.on('error', () => undefined);
    pipe.on('close', () => done());
    child.on('error', (e) => done(new RuntimeError(ERR_RUNTIME_COMMAND, `conmon: ${e.message}`, { cause: e })));
  });
}
