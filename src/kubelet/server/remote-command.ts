// exec and attach: one process session (from the runtime) bridged to the client's streams,
// over WebSocket channels (v5/v4.channel.k8s.io) or SPDY streams (v4.channel.k8s.io).
//
//   WebSocket: every binary message is `channel byte + payload`
//     0 stdin (in)   1 stdout (out)   2 stderr (out)   3 status (out, one metav1.Status JSON)
//     4 resize (in, {"Width":W,"Height":H})   255 close (in, v5: [255, 0] = stdin EOF)
//   SPDY: one stream per `streamtype` header (error, stdin, stdout, stderr, resize); FIN on
//     stdin is EOF; the Status JSON goes on `error`, then every stream is FINed.
//
// The command runs once every stream the query asked for is open. After the process exits
// and its output drained, the Status is written and the connection closes.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { StatusError, badRequest } from '../../api/status.js';
import type { StreamSession } from '../../runtime/index.js';
import { attachSocket, type SpdyStream } from '../../util/spdy/index.js';
import { boolParam, toStatus } from './http.js';
import type { ResolvedContainer, StreamingRuntime } from './types.js';

export type RemoteCommandKind = 'exec' | 'attach';

export interface RemoteCommandOptions {
  kind: RemoteCommandKind;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** WebSocket subprotocols, most preferred first. */
export const WS_CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
/** SPDY remotecommand protocols (X-Stream-Protocol-Version). */
export const SPDY_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io'] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Reason and cause type upstream uses for a non-zero exit (kubectl prints the code). */
export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE_TYPE = 'ExitCode';

/** Upstream's query parsing (kubelet `newOptions`). */
export function parseRemoteCommandOptions(kind: RemoteCommandKind, q: URLSearchParams): RemoteCommandOptions {
  const tty = boolParam(q, 'tty');
  const o: RemoteCommandOptions = {
    kind,
    command: q.getAll('command'),
    stdin: boolParam(q, 'stdin'),
    stdout: boolParam(q, 'stdout'),
    // With a TTY stderr is merged into stdout.
    stderr: boolParam(q, 'stderr') && !tty,
    tty,
  };
  if (!o.stdin && !o.stdout && !boolParam(q, 'stderr')) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (kind === 'exec' && o.command.length === 0) throw badRequest('you must specify at least one command for the container');
  return o;
}

export type CommandStatus = { metadata: Record<string, never>; status: 'Success' } | ReturnType<typeof toStatus>;

export function exitStatus(code: number, command: string[]): CommandStatus {
  if (code === 0) return { metadata: {}, status: 'Success' };
  const s = new StatusError({
    code: 500,
    reason: NON_ZERO_EXIT_CODE_REASON as never,
    message: `command terminated with non-zero exit code: command '${command.join(' ')}' exited with ${code}`,
    details: { causes: [{ reason: EXIT_CODE_CAUSE_TYPE, message: String(code) }] },
  }).status;
  return s;
}

/** The client's side of a session, whatever carries it. */
export interface CommandIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal size changes from the client. */
  onResize(cb: (cols: number, rows: number) => void): void;
  /** Resolves when the client goes away. */
  gone: Promise<void>;
  writeStatus(s: CommandStatus): Promise<void>;
  /** Ends the connection after the status. */
  close(): void;
}

/** Copies `src` into `dst` with back-pressure; resolves when `src` ends or fails. */
function pump(src: NodeJS.ReadableStream, dst: Writable | undefined): Promise<void> {
  const r = src as Readable;
  return new Promise<void>((resolve) => {
    const done = (): void => {
      dst?.off('drain', onDrain);
      resolve();
    };
    const onDrain = (): void => void r.resume();
    r.on('data', (c: Buffer) => {
      if (dst && !dst.destroyed && !dst.write(c)) r.pause();
    });
    dst?.on('drain', onDrain);
    r.once('end', done);
    r.once('close', done);
    r.once('error', done);
  });
}

const OUTPUT_DRAIN_GRACE_MS = 2000;

/** Runs a started session against the client until the process exits or the client leaves. */
export async function serveSession(session: StreamSession, io: CommandIO, opts: RemoteCommandOptions): Promise<void> {
  if (io.stdin) {
    if (session.stdin) {
      const target = session.stdin as Writable;
      target.on('error', () => undefined);
      io.stdin.pipe(target);
    } else io.stdin.resume();
  }
  io.onResize((cols, rows) => session.resize?.(cols, rows));
  const outputs = [session.stdout ? pump(session.stdout, io.stdout) : undefined, session.stderr ? pump(session.stderr, io.stderr) : undefined].filter(Boolean);
  let clientGone = false;
  void io.gone.then(() => {
    clientGone = true;
    // Exec'd processes die with their client; an attach leaves the container running.
    if (opts.kind === 'exec') session.kill();
  });
  let status: CommandStatus;
  try {
    const code = await session.exit;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(outputs), new Promise<void>((r) => (timer = setTimeout(r, OUTPUT_DRAIN_GRACE_MS)))]);
    clearTimeout(timer);
    status = exitStatus(code, opts.command);
  } catch (e) {
    status = toStatus(e);
  }
  if (clientGone) return;
  await io.writeStatus(status);
  io.close();
}

export async function startSession(runtime: StreamingRuntime, c: ResolvedContainer, opts: RemoteCommandOptions): Promise<StreamSession> {
  return opts.kind === 'exec'
    ? runtime.exec(c.containerId, opts.command, { tty: opts.tty, stdin: opts.stdin })
    : runtime.attach(c.containerId, { stdin: opts.stdin, tty: opts.tty });
}

// ---- JSON resize messages ----

/** Splits concatenated JSON objects (the SPDY resize stream) and calls back per size. */
function resizeDecoder(cb: (cols: number, rows: number) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString('utf8');
    for (;;) {
      const end = buf.indexOf('}');
      if (end < 0) return;
      const obj = buf.slice(0, end + 1);
      buf = buf.slice(end + 1);
      applyResize(obj, cb);
    }
  };
}

function applyResize(json: string, cb: (cols: number, rows: number) => void): void {
  try {
    const v = JSON.parse(json) as { Width?: unknown; Height?: unknown };
    if (typeof v.Width === 'number' && typeof v.Height === 'number') cb(v.Width, v.Height);
  } catch {
    // A malformed resize message is dropped, as upstream does.
  }
}

// ---- WebSocket transport ----

/** A Writable that sends each chunk as a binary message on one channel. */
function channelWriter(ws: WebSocket, channel: number): Writable {
  const w = new PassThrough();
  w.on('data', (c: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const msg = Buffer.allocUnsafe(c.length + 1);
    msg[0] = channel;
    c.copy(msg, 1);
    ws.send(msg, { binary: true });
    if (ws.bufferedAmount > 1024 * 1024) {
      w.pause();
      const t = setInterval(() => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= 1024 * 1024) {
          clearInterval(t);
          w.resume();
        }
      }, 5);
    }
  });
  return w;
}

export function websocketIO(ws: WebSocket, opts: RemoteCommandOptions): CommandIO {
  const protocol = ws.protocol;
  const stdin = opts.stdin ? new PassThrough() : undefined;
  let resize: ((c: number, r: number) => void) | undefined;
  // Text frames count like binary ones (upstream reads both): the Python client sends str
  // stdin as a text frame whose first character is the channel.
  ws.on('message', (data: Buffer) => {
    if (data.length === 0) return;
    const ch = data[0];
    const payload = data.subarray(1);
    switch (ch) {
      case Channel.stdin:
        if (stdin && !stdin.writableEnded && payload.length) stdin.write(Buffer.from(payload));
        return;
      case Channel.resize:
        if (resize) applyResize(payload.toString('utf8'), resize);
        return;
      case Channel.close:
        // v5: [255, channel] closes that client channel; only stdin can be closed.
        if (protocol === 'v5.channel.k8s.io' && payload[0] === Channel.stdin) stdin?.end();
        return;
    }
  });
  const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  void gone.then(() => stdin?.end());
  const stdout = opts.stdout ? channelWriter(ws, Channel.stdout) : undefined;
  const stderr = opts.stderr ? channelWriter(ws, Channel.stderr) : undefined;
  // Upstream announces the connection with an empty message on the lowest output channel.
  const first = opts.stdout ? Channel.stdout : opts.stderr ? Channel.stderr : Channel.error;
  ws.send(Buffer.from([first]), { binary: true });
  return {
    stdin,
    stdout,
    stderr,
    gone,
    onResize: (cb) => (resize = cb),
    writeStatus: (s) =>
      new Promise<void>((resolve) => {
        if (ws.readyState !== ws.OPEN) return resolve();
        ws.send(Buffer.concat([Buffer.from([Channel.error]), Buffer.from(JSON.stringify(s))]), { binary: true }, () => resolve());
      }),
    close: () => closeSeparately(ws),
  };
}

// ---- SPDY transport ----

const STREAM_TYPES = ['error', 'stdin', 'stdout', 'stderr', 'resize'] as const;
type StreamType = (typeof STREAM_TYPES)[number];

/**
 * Serves exec/attach on a socket already switched to SPDY/3.1: waits for the client's
 * streams, then runs the session.
 */
export function serveSpdyCommand(
  socket: Duplex,
  head: Buffer,
  opts: RemoteCommandOptions,
  start: () => Promise<StreamSession>,
  timeoutMs: number,
): void {
  const expected: StreamType[] = ['error'];
  if (opts.stdin) expected.push('stdin');
  if (opts.stdout) expected.push('stdout');
  if (opts.stderr) expected.push('stderr');
  if (opts.tty) expected.push('resize');
  const streams = new Map<StreamType, SpdyStream>();
  let started = false;
  let resize: ((c: number, r: number) => void) | undefined;
  const timer = setTimeout(() => {
    if (!started) session.close();
  }, timeoutMs);
  const session = attachSocket(
    socket,
    {
      isServer: true,
      onStream: (s) => {
        const type = s.headers['streamtype'] as StreamType;
        if (!STREAM_TYPES.includes(type) || streams.has(type)) {
          s.rst();
          return;
        }
        s.reply();
        streams.set(type, s);
        s.on('error', () => undefined);
        if (type === 'resize') s.on('data', resizeDecoder((c, r) => resize?.(c, r)));
        else if (type === 'error') s.resume();
        if (!started && expected.every((t) => streams.has(t))) {
          started = true;
          clearTimeout(timer);
          void run();
        }
      },
    },
    head,
  );
  session.onClose(() => clearTimeout(timer));
  const gone = new Promise<void>((resolve) => session.onClose(resolve));

  const run = async (): Promise<void> => {
    const errStream = streams.get('error')!;
    const writeStatus = (s: CommandStatus): Promise<void> =>
      new Promise<void>((resolve) => {
        if (errStream.destroyed || errStream.writableEnded) return resolve();
        errStream.end(JSON.stringify(s), () => resolve());
      });
    let sess: StreamSession;
    try {
      sess = await start();
    } catch (e) {
      await writeStatus(toStatus(e));
      finish();
      return;
    }
    const io: CommandIO = {
      stdin: streams.get('stdin'),
      stdout: streams.get('stdout'),
      stderr: streams.get('stderr'),
      gone,
      onResize: (cb) => (resize = cb),
      writeStatus,
      close: finish,
    };
    await serveSession(sess, io, opts);
  };

  function finish(): void {
    for (const s of streams.values()) if (!s.destroyed && !s.writableEnded) s.end();
    // The client closes once it has the status; close ourselves if it does not.
    setTimeout(() => session.close(), 1000).unref();
  }
}

/** How long a WebSocket waits after its last frame was flushed before its close frame. */
const CLOSE_AFTER_MS = 50;

/**
 * Closes a WebSocket a moment after its last frame was flushed, so the close frame travels in
 * a TLS record of its own. The Python client reads one frame per poll() of the raw socket, so
 * a close that shares a record with the frames before it is never seen and its exec hangs
 * (kubernetes-client/python#2414); Go servers write one record per frame.
 */
export function closeSeparately(ws: WebSocket, code = 1000): void {
  const close = (): void => {
    if (ws.readyState === ws.OPEN) ws.close(code);
  };
  if (ws.readyState !== ws.OPEN) return;
  // An empty ping's callback runs once everything queued before it was written.
  ws.ping(Buffer.alloc(0), undefined, () => setTimeout(close, CLOSE_AFTER_MS));
}
