// exec, attach and port-forward plumbing around runc and the pod's network namespace.
//
// TTY exec: `runc exec -t` in the foreground needs a terminal on its own stdin to proxy (the
// detached form wants a --console-socket and an SCM_RIGHTS receiver, which plain Node lacks).
// We give it one with util-linux `script`: script allocates a pty pair, runs the command on the
// slave and copies master⇄our pipes. The command first sets the pty raw (`stty raw -echo`, so
// input typed before runc takes over is not echoed twice), then execs runc, which puts its own
// pty inside the container. Resize = `stty -F <script's pty> rows R cols C`: the kernel sends
// SIGWINCH to the foreground process (runc), which copies the size to the container's console.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readlink, rm } from 'node:fs/promises';
import { Duplex, PassThrough } from 'node:stream';
import { connect } from 'node:net';
import type { ExecResult, StreamSession } from '../types.js';
import { RuntimeError, run } from '../network/exec.js';
import { ERR_RUNTIME_COMMAND, ERR_RUNTIME_INVALID } from '../../util/error-codes.js';

export interface RuncTarget {
  runcPath: string;
  runcRoot: string;
  id: string;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function execSync(t: RuncTarget, cmd: string[], timeoutSeconds: number, pidFile: string): Promise<ExecResult> {
  if (cmd.length === 0) throw new RuntimeError(ERR_RUNTIME_INVALID, 'exec: empty command');
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(t.runcPath, ['--root', t.runcRoot, 'exec', '--pid-file', pidFile, t.id, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            void killByPidFile(pidFile).finally(() => setTimeout(() => child.kill('SIGKILL'), 1000).unref());
          }, timeoutSeconds * 1000)
        : undefined;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new RuntimeError(ERR_RUNTIME_COMMAND, `runc exec: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      void rm(pidFile, { force: true });
      const stderr = Buffer.concat(err);
      if (timedOut) {
        resolve({ exitCode: 124, stdout: Buffer.concat(out), stderr: Buffer.concat([stderr, Buffer.from(`command timed out after ${timeoutSeconds}s\n`)]) });
      } else resolve({ exitCode: code ?? 128 + (signal ? 9 : 0), stdout: Buffer.concat(out), stderr });
    });
  });
}

async function killByPidFile(pidFile: string): Promise<void> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    /* not started or gone */
  }
}

export function execStream(t: RuncTarget, cmd: string[], opts: { tty: boolean; stdin: boolean }, pidFile: string): StreamSession {
  if (cmd.length === 0) throw new RuntimeError(ERR_RUNTIME_INVALID, 'exec: empty command');
  const runcArgs = ['--root', t.runcRoot, 'exec', '--pid-file', pidFile, ...(opts.tty ? ['-t'] : []), t.id, ...cmd];
  let child: ChildProcess;
  if (opts.tty) {
    const inner = `stty raw -echo rows 24 cols 80 2>/dev/null; exec ${[t.runcPath, ...runcArgs].map(shellQuote).join(' ')}`;
    child = spawn('script', ['-qfec', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/sh', TERM: process.env.TERM ?? 'xterm' } });
  } else {
    child = spawn(t.runcPath, runcArgs, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  }
  const exit = new Promise<number>((resolve) => {
    child.on('error', () => resolve(126));
    child.on('close', (code, signal) => {
      void rm(pidFile, { force: true });
      resolve(code ?? (signal ? 137 : 1));
    });
  });
  const stdout = child.stdout!;
  // With a TTY, script's own stderr carries nothing of the container's (it is all on the pty).
  const stderr = opts.tty ? undefined : child.stderr!;
  if (opts.tty) child.stderr!.resume();
  let ptyPath: string | undefined;
  const session: StreamSession = {
    stdin: opts.stdin || opts.tty ? child.stdin! : undefined,
    stdout,
    stderr,
    exit,
    kill() {
      void killByPidFile(pidFile);
      child.kill('SIGKILL');
    },
  };
  if (!opts.stdin && opts.tty) child.stdin!.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  if (opts.tty) {
    session.resize = (cols: number, rows: number) =>
      (async () => {
        ptyPath ??= await findScriptPty(child.pid);
        if (ptyPath) await run('stty', ['-F', ptyPath, 'rows', String(Math.max(1, rows | 0)), 'cols', String(Math.max(1, cols | 0))], { allowFailure: true });
      })().catch(() => undefined);
  }
  return session;
}

/**
 * The pty slave script gave its child: stdin of script's (only) child process, once that child
 * has exec'd runc — before, it is the shell that sets the initial size (24x80), which would
 * undo a resize applied earlier.
 */
async function findScriptPty(scriptPid: number | undefined): Promise<string | undefined> {
  if (!scriptPid) return undefined;
  for (let i = 0; i < 40; i++) {
    try {
      const children = (await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
      for (const c of children) {
        const link = await readlink(`/proc/${c}/fd/0`).catch(() => '');
        const comm = (await readFile(`/proc/${c}/comm`, 'utf8').catch(() => '')).trim();
        if (link.startsWith('/dev/pts/') && comm && comm !== 'sh') return link;
      }
    } catch {
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

/**
 * Attach = follow the container's CRI log (stdout/stderr demultiplexed) until it exits.
 * conmon's attach socket is SOCK_SEQPACKET, which Node cannot open, so stdin is not supported.
 */
export function attachByLog(logPath: string, isExited: () => Promise<boolean>): StreamSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let stopped = false;
  let offset = -1;
  let partial = '';
  const exit = (async () => {
    const { open } = await import('node:fs/promises');
    let fh = await open(logPath, 'r').catch(() => undefined);
    if (fh) offset = (await fh.stat()).size; // only new output, like docker attach
    const buf = Buffer.alloc(64 * 1024);
    let exitedSeen = 0;
    while (!stopped) {
      fh ??= await open(logPath, 'r').catch(() => undefined);
      if (fh) {
        if (offset < 0) offset = 0;
        const st = await fh.stat();
        if (st.size < offset) offset = 0; // truncated by --log-size-max
        while (!stopped) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (!bytesRead) break;
          offset += bytesRead;
          partial += buf.subarray(0, bytesRead).toString('utf8');
          let nl;
          while ((nl = partial.indexOf('\n')) >= 0) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            const m = /^\S+ (stdout|stderr) ([PF]) (.*)$/.exec(line);
            if (!m) continue;
            (m[1] === 'stderr' ? stderr : stdout).write(m[2] === 'F' ? `${m[3]}\n` : m[3]);
          }
        }
      }
      if (await isExited()) {
        if (++exitedSeen > 1) break; // one more read after the exit to drain the tail
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await fh?.close();
    stdout.end();
    stderr.end();
    return 0;
  })();
  return {
    stdout,
    stderr,
    exit,
    kill() {
      stopped = true;
    },
  };
}

/**
 * TCP connection to 127.0.0.1:port inside a network namespace: a tiny Node relay run under
 * `nsenter --net=<netns>`, stdio ⇄ socket. (Dialling the pod IP from the host would miss
 * loopback-only listeners.) Resolves once the relay has connected; rejects with its error.
 */
export function netnsConnect(nodePath: string, netnsPath: string, port: number): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(new RuntimeError(ERR_RUNTIME_INVALID, `invalid port ${port}`));
  if (!netnsPath) {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }
  const relay =
    "const s=require('net').connect(+process.argv[1],'127.0.0.1');" +
    "s.on('connect',()=>{process.stderr.write('OK\\n');process.stdin.pipe(s);s.pipe(process.stdout);});" +
    "s.on('error',e=>{process.stderr.write('ERR '+e.message+'\\n');process.exit(1)});" +
    "s.on('close',()=>process.exit(0));";
  const child = spawn('nsenter', [`--net=${netnsPath}`, nodePath, '-e', relay, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const onData = (d: Buffer) => {
      err += d.toString();
      if (err.startsWith('OK\n')) {
        child.stderr.off('data', onData);
        const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
        duplex.on('close', () => child.kill());
        child.stdin.on('error', () => undefined);
        resolve(duplex);
      } else if (err.includes('\n')) {
        child.kill();
        reject(new RuntimeError(ERR_RUNTIME_COMMAND, `port-forward to 127.0.0.1:${port} in ${netnsPath}: ${err.replace(/^ERR /, '').trim()}`));
      }
    };
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new RuntimeError(ERR_RUNTIME_COMMAND, `nsenter: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (!err.startsWith('OK\n')) reject(new RuntimeError(ERR_RUNTIME_COMMAND, `port-forward relay exited ${code}: ${err.trim()}`));
    });
  });
}
