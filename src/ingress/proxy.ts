// The HTTP/1.1 reverse proxy, on plain TCP/TLS sockets (not node:http; see http1.ts for why).
// One instance serves both listeners; it reads the current RouteTable once per request, so
// swapping `table` never disturbs requests already in flight. Bodies stream both ways with
// backpressure (a socket whose peer cannot keep up pauses the other one), nothing is buffered
// beyond one read.
//
//   client socket ──ClientConn── head parsed ─▶ matchRoute ─▶ pickEndpoint ─▶ UpstreamConn
//        ▲                                                                   (keep-alive pool
//        └─────────── response head rewritten, body relayed ◀────────────────  per endpoint)
//
// One request at a time per client connection (pipelined requests wait in the buffer).
// Request headers: hop-by-hop removed (also those listed in Connection); X-Forwarded-For
// appended to; X-Forwarded-Proto/-Host/-Port and X-Real-Ip set; Host passed through. Chunked
// bodies are decoded and re-encoded (framing never passes through unparsed).
//
// Errors, as a client sees them (Traefik's wording):
//   404 "404 page not found"   no rule and no defaultBackend matched
//   503 "no available server"  the backend Service has no ready endpoints
//   502 "Bad Gateway"          every endpoint tried failed before a response started
//   400/431/505                malformed request head (answered, then the connection closes)
// A connect failure marks the endpoint down for DOWN_MS (round-robin skips it) and, for an
// idempotent request without a body, retries once on another endpoint; a reused keep-alive
// connection that the backend had closed is retried once the same way.
import net from 'node:net';
import tls from 'node:tls';
import { EMPTY_TABLE, hostOf, matchRoute, pickEndpoint, type Backend, type Endpoint, type RouteTable } from './routes.js';
import { ChunkedDecoder, CRLF2, HeadError, MAX_HEAD_BYTES, parseRequestHead, parseResponseHead, type ChunkSink, type RequestHead } from './http1.js';

export const DOWN_MS = 5_000;
/** An idle client connection (no request in progress) is closed after this. */
export const CLIENT_IDLE_MS = 65_000;
/** An idle pooled backend connection is closed after this. */
export const UPSTREAM_IDLE_MS = 30_000;
const MAX_IDLE_PER_ENDPOINT = 1024;
/** A connection we ended is destroyed if the peer has not closed it after this. */
const LINGER_MS = 5_000;
const SWEEP_MS = 1_000;
/** A response body up to this size that arrived with its head goes out in the same write. */
const SMALL_BODY = 16 * 1024;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};
const LAST_CHUNK = '0\r\n\r\n';
const LF2 = Buffer.from('\n\n', 'latin1');
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export type Scheme = 'http' | 'https';

// Client connection states.
const C_HEAD = 0; // waiting for (the rest of) a request head
const C_BODY = 1; // forwarding the request body
const C_WAIT = 2; // request sent, response in progress
const C_TUNNEL = 3; // upgraded: bytes spliced both ways
const C_CLOSED = 4;

// Body framing.
const B_NONE = 0;
const B_LENGTH = 1;
const B_CHUNKED = 2;
const B_UNTIL_CLOSE = 3;

// Upstream phases.
const U_IDLE = 0;
const U_HEAD = 1;
const U_BODY = 2;
const U_TUNNEL = 3;

let dateAt = 0;
let dateValue = '';

/** The current time as an HTTP date, computed at most once a second. */
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateValue = new Date(dateAt).toUTCString();
  }
  return dateValue;
}

function hostPort(ep: Endpoint): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

/** Path for routing: origin-form without the query; absolute-form reduced to its path. */
function routingPath(target: string): string {
  let p = target;
  if (p.charCodeAt(0) !== 47 /* / */) {
    const scheme = p.indexOf('://');
    if (scheme < 0) return p; // `*` (OPTIONS) and the like
    const slash = p.indexOf('/', scheme + 3);
    p = slash < 0 ? '/' : p.slice(slash);
  }
  const q = p.indexOf('?');
  return q < 0 ? p : p.slice(0, q);
}

class ClientConn implements ChunkSink {
  state = C_HEAD;
  /** Bytes received and not consumed yet (a partial head, or pipelined requests). */
  buf: Buffer | undefined = undefined;
  deadline: number;
  private readPaused = false;
  private ended = false;
  private readonly remote: string;
  private readonly localPort: number;
  private lastHostRaw: string | undefined = undefined;
  private lastHost = '';

  // The exchange in progress.
  /** The upstream request head, without the final CRLF (and without Host if the client sent none). */
  private head = '';
  private needHost = false;
  /** Whether the client connection stays open after this exchange. */
  keepAlive = true;
  http10 = false;
  isHead = false;
  upgrade = false;
  private retryable = false;
  private retried = false;
  private backend: Backend | undefined = undefined;
  private ep: Endpoint | undefined = undefined;
  private failed: Endpoint | undefined = undefined;
  private bodyMode = B_NONE;
  private bodyLeft = 0;
  private decoder: ChunkedDecoder | undefined = undefined;
  /** The request (head and body) has been passed on completely. */
  reqDone = true;
  /** The final response head has been written to the client. */
  responded = false;
  up: UpstreamConn | undefined = undefined;

  constructor(
    private readonly proxy: IngressProxy,
    readonly socket: net.Socket,
    private readonly scheme: Scheme,
  ) {
    this.remote = socket.remoteAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.deadline = Date.now() + proxy.clientIdleMs;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  // -- input ------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    switch (this.state) {
      case C_TUNNEL:
        return this.toUpstream(chunk);
      case C_BODY:
        this.body(chunk, 0);
        break;
      case C_CLOSED:
        return;
      default:
        this.buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    }
    this.drive();
  }

  /** Handles buffered requests while the connection is between exchanges. */
  private drive(): void {
    while (this.state === C_HEAD && this.buf !== undefined) {
      if (!this.nextRequest()) break;
    }
    // A pipelined request waits (unread) until the current exchange is over.
    if (this.state === C_WAIT && this.buf !== undefined) this.pauseReading();
  }

  /** Parses one request head from buf and starts its exchange; true if the connection is idle again. */
  private nextRequest(): boolean {
    const b = this.buf!;
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    let s = 0;
    while (s + 1 < b.length && b[s] === 13 && b[s + 1] === 10) s += 2;
    const he = b.indexOf(CRLF2, s);
    if (he < 0) {
      if (b.length - s > MAX_HEAD_BYTES) return this.refuse(431, 'request header fields too large\n');
      // A head ended by bare LFs would never be complete here: say so instead of waiting.
      if (b.indexOf(LF2, s) >= 0) return this.refuse(400, 'bare LF line ends\n');
      if (s > 0) this.buf = s < b.length ? b.subarray(s) : undefined;
      return false;
    }
    if (he - s > MAX_HEAD_BYTES) return this.refuse(431, 'request header fields too large\n');
    const next = he + 4;
    this.buf = next < b.length ? b.subarray(next) : undefined;
    let r: RequestHead;
    try {
      r = parseRequestHead(b.toString('latin1', s, he));
    } catch (e) {
      return this.refuse(e instanceof HeadError ? e.status : 400, `${(e as Error).message}\n`);
    }
    return this.request(r);
  }

  private request(r: RequestHead): boolean {
    const method = r.method;
    this.http10 = r.http10;
    this.isHead = method === 'HEAD';
    this.upgrade = r.upgrade !== undefined;
    // After an upgrade request the connection is the tunnel's, or closes.
    this.keepAlive = !r.close && !this.upgrade;
    this.responded = false;
    if (r.chunked) {
      this.bodyMode = B_CHUNKED;
      (this.decoder ??= new ChunkedDecoder()).reset();
    } else if (r.contentLength > 0) {
      this.bodyMode = B_LENGTH;
      this.bodyLeft = r.contentLength;
    } else this.bodyMode = B_NONE;
    this.reqDone = this.bodyMode === B_NONE;
    if (method === 'CONNECT') return this.local(405, 'method not allowed\n');

    const hostRaw = r.host;
    let host: string;
    if (hostRaw === this.lastHostRaw) host = this.lastHost;
    else {
      host = hostOf(hostRaw);
      this.lastHostRaw = hostRaw;
      this.lastHost = host;
    }
    const backend = matchRoute(this.proxy.table, host, routingPath(r.target));
    if (!backend) return this.local(404, '404 page not found\n');
    if (backend.endpoints.length === 0) return this.local(503, 'no available server\n');

    const remote = this.remote;
    let h = `${method} ${r.target} HTTP/1.1\r\n${r.lines}X-Forwarded-For: ${r.forwardedFor ? `${r.forwardedFor}, ${remote}` : remote}\r\nX-Forwarded-Proto: ${this.scheme}\r\nX-Forwarded-Host: ${hostRaw ?? ''}\r\nX-Forwarded-Port: ${this.localPort}\r\nX-Real-Ip: ${remote}\r\n`;
    if (this.upgrade) h += `Connection: Upgrade\r\nUpgrade: ${r.upgrade}\r\n`;
    if (this.bodyMode === B_LENGTH || r.contentLength === 0) h += `Content-Length: ${r.contentLength}\r\n`;
    else if (this.bodyMode === B_CHUNKED) h += `Transfer-Encoding: ${r.transferEncoding}\r\n`;
    this.needHost = hostRaw === undefined;
    this.head = this.needHost ? h : `${h}\r\n`;
    this.backend = backend;
    this.retryable = this.bodyMode === B_NONE && IDEMPOTENT.has(method);
    this.retried = false;
    this.failed = undefined;
    this.state = this.bodyMode === B_NONE ? C_WAIT : C_BODY;
    this.deadline = Infinity;
    return this.send();
  }

  /** Sends the request to an endpoint of the backend (again, on a retry); true if answered locally and idle again. */
  private send(): boolean {
    const ep = pickEndpoint(this.backend!, Date.now(), this.failed);
    if (!ep) return this.local(502, 'Bad Gateway\n');
    this.ep = ep;
    const up = this.proxy.acquire(ep);
    this.up = up;
    up.start(this);
    const head = this.needHost ? `${this.head}Host: ${hostPort(ep)}\r\n\r\n` : this.head;
    if (this.bodyMode === B_NONE) {
      up.socket.write(head, 'latin1');
      return false;
    }
    const b = this.buf;
    this.buf = undefined;
    up.socket.cork();
    up.socket.write(head, 'latin1');
    if (b !== undefined) this.body(b, 0);
    up.socket.uncork();
    return false;
  }

  /** Request body bytes buf[start..]; what follows the body is kept for the next request. */
  private body(chunk: Buffer, start: number): void {
    if (this.bodyMode === B_LENGTH) {
      const avail = chunk.length - start;
      const n = avail < this.bodyLeft ? avail : this.bodyLeft;
      this.toUpstream(start === 0 && n === chunk.length ? chunk : chunk.subarray(start, start + n));
      this.bodyLeft -= n;
      if (this.bodyLeft === 0) this.requestDone(chunk, start + n);
      return;
    }
    let end: number;
    const up = this.up!;
    up.socket.cork();
    try {
      end = this.decoder!.feed(chunk, start, this);
    } catch {
      up.socket.uncork();
      // Malformed chunked framing: the backend got a truncated request; give up on both.
      this.up = undefined;
      up.abandon();
      if (this.responded) this.socket.destroy();
      else this.refuse(400, 'malformed chunked body\n');
      return;
    }
    if (end >= 0) {
      this.toUpstream(LAST_CHUNK);
      this.requestDone(chunk, end);
    }
    up.socket.uncork();
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    this.toUpstream(`${(end - start).toString(16)}\r\n`);
    this.toUpstream(buf.subarray(start, end));
    this.toUpstream('\r\n');
  }

  private requestDone(chunk: Buffer, next: number): void {
    this.reqDone = true;
    if (next < chunk.length) this.buf = chunk.subarray(next);
    if (this.state === C_BODY) this.state = C_WAIT;
  }

  private toUpstream(data: Buffer | string): void {
    const up = this.up;
    if (up === undefined) return;
    const ok = typeof data === 'string' ? up.socket.write(data, 'latin1') : up.socket.write(data);
    if (!ok) this.pauseReading();
  }

  /** The upstream socket drained: read more of the request body (or tunnel). */
  upstreamDrained(): void {
    if (this.state === C_BODY || this.state === C_TUNNEL) this.resumeReading();
  }

  private pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.socket.resume();
  }

  private onEnd(): void {
    this.ended = true;
    switch (this.state) {
      case C_HEAD: // between requests (a partial head is dropped)
        return this.shutdown();
      case C_BODY: // the request body was cut short
        this.socket.destroy();
        return;
      case C_TUNNEL:
        this.up?.socket.end();
        return;
      default: // C_WAIT: answer, then close (see responseEnd)
    }
  }

  private onClose(): void {
    this.state = C_CLOSED;
    this.buf = undefined;
    this.proxy.forgetClient(this);
    const up = this.up;
    this.up = undefined;
    up?.abandon();
  }

  // -- output -----------------------------------------------------------------------------

  private onDrain(): void {
    const up = this.up;
    if (up !== undefined && up.paused) {
      up.paused = false;
      up.socket.resume();
    }
  }

  /** Writes to the client; when its buffer is full the upstream stops reading until 'drain'. */
  write(data: Buffer | string): void {
    const ok = typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
    if (!ok) {
      const up = this.up;
      if (up !== undefined && !up.paused) {
        up.paused = true;
        up.socket.pause();
      }
    }
  }

  /** A 1xx response (not 101): relayed to HTTP/1.1 clients. */
  interim(text: string): void {
    if (!this.http10) this.write(text);
  }

  /** Switches to a tunnel after the backend's 101. */
  tunnel(up: UpstreamConn, head: string, rest: Buffer | undefined): void {
    this.state = C_TUNNEL;
    this.deadline = Infinity;
    this.responded = true;
    this.write(head);
    if (rest !== undefined) this.write(rest);
    const pending = this.buf;
    this.buf = undefined;
    if (pending !== undefined) this.toUpstream(pending);
    if (this.ended) up.socket.end();
    this.resumeReading();
  }

  /** The response is complete (the upstream connection is already released or closed). */
  responseEnd(): void {
    this.up = undefined;
    this.backend = undefined;
    this.ep = undefined;
    if (!this.keepAlive || !this.reqDone || this.ended) return this.shutdown();
    this.idle();
    this.drive();
  }

  /** The upstream failed before a final response head was relayed. */
  upstreamFailed(code: string, stale: boolean): void {
    this.up = undefined;
    if (this.state === C_CLOSED) return;
    const ep = this.ep!;
    const connectFailed = CONNECT_ERRORS.has(code);
    if (connectFailed) ep.downUntil = Date.now() + DOWN_MS;
    if ((connectFailed || stale) && this.retryable && !this.retried) {
      this.retried = true;
      this.failed = connectFailed ? ep : undefined;
      if (this.send()) this.drive();
      return;
    }
    if (this.local(502, 'Bad Gateway\n')) this.drive();
  }

  /** A reply of the proxy's own; true if the connection stays open for the next request. */
  private local(code: number, text: string): boolean {
    // A request body not read yet is not skipped: the connection closes instead.
    const close = !this.keepAlive || !this.reqDone || this.ended;
    let s = `HTTP/1.1 ${code} ${REASONS[code]}\r\ndate: ${httpDate()}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${text.length}\r\n`;
    if (close) s += 'connection: close\r\n';
    else if (this.http10) s += 'connection: keep-alive\r\n';
    s += '\r\n';
    this.write(this.isHead ? s : s + text);
    this.responded = true;
    if (close) {
      this.shutdown();
      return false;
    }
    this.idle();
    return true;
  }

  /** Answers a request that cannot be served and closes. */
  private refuse(code: number, text: string): false {
    this.keepAlive = false;
    this.isHead = false;
    this.buf = undefined;
    this.local(code, text);
    return false;
  }

  private idle(): void {
    this.state = C_HEAD;
    this.deadline = Date.now() + this.proxy.clientIdleMs;
    this.resumeReading();
  }

  private shutdown(): void {
    this.state = C_CLOSED;
    this.buf = undefined;
    this.deadline = Date.now() + LINGER_MS;
    this.resumeReading(); // read (and drop) until the peer closes
    this.socket.end();
  }
}

class UpstreamConn implements ChunkSink {
  client: ClientConn | undefined = undefined;
  /** In the idle pool. */
  pooled = false;
  /** Reading paused because the client is not keeping up. */
  paused = false;
  idleSince = 0;
  private reused = false;
  private phase = U_IDLE;
  private gotBytes = false;
  private buf: Buffer | undefined = undefined;
  private mode = B_NONE;
  private left = 0;
  private decoder: ChunkedDecoder | undefined = undefined;
  private chunkedOut = false;
  /** The connection can serve another request after this response. */
  private keep = true;

  readonly socket: net.Socket;

  constructor(
    private readonly proxy: IngressProxy,
    readonly key: string,
    ep: Endpoint,
  ) {
    // Reads land in one buffer shared by all backend connections (no allocation and no
    // stream machinery per read): whatever outlives the callback is copied.
    const socket = net.connect({ host: ep.host, port: ep.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: (n: number, b: Uint8Array) => this.onRead(n, b as Buffer) } });
    this.socket = socket;
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.client?.upstreamDrained());
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(e.code ?? 'EIO'));
    socket.on('close', () => this.fail('CLOSED'));
  }

  start(c: ClientConn): void {
    this.client = c;
    this.phase = U_HEAD;
    this.gotBytes = false;
    this.buf = undefined;
    this.keep = true;
  }

  /** Returned from the pool: counts as a reused connection if it fails. */
  markReused(): void {
    this.reused = true;
  }

  /** Always true: pausing is done with socket.pause() (see ClientConn.write). */
  private onRead(n: number, shared: Buffer): boolean {
    const c = this.client;
    if (c === undefined) {
      // Bytes from an idle backend connection: nothing can be matched to them.
      this.socket.destroy();
      return true;
    }
    this.gotBytes = true;
    switch (this.phase) {
      case U_TUNNEL:
        c.write(Buffer.from(shared.subarray(0, n)));
        break;
      case U_BODY:
        this.body(c, Buffer.from(shared.subarray(0, n)), 0);
        break;
      case U_HEAD:
        this.head(c, shared.subarray(0, n));
    }
    return true;
  }

  /** `chunk` may be a view of the shared read buffer: copy what is kept or written as a Buffer. */
  private head(c: ClientConn, chunk: Buffer): void {
    let b = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = undefined;
    let start = 0;
    for (;;) {
      const he = b.indexOf(CRLF2, start);
      if (he < 0) {
        if (b.length - start > MAX_HEAD_BYTES) return this.protocolError(c);
        this.buf = Buffer.from(b.subarray(start));
        return;
      }
      let text = b.toString('latin1', start, he);
      let r;
      try {
        r = parseResponseHead(text);
      } catch {
        return this.protocolError(c);
      }
      start = he + 4;
      const status = r.status;
      if (status === 101) {
        if (!c.upgrade) return this.protocolError(c);
        // The 101 is relayed as received: its Connection/Upgrade headers are the point of it.
        this.phase = U_TUNNEL;
        this.keep = false;
        if (r.http10) text = r.statusLine + text.slice(text.indexOf('\r\n'));
        return c.tunnel(this, `${text}\r\n\r\n`, start < b.length ? Buffer.from(b.subarray(start)) : undefined);
      }
      if (status < 200) {
        c.interim(`${r.statusLine}\r\n${r.lines}\r\n`);
        if (start === b.length) return;
        continue;
      }
      // Final response: how its body is delimited, and how it will be to the client.
      let mode: number;
      if (c.isHead || status === 204 || status === 304) mode = B_NONE;
      else if (r.chunked) mode = B_CHUNKED;
      else if (r.closeDelimited) mode = B_UNTIL_CLOSE;
      else mode = r.contentLength === 0 ? B_NONE : B_LENGTH;
      this.mode = mode;
      this.keep = !r.close && mode !== B_UNTIL_CLOSE;
      let out = `${r.statusLine}\r\n${r.lines}`;
      // A forwarded response gets a Date if the backend sent none (RFC 9110 §6.6.1).
      if (!r.hasDate) out += `Date: ${httpDate()}\r\n`;
      if (r.contentLength >= 0 && (mode === B_LENGTH || mode === B_NONE)) out += `Content-Length: ${r.contentLength}\r\n`;
      this.chunkedOut = false;
      if (mode === B_CHUNKED) {
        if (c.http10) c.keepAlive = false; // no chunked for HTTP/1.0: the body ends with the connection
        else {
          this.chunkedOut = true;
          out += 'Transfer-Encoding: chunked\r\n';
        }
        (this.decoder ??= new ChunkedDecoder()).reset();
      } else if (mode === B_UNTIL_CLOSE) c.keepAlive = false;
      if (!c.keepAlive) out += 'Connection: close\r\n\r\n';
      else out += c.http10 ? 'Connection: keep-alive\r\n\r\n' : '\r\n';
      c.responded = true;
      this.phase = U_BODY;

      if (mode === B_NONE) {
        c.write(out);
        if (start < b.length) this.keep = false;
        return this.done(c);
      }
      if (mode === B_LENGTH) {
        const len = r.contentLength;
        if (len <= SMALL_BODY && b.length - start >= len) {
          // The common case: a small body that came with its head, relayed in one write.
          const end = start + len;
          c.write(out + b.toString('latin1', start, end));
          if (end < b.length) this.keep = false;
          return this.done(c);
        }
        this.left = len;
      }
      c.socket.cork();
      c.write(out);
      if (start < b.length) {
        b = Buffer.from(b.subarray(start));
        this.body(c, b, 0);
      }
      c.socket.uncork();
      return;
    }
  }

  private body(c: ClientConn, chunk: Buffer, start: number): void {
    switch (this.mode) {
      case B_LENGTH: {
        const avail = chunk.length - start;
        const n = avail < this.left ? avail : this.left;
        c.write(start === 0 && n === chunk.length ? chunk : chunk.subarray(start, start + n));
        this.left -= n;
        if (this.left === 0) {
          if (start + n < chunk.length) this.keep = false;
          this.done(c);
        }
        return;
      }
      case B_CHUNKED: {
        let end: number;
        c.socket.cork();
        try {
          end = this.decoder!.feed(chunk, start, this);
        } catch {
          c.socket.uncork();
          return this.protocolError(c);
        }
        if (end >= 0) {
          if (this.chunkedOut) c.write(LAST_CHUNK);
          if (end < chunk.length) this.keep = false;
          this.done(c);
        }
        c.socket.uncork();
        return;
      }
      case B_UNTIL_CLOSE:
        c.write(start === 0 ? chunk : chunk.subarray(start));
    }
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    const c = this.client!;
    if (this.chunkedOut) {
      c.write(`${(end - start).toString(16)}\r\n`);
      c.write(buf.subarray(start, end));
      c.write('\r\n');
    } else c.write(buf.subarray(start, end));
  }

  /** The response is complete: back to the pool (or closed), then the client goes on. */
  private done(c: ClientConn): void {
    this.client = undefined;
    this.phase = U_IDLE;
    this.buf = undefined;
    if (this.keep && c.reqDone) this.proxy.release(this);
    else this.socket.destroy();
    c.responseEnd();
  }

  private onEnd(): void {
    const c = this.client;
    if (c !== undefined && this.phase === U_BODY && this.mode === B_UNTIL_CLOSE) {
      this.keep = false;
      return this.done(c);
    }
    if (c !== undefined && this.phase === U_TUNNEL) {
      c.socket.end();
      return;
    }
    this.fail('EOF');
  }

  /** Error, early close or EOF. */
  private fail(code: string): void {
    const c = this.client;
    this.client = undefined;
    const phase = this.phase;
    this.phase = U_IDLE;
    if (this.pooled) this.proxy.forgetUpstream(this);
    this.socket.destroy();
    if (c === undefined) return;
    if (phase === U_TUNNEL) {
      if (code === 'CLOSED' || code === 'EOF') c.socket.end();
      else c.socket.destroy();
    } else if (!c.responded) c.upstreamFailed(code, this.reused && !this.gotBytes);
    else c.socket.destroy(); // cut off mid-response
  }

  private protocolError(c: ClientConn): void {
    this.client = undefined;
    this.phase = U_IDLE;
    this.socket.destroy();
    if (c.responded) c.socket.destroy();
    else c.upstreamFailed('EPROTO', false);
  }

  /** The client went away: this connection's state is unknown, close it. */
  abandon(): void {
    this.client = undefined;
    this.phase = U_IDLE;
    this.socket.destroy();
  }
}

export interface IngressProxyOptions {
  /** Default CLIENT_IDLE_MS. */
  clientIdleMs?: number;
  /** Default UPSTREAM_IDLE_MS. */
  upstreamIdleMs?: number;
}

export class IngressProxy {
  /** Swapped whole by the controller; read once per request. */
  table: RouteTable = EMPTY_TABLE;
  readonly clientIdleMs: number;
  readonly upstreamIdleMs: number;
  private readonly sweepMs: number;
  private readonly clients = new Set<ClientConn>();
  /** Idle backend connections per endpoint (`host:port`), most recently used last. */
  private readonly pools = new Map<string, UpstreamConn[]>();
  private sweeper: NodeJS.Timeout | undefined = undefined;

  constructor(opts: IngressProxyOptions = {}) {
    this.clientIdleMs = opts.clientIdleMs ?? CLIENT_IDLE_MS;
    this.upstreamIdleMs = opts.upstreamIdleMs ?? UPSTREAM_IDLE_MS;
    // Timeouts are enforced by one sweep over all connections (no timer per socket).
    this.sweepMs = Math.max(20, Math.min(SWEEP_MS, this.clientIdleMs / 2, this.upstreamIdleMs / 2));
  }

  /** A plain-HTTP listener (not yet listening). */
  createServer(): net.Server {
    return net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s, 'http'));
  }

  /** An HTTPS listener (not yet listening). */
  createSecureServer(opts: tls.TlsOptions): tls.Server {
    const server = tls.createServer({ ...opts, allowHalfOpen: true, noDelay: true }, (s) => this.accept(s, 'https'));
    server.on('tlsClientError', (_e, s) => s.destroy());
    return server;
  }

  /** Serves HTTP/1.1 on a connected socket (plain or TLS). */
  accept(socket: net.Socket, scheme: Scheme): void {
    this.clients.add(new ClientConn(this, socket, scheme));
    this.sweeper ??= setInterval(() => this.sweep(), this.sweepMs).unref();
  }

  /** @internal */
  forgetClient(c: ClientConn): void {
    this.clients.delete(c);
  }

  /** @internal An idle pooled connection, or a new one. */
  acquire(ep: Endpoint): UpstreamConn {
    const pool = this.pools.get(ep.key);
    const pooled = pool?.pop();
    if (pooled !== undefined) {
      pooled.pooled = false;
      pooled.markReused();
      return pooled;
    }
    return new UpstreamConn(this, ep.key, ep);
  }

  /** @internal */
  release(up: UpstreamConn): void {
    if (up.paused) {
      up.paused = false;
      up.socket.resume();
    }
    let pool = this.pools.get(up.key);
    if (pool === undefined) this.pools.set(up.key, (pool = []));
    up.pooled = true;
    up.idleSince = Date.now();
    pool.push(up);
    if (pool.length > MAX_IDLE_PER_ENDPOINT) {
      const oldest = pool.shift()!;
      oldest.pooled = false;
      oldest.socket.destroy();
    }
  }

  /** @internal A pooled connection closed by the backend. */
  forgetUpstream(up: UpstreamConn): void {
    up.pooled = false;
    const pool = this.pools.get(up.key);
    if (pool === undefined) return;
    const i = pool.indexOf(up);
    if (i >= 0) pool.splice(i, 1);
    if (pool.length === 0) this.pools.delete(up.key);
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.clients) if (c.deadline < now) c.socket.destroy();
    for (const [key, pool] of this.pools) {
      while (pool.length > 0 && pool[0].idleSince + this.upstreamIdleMs < now) {
        const up = pool.shift()!;
        up.pooled = false;
        up.socket.destroy();
      }
      if (pool.length === 0) this.pools.delete(key);
    }
    if (this.clients.size === 0 && this.pools.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Open client connections (for tests and diagnostics). */
  get connections(): number {
    return this.clients.size;
  }

  /** Idle pooled backend connections. */
  get idleUpstreams(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.length;
    return n;
  }

  /** Closes every client connection and every pooled backend connection. */
  close(): void {
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    for (const pool of this.pools.values()) for (const up of pool) up.socket.destroy();
    this.pools.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
