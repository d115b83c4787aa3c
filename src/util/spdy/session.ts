// A SPDY/3.1 connection over any byte transport (a TCP/TLS socket, or the byte stream
// tunnelled through WebSocket messages), and its streams as Node Duplexes.
//
//   peer bytes ─▶ receive() ─▶ FrameReader ─▶ frame queue ─▶ (header blocks: HeaderInflater)
//                                                   │
//             SYN_STREAM ─▶ onStream(SpdyStream)    ├─ DATA ─▶ stream.push / FIN ─▶ push(null)
//             PING ─▶ echoed                        └─ RST_STREAM ─▶ stream closes
//   stream.write ─▶ DATA frames ─▶ send()           stream.end ─▶ DATA+FIN
//
// Frames are handled strictly in arrival order; only header blocks wait (on zlib), and data
// frames behind them wait too. No flow control is sent or enforced: kubectl's spdystream
// neither sends nor needs WINDOW_UPDATE (kubectl-compat §8.4). Back-pressure is local:
// a stream whose reader is slow pauses the transport, and writes wait while `send` reports a
// full transport buffer until the owner calls `drained()`.
import { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, RstStatus, SpdyProtocolError, type SpdyFrame } from './frames.js';
import { HeaderDeflater, HeaderInflater, type SpdyHeaders } from './header-block.js';
import { BugError } from '../bug-error.js';

export interface SpdySessionOptions {
  /** Servers accept odd (client-initiated) stream ids and open even ones. */
  isServer: boolean;
  /** Writes bytes to the peer; returns false when the transport buffer is full. */
  send(data: Buffer): boolean;
  /** Ends the transport (after what was sent is flushed). */
  close(): void;
  /** Stop / restart reading from the transport (optional back-pressure). */
  pause?(): void;
  resume?(): void;
  /** A stream the peer opened. Call `stream.reply()` to accept it. */
  onStream?(stream: SpdyStream): void;
  /** Protocol errors (the session sends GOAWAY and closes). */
  onError?(err: Error): void;
}

const MAX_DATA_CHUNK = 32 * 1024;

export class SpdyStream extends Duplex {
  /** Peer's headers: the SYN_STREAM's for peer-opened streams, the SYN_REPLY's for ours. */
  headers: SpdyHeaders;
  private localFin = false;
  private remoteFin = false;
  private replied = false;
  private reset = false;
  /** Resolves when the peer answered our SYN_STREAM. */
  readonly replyReceived: Promise<SpdyHeaders>;
  private resolveReply!: (h: SpdyHeaders) => void;
  private rejectReply!: (e: Error) => void;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    headers: SpdyHeaders,
    readonly peerInitiated: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.headers = headers;
    this.replied = !peerInitiated;
    this.replyReceived = new Promise<SpdyHeaders>((res, rej) => {
      this.resolveReply = res;
      this.rejectReply = rej;
    });
    this.replyReceived.catch(() => undefined);
  }

  /** Accepts a peer-opened stream (SYN_REPLY). Idempotent. */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    if (this.replied || this.reset) return;
    this.replied = true;
    this.session.sendFrame({ type: 'syn_reply', streamId: this.id, fin, headerBlock: this.session.deflater.compress(headers) });
    if (fin) this.markLocalFin();
  }

  /** Aborts the stream (RST_STREAM). */
  rst(status: number = RstStatus.CANCEL): void {
    if (this.reset) return;
    this.reset = true;
    if (!(this.localFin && this.remoteFin)) this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status });
    this.finish();
  }

  get isReset(): boolean {
    return this.reset;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.reset || this.localFin) return cb();
    if (!this.replied) this.reply();
    for (let off = 0; off < chunk.length; off += MAX_DATA_CHUNK) {
      this.session.sendFrame({ type: 'data', streamId: this.id, fin: false, data: chunk.subarray(off, off + MAX_DATA_CHUNK) });
    }
    this.session.afterWrite(cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.reset && !this.localFin) {
      if (!this.replied) this.reply();
      this.session.sendFrame({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) });
      this.markLocalFin();
    }
    cb();
  }

  override _read(): void {
    this.session.unblock(this);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.reset && !(this.localFin && this.remoteFin) && !this.session.isClosed) {
      this.reset = true;
      this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status: RstStatus.CANCEL });
    }
    this.finish();
    cb(err);
  }

  // ---- called by the session ----

  /** @internal */
  onData(data: Buffer, fin: boolean): void {
    if (this.reset || this.remoteFin) return;
    if (data.length && !this.push(data)) this.session.block(this);
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onReply(headers: SpdyHeaders, fin: boolean): void {
    this.headers = headers;
    this.resolveReply(headers);
    if (fin) this.onRemoteFin();
  }

  /** @internal Peer reset, or the session ended. */
  onAbort(why: string): void {
    if (this.reset && this.destroyed) return;
    this.reset = true;
    this.rejectReply(new Error(why));
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.finish();
    // A reset stream is over in both directions; end without an error so pipes unwind.
    if (!this.destroyed) this.destroy();
  }

  private onRemoteFin(): void {
    this.remoteFin = true;
    this.push(null);
    if (this.localFin) this.finish();
  }

  private markLocalFin(): void {
    this.localFin = true;
    if (this.remoteFin) this.finish();
  }

  private finish(): void {
    this.session.forget(this);
  }
}

export class SpdySession {
  private readonly reader = new FrameReader();
  /** @internal */
  readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly queue: SpdyFrame[] = [];
  private busy = false;
  private closed = false;
  private goneAway = false;
  private lastPeerStreamId = 0;
  private nextStreamId: number;
  private nextPingId: number;
  private readonly pings = new Map<number, () => void>();
  private full = false;
  private readonly writeWaiters: Array<() => void> = [];
  private readonly blockedBy = new Set<SpdyStream>();
  private readonly closeCallbacks: Array<() => void> = [];

  constructor(private readonly opts: SpdySessionOptions) {
    this.nextStreamId = opts.isServer ? 2 : 1;
    this.nextPingId = opts.isServer ? 2 : 1;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeCallbacks.push(cb);
  }

  /** Bytes from the peer, in any split. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (!frames.length) return;
    for (const f of frames) this.queue.push(f);
    void this.drainQueue();
  }

  /** The transport ended or failed: every stream ends. */
  transportClosed(): void {
    this.teardown('connection closed');
  }

  /** The transport accepted everything queued (after `send` returned false). */
  drained(): void {
    this.full = false;
    const w = this.writeWaiters.splice(0);
    for (const cb of w) cb();
  }

  /** Opens a stream to the peer (SYN_STREAM); `replyReceived` resolves on SYN_REPLY. */
  openStream(headers: SpdyHeaders, fin = false): SpdyStream {
    if (this.closed || this.goneAway) throw new Error('SPDY session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, {}, false);
    this.streams.set(id, s);
    this.sendFrame({ type: 'syn_stream', streamId: id, associatedId: 0, priority: 0, fin, unidirectional: false, headerBlock: this.deflater.compress(headers) });
    if (fin) s.end();
    return s;
  }

  /** Round trip to the peer. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId += 2;
    return new Promise<void>((resolve) => {
      this.pings.set(id, resolve);
      this.sendFrame({ type: 'ping', id });
    });
  }

  /** GOAWAY, then ends the transport; open streams are aborted. */
  close(): void {
    if (this.closed) return;
    this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status: 0 });
    this.teardown('session closed');
  }

  // ---- used by SpdyStream ----

  /** @internal */
  sendFrame(f: SpdyFrame): void {
    if (this.closed) return;
    if (!this.opts.send(encodeFrame(f))) this.full = true;
  }

  /** @internal */
  afterWrite(cb: () => void): void {
    if (this.full && !this.closed) this.writeWaiters.push(cb);
    else cb();
  }

  /** @internal */
  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.unblock(s);
  }

  /** @internal */
  block(s: SpdyStream): void {
    if (this.blockedBy.has(s)) return;
    this.blockedBy.add(s);
    if (this.blockedBy.size === 1) this.opts.pause?.();
  }

  /** @internal */
  unblock(s: SpdyStream): void {
    if (!this.blockedBy.delete(s)) return;
    if (this.blockedBy.size === 0) this.opts.resume?.();
  }

  // ---- frame handling ----

  private async drainQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const f = this.queue.shift()!;
        const p = this.handle(f);
        if (p) await p;
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.busy = false;
    }
  }

  private handle(f: SpdyFrame): Promise<void> | void {
    switch (f.type) {
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (s) s.onData(f.data, f.fin);
        return;
      }
      case 'syn_stream':
        return this.inflater.decode(f.headerBlock).then((h) => this.onSynStream(f.streamId, h, f.fin));
      case 'syn_reply':
        return this.inflater.decode(f.headerBlock).then((h) => this.streams.get(f.streamId)?.onReply(h, f.fin));
      case 'headers':
        return this.inflater.decode(f.headerBlock).then((h) => {
          const s = this.streams.get(f.streamId);
          if (!s) return;
          Object.assign(s.headers, h);
          if (f.fin) s.onData(Buffer.alloc(0), true);
        });
      case 'rst_stream':
        this.streams.get(f.streamId)?.onAbort(`stream reset by peer (status ${f.status})`);
        return;
      case 'ping': {
        const ours = (f.id % 2 === 0) === this.opts.isServer;
        if (ours) {
          const cb = this.pings.get(f.id);
          this.pings.delete(f.id);
          cb?.();
        } else this.sendFrame({ type: 'ping', id: f.id });
        return;
      }
      case 'goaway':
        this.goneAway = true;
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
      default: {
        const never: never = f;
        throw new BugError(`unhandled frame ${JSON.stringify(never)}`);
      }
    }
  }

  private onSynStream(id: number, headers: SpdyHeaders, fin: boolean): void {
    if (this.closed) return;
    const validParity = this.opts.isServer ? id % 2 === 1 : id % 2 === 0;
    if (!validParity || id <= this.lastPeerStreamId) {
      this.sendFrame({ type: 'rst_stream', streamId: id, status: this.streams.has(id) ? RstStatus.STREAM_IN_USE : RstStatus.PROTOCOL_ERROR });
      return;
    }
    this.lastPeerStreamId = id;
    if (this.goneAway) {
      this.sendFrame({ type: 'rst_stream', streamId: id, status: RstStatus.REFUSED_STREAM });
      return;
    }
    const s = new SpdyStream(this, id, headers, true);
    this.streams.set(id, s);
    if (fin) s.onData(Buffer.alloc(0), true);
    if (this.opts.onStream) this.opts.onStream(s);
    else s.rst(RstStatus.REFUSED_STREAM);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    const err = e instanceof SpdyProtocolError ? e : new SpdyProtocolError(e.message, { cause: e });
    this.opts.onError?.(err);
    this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status: 1 });
    this.teardown(err.message);
  }

  private teardown(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const s of [...this.streams.values()]) s.onAbort(why);
    this.streams.clear();
    this.inflater.close();
    this.drained();
    for (const cb of this.pings.values()) cb();
    this.pings.clear();
    this.opts.close();
    for (const cb of this.closeCallbacks.splice(0)) cb();
  }
}
