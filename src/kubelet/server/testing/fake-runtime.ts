// A scripted runtime for the streaming server's tests: a few "binaries" whose behaviour is
// easy to assert, and port-forward to local TCP ports.
//
//   echo ARGS…        prints ARGS and a newline
//   cat               copies stdin to stdout until stdin ends
//   sh -c 'exit N'    exits with N          false        exits with 1
//   warn TEXT         prints TEXT on stderr, exits 0
//   winsize           prints "COLSxROWS" per resize until stdin ends
//   sleep S           exits after S seconds (or when killed: 137)
import { connect } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import type { ContainerStatus, StreamSession } from '../../../runtime/types.js';
import type { StreamingRuntime } from '../types.js';

export interface FakeRuntimeOptions {
  /** Pod port → local TCP port actually dialled on 127.0.0.1. */
  ports?: Record<number, number>;
}

export class FakeRuntime implements StreamingRuntime {
  readonly execs: Array<{ id: string; cmd: string[]; tty: boolean; stdin: boolean }> = [];
  readonly killed: string[][] = [];
  readonly attachOutput = new PassThrough();
  running = true;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {}

  async exec(id: string, cmd: string[], o: { tty: boolean; stdin: boolean }): Promise<StreamSession> {
    this.execs.push({ id, cmd, ...o });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = o.tty ? undefined : new PassThrough();
    let finish!: (code: number) => void;
    const exit = new Promise<number>((r) => (finish = r));
    let done = false;
    const end = (code: number): void => {
      if (done) return;
      done = true;
      stdout.end();
      stderr?.end();
      finish(code);
    };
    let onResize: ((c: number, r: number) => void) | undefined;
    const [bin, ...args] = cmd;
    switch (bin) {
      case 'echo':
        stdout.write(args.join(' ') + '\n');
        setImmediate(() => end(0));
        break;
      case 'cat':
        stdin.on('data', (c: Buffer) => stdout.write(c));
        stdin.on('end', () => end(0));
        break;
      case 'sh': {
        const m = /^exit (\d+)$/.exec(args[1] ?? '');
        setImmediate(() => end(m ? Number(m[1]) : 0));
        break;
      }
      case 'false':
        setImmediate(() => end(1));
        break;
      case 'warn':
        (stderr ?? stdout).write(args.join(' ') + '\n');
        setImmediate(() => end(0));
        break;
      case 'winsize':
        onResize = (c, r) => stdout.write(`${c}x${r}\n`);
        stdin.on('end', () => end(0));
        stdin.resume();
        break;
      case 'sleep':
        setTimeout(() => end(0), Number(args[0] ?? '1') * 1000).unref();
        break;
      default:
        throw new Error(`failed to exec in container: exec: "${bin}": executable file not found in $PATH`);
    }
    return {
      stdin,
      stdout,
      stderr,
      exit,
      resize: (c, r) => onResize?.(c, r),
      kill: () => {
        if (done) return;
        this.killed.push(cmd);
        end(137);
      },
    };
  }

  async attach(_id: string, o: { stdin: boolean; tty: boolean }): Promise<StreamSession> {
    const stdout = new PassThrough();
    this.attachOutput.pipe(stdout);
    const stdin = new PassThrough();
    // The fake main process echoes what it reads, upper-cased, and exits at stdin EOF.
    stdin.on('data', (c: Buffer) => stdout.write(c.toString().toUpperCase()));
    let finish!: (n: number) => void;
    const exit = new Promise<number>((r) => (finish = r));
    stdin.on('end', () => {
      this.attachOutput.unpipe(stdout);
      stdout.end();
      finish(0);
    });
    return { stdin: o.stdin ? stdin : undefined, stdout, stderr: undefined, exit, kill: () => stdin.end() };
  }

  async portForward(_sandboxId: string, port: number): Promise<Duplex> {
    const target = this.opts.ports?.[port];
    if (!target) throw new Error(`failed to connect to localhost:${port} inside namespace: connect: connection refused`);
    return new Promise<Duplex>((resolve, reject) => {
      const s = connect(target, '127.0.0.1');
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    return { id, sandboxId: 'sb', name: 'c', attempt: 0, state: this.running ? 'running' : 'exited', image: 'img', imageRef: 'sha256:0', createdAt: 0, logPath: '', labels: {} };
  }
}
