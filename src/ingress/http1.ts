// HTTP/1.1 message heads and chunked framing, for the ingress proxy (pure; unit-tested).
//
// The proxy speaks HTTP/1.1 on plain sockets instead of node:http: relaying a request through
// IncomingMessage/ServerResponse/ClientRequest/Agent cost 49–50 µs of CPU on the bench machine,
// against 16–19 µs now, of which the parsing below is about 1 µs (see bench/RESULTS.md). The
// parsing is strict where a lenient reading could let the proxy and a backend disagree about
// where a message ends (request smuggling): CRLF line ends only, no obs-fold, token header
// names, no control characters, Content-Length digits only and never together with
// Transfer-Encoding, chunked the last transfer coding of a request.
//
// Heads are decoded as latin1 strings, so bytes ≥ 0x80 in values pass through unchanged.

export const MAX_HEAD_BYTES = 16 * 1024;
export const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

// Header names the proxy looks at, classified without allocating (no slice, no toLowerCase).
const K_OTHER = 0;
const K_HOST = 1;
const K_CONTENT_LENGTH = 2;
const K_TRANSFER_ENCODING = 3;
const K_CONNECTION = 4;
const K_UPGRADE = 5;
/** X-Forwarded-For: appended to (requests). */
const K_FORWARDED_FOR = 6;
/** X-Forwarded-Proto/-Host/-Port, X-Real-Ip: set by the proxy (requests). */
const K_FORWARDED = 7;
/** Other hop-by-hop headers, removed both ways (plus any named in Connection). */
const K_HOP = 8;
const K_DATE = 9;

const NAMES_BY_LENGTH: ([string, number][] | undefined)[] = [];
for (const [name, kind] of [
  ['host', K_HOST],
  ['date', K_DATE],
  ['content-length', K_CONTENT_LENGTH],
  ['transfer-encoding', K_TRANSFER_ENCODING],
  ['connection', K_CONNECTION],
  ['upgrade', K_UPGRADE],
  ['x-forwarded-for', K_FORWARDED_FOR],
  ['x-forwarded-proto', K_FORWARDED],
  ['x-forwarded-host', K_FORWARDED],
  ['x-forwarded-port', K_FORWARDED],
  ['x-real-ip', K_FORWARDED],
  ['keep-alive', K_HOP],
  ['proxy-connection', K_HOP],
  ['proxy-authenticate', K_HOP],
  ['proxy-authorization', K_HOP],
  ['te', K_HOP],
  ['trailer', K_HOP],
] as [string, number][]) {
  (NAMES_BY_LENGTH[name.length] ??= []).push([name, kind]);
}

/** Kind of the header name s[pos, pos+len) (a valid token), case-insensitively. */
function headerKind(s: string, pos: number, len: number): number {
  const candidates = len < NAMES_BY_LENGTH.length ? NAMES_BY_LENGTH[len] : undefined;
  if (candidates === undefined) return K_OTHER;
  outer: for (let k = 0; k < candidates.length; k++) {
    const name = candidates[k][0];
    // Names here are lower-case letters and '-': `| 0x20` folds case, and no other token
    // character folds onto one of them.
    for (let i = 0; i < len; i++) if ((s.charCodeAt(pos + i) | 0x20) !== name.charCodeAt(i)) continue outer;
    return candidates[k][1];
  }
  return K_OTHER;
}

/** tchar (RFC 9110 §5.6.2) by char code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isToken(s: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** No control characters but HTAB (so no bare CR or LF either) in s[start, end). */
function isFieldValue(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}
/** Not in a request-target (RFC 9112 §3.2: URI characters are ASCII): controls, space, DEL, and bytes ≥ 0x80, which node's llhttp refuses too. */
const BAD_TARGET_CHAR = /[\0-\x20\x7f-\xff]/;
const DIGITS = /^[0-9]{1,15}$/;

export interface RequestHead {
  method: string;
  /** The request-target as sent (origin-form, absolute-form, `*`). */
  target: string;
  http10: boolean;
  /** Host header value (raw), undefined if absent. */
  host: string | undefined;
  /** -1 without Content-Length. */
  contentLength: number;
  chunked: boolean;
  /** Transfer-Encoding as received (forwarded as is: its last coding is chunked). */
  transferEncoding: string | undefined;
  /** Connection: close (or HTTP/1.0 without keep-alive): no further request on this connection. */
  close: boolean;
  /** Upgrade header value when Connection lists `upgrade`. */
  upgrade: string | undefined;
  /** X-Forwarded-For values received, joined with ", "; '' if none. */
  forwardedFor: string;
  /** Header lines to forward, each ending in CRLF: all but hop-by-hop, framing and forwarded headers. */
  lines: string;
}

export interface ResponseHead {
  status: number;
  /** The status line with the version replaced by HTTP/1.1 (no CRLF). */
  statusLine: string;
  http10: boolean;
  /** -1 without Content-Length. */
  contentLength: number;
  /** The backend sent a Date header. */
  hasDate: boolean;
  /** Transfer-Encoding present: true if its last coding is chunked. */
  chunked: boolean;
  /** Transfer-Encoding present but not chunked-final: the body ends when the connection closes. */
  closeDelimited: boolean;
  /** The backend will not keep the connection: Connection: close, or HTTP/1.0 without keep-alive. */
  close: boolean;
  /** Header lines to relay (hop-by-hop and framing headers removed), each ending in CRLF. */
  lines: string;
}

/** A head the proxy refuses: the status to answer with (400, 431, 501, 505). */
export class HeadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function lastCodingIsChunked(te: string): boolean {
  const comma = te.lastIndexOf(',');
  const last = (comma < 0 ? te : te.slice(comma + 1)).trim().toLowerCase();
  return last === 'chunked';
}

/** Lower-cased, trimmed comma-separated tokens. */
function tokens(v: string): string[] {
  const lower = v.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') return [lower];
  const out: string[] = [];
  for (const t of v.split(',')) {
    const s = t.trim().toLowerCase();
    if (s) out.push(s);
  }
  return out;
}

interface HeaderScan {
  host: string | undefined;
  hostCount: number;
  contentLength: number;
  clCount: number;
  transferEncoding: string | undefined;
  connection: string | undefined;
  upgrade: string | undefined;
  forwardedFor: string;
  hasDate: boolean;
  lines: string;
}

/**
 * Walks the header lines of `head` (from `start`, the index after the start line's CRLF), validates
 * them and collects what the proxy needs. Removed lines: hop-by-hop, framing (Content-Length,
 * Transfer-Encoding), with `forwarded` the X-Forwarded-* and X-Real-Ip headers (requests), and the
 * `extra` names listed in Connection. Kept lines are copied as runs of the original text (no per-header concatenation).
 */
function scanHeaders(head: string, start: number, forwarded: boolean, extra: ReadonlySet<string> | undefined, status: number): HeaderScan {
  const s: HeaderScan = { host: undefined, hostCount: 0, contentLength: -1, clCount: 0, transferEncoding: undefined, connection: undefined, upgrade: undefined, forwardedFor: '', hasDate: false, lines: '' };
  let runStart = start;
  let pos = start;
  const end = head.length;
  while (pos < end) {
    let eol = head.indexOf('\r\n', pos);
    if (eol < 0) eol = end;
    const c0 = head.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) throw new HeadError(status, 'obsolete line folding');
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon >= eol) throw new HeadError(status, 'header line without a colon');
    if (!isToken(head, pos, colon)) throw new HeadError(status, 'invalid header name');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (head.charCodeAt(vs) === 32 || head.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (head.charCodeAt(ve - 1) === 32 || head.charCodeAt(ve - 1) === 9)) ve--;
    // A CR or LF inside a line (a bare one) is caught here too.
    if (!isFieldValue(head, vs, ve)) throw new HeadError(status, 'invalid character in a header value');
    let remove = false;
    switch (headerKind(head, pos, colon - pos)) {
      case K_HOST:
        s.hostCount++;
        s.host ??= head.slice(vs, ve);
        break;
      case K_CONTENT_LENGTH: {
        const value = head.slice(vs, ve);
        if (!DIGITS.test(value)) throw new HeadError(status, 'invalid Content-Length');
        const n = Number(value);
        if (s.clCount > 0 && n !== s.contentLength) throw new HeadError(status, 'conflicting Content-Length');
        s.contentLength = n;
        s.clCount++;
        remove = true;
        break;
      }
      case K_TRANSFER_ENCODING: {
        const value = head.slice(vs, ve);
        s.transferEncoding = s.transferEncoding === undefined ? value : `${s.transferEncoding}, ${value}`;
        remove = true;
        break;
      }
      case K_CONNECTION: {
        const value = head.slice(vs, ve);
        s.connection = s.connection === undefined ? value : `${s.connection}, ${value}`;
        remove = true;
        break;
      }
      case K_UPGRADE:
        s.upgrade = head.slice(vs, ve);
        remove = true;
        break;
      case K_FORWARDED_FOR:
        if (forwarded) {
          const value = head.slice(vs, ve);
          s.forwardedFor = s.forwardedFor ? `${s.forwardedFor}, ${value}` : value;
          remove = true;
        }
        break;
      case K_FORWARDED:
        remove = forwarded;
        break;
      case K_HOP:
        remove = true;
        break;
      case K_DATE:
        s.hasDate = true;
        break;
    }
    if (!remove && extra !== undefined) remove = extra.has(head.slice(pos, colon).toLowerCase());
    if (remove) {
      if (pos > runStart) s.lines += head.slice(runStart, pos);
      runStart = eol + 2;
    }
    pos = eol + 2;
  }
  if (end > runStart) s.lines += head.slice(runStart, end) + '\r\n';
  return s;
}

/** Names listed in a Connection header besides close/keep-alive/upgrade (more hop-by-hop headers). */
function connectionExtras(conn: string[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const t of conn) if (t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (out ??= new Set()).add(t);
  return out;
}

/** Parses a request head (the bytes before CRLFCRLF, as latin1). Throws HeadError. */
export function parseRequestHead(head: string): RequestHead {
  const eol0 = head.indexOf('\r\n');
  const line = eol0 < 0 ? head : head.slice(0, eol0);
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) throw new HeadError(400, 'malformed request line');
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method, 0, method.length)) throw new HeadError(400, 'invalid method');
  if (target.length === 0 || BAD_TARGET_CHAR.test(target)) throw new HeadError(400, 'invalid request target');
  let http10: boolean;
  if (version === 'HTTP/1.1') http10 = false;
  else if (version === 'HTTP/1.0') http10 = true;
  else if (/^HTTP\/[0-9]\.[0-9]$/.test(version)) throw new HeadError(505, 'HTTP version not supported');
  else throw new HeadError(400, 'malformed request line');

  const start = eol0 < 0 ? head.length : eol0 + 2;
  let s = scanHeaders(head, start, true, undefined, 400);
  let close = http10;
  let upgrade: string | undefined;
  if (s.connection !== undefined) {
    const conn = tokens(s.connection);
    if (conn.includes('close')) close = true;
    else if (http10 && conn.includes('keep-alive')) close = false;
    if (conn.includes('upgrade') && s.upgrade) upgrade = s.upgrade;
    const extra = connectionExtras(conn);
    if (extra) s = scanHeaders(head, start, true, extra, 400);
  }
  if (s.hostCount > 1) throw new HeadError(400, 'more than one Host header');
  if (s.hostCount === 0 && !http10) throw new HeadError(400, 'missing Host header');
  let chunked = false;
  if (s.transferEncoding !== undefined) {
    if (s.clCount > 0) throw new HeadError(400, 'both Content-Length and Transfer-Encoding');
    if (!lastCodingIsChunked(s.transferEncoding)) throw new HeadError(400, 'Transfer-Encoding without chunked last');
    chunked = true;
  }
  return {
    method,
    target,
    http10,
    host: s.host,
    contentLength: s.contentLength,
    chunked,
    transferEncoding: s.transferEncoding,
    close,
    upgrade,
    forwardedFor: s.forwardedFor,
    lines: s.lines,
  };
}

const STATUS_LINE = /^HTTP\/1\.[01] [1-9][0-9][0-9](?: |$)/;

/** Parses a response head from a backend. Throws HeadError (status 502). */
export function parseResponseHead(head: string): ResponseHead {
  const eol0 = head.indexOf('\r\n');
  const line = eol0 < 0 ? head : head.slice(0, eol0);
  if (!STATUS_LINE.test(line) || !isFieldValue(line, 0, line.length)) throw new HeadError(502, 'malformed status line');
  const http10 = line.charCodeAt(7) === 48; /* 0 */
  const status = Number(line.slice(9, 12));
  const start = eol0 < 0 ? head.length : eol0 + 2;
  let s = scanHeaders(head, start, false, undefined, 502);
  let close = http10;
  if (s.connection !== undefined) {
    const conn = tokens(s.connection);
    if (conn.includes('close')) close = true;
    else if (http10 && conn.includes('keep-alive')) close = false;
    const extra = connectionExtras(conn);
    if (extra) s = scanHeaders(head, start, false, extra, 502);
  }
  let chunked = false;
  let closeDelimited = false;
  if (s.transferEncoding !== undefined) {
    // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3); the connection is not reused then.
    if (lastCodingIsChunked(s.transferEncoding)) chunked = true;
    else closeDelimited = true;
    if (s.clCount > 0) close = true;
  } else if (s.clCount === 0) closeDelimited = true;
  return {
    status,
    statusLine: http10 ? `HTTP/1.1${line.slice(8)}` : line,
    http10,
    contentLength: s.transferEncoding === undefined ? s.contentLength : -1,
    hasDate: s.hasDate,
    chunked,
    closeDelimited,
    close,
    lines: s.lines,
  };
}

// ---------------------------------------------------------------------------------------
// Chunked transfer coding

export interface ChunkSink {
  /** Payload bytes buf[start, end) of the message body. */
  chunkData(buf: Buffer, start: number, end: number): void;
}

const C_SIZE = 0;
const C_SIZE_WS = 1;
const C_EXT = 2;
const C_SIZE_LF = 3;
const C_DATA = 4;
const C_DATA_CR = 5;
const C_DATA_LF = 6;
const C_TRAILER_START = 7;
const C_TRAILER = 8;
const C_TRAILER_LF = 9;
const C_END_LF = 10;

const MAX_CHUNK_LINE = 4096;
const MAX_SIZE_DIGITS = 12;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Decodes a chunked body incrementally. Chunk extensions and trailer fields are validated and
 * dropped (the proxy re-encodes the payload with its own framing, so the next hop never sees
 * framing bytes it could read differently).
 */
export class ChunkedDecoder {
  private state = C_SIZE;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;

  reset(): void {
    this.state = C_SIZE;
    this.size = 0;
    this.digits = 0;
    this.lineBytes = 0;
    this.trailerBytes = 0;
  }

  /**
   * Consumes buf[start..]: payload goes to `sink`. Returns the index just after the end of the
   * body (the last chunk and trailers), or -1 when all of buf was consumed and more is needed.
   * Throws on malformed framing.
   */
  feed(buf: Buffer, start: number, sink: ChunkSink): number {
    const end = buf.length;
    let i = start;
    while (i < end) {
      const st = this.state;
      if (st === C_DATA) {
        const n = Math.min(this.size, end - i);
        sink.chunkData(buf, i, i + n);
        i += n;
        this.size -= n;
        if (this.size === 0) this.state = C_DATA_CR;
        continue;
      }
      const c = buf[i++];
      switch (st) {
        case C_SIZE: {
          const h = hexValue(c);
          if (h >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new Error('chunk size too large');
            this.size = this.size * 16 + h;
          } else if (this.digits === 0) throw new Error('invalid chunk size');
          else if (c === 13) this.state = C_SIZE_LF;
          else if (c === 59 /* ; */) this.state = C_EXT;
          else if (c === 32 || c === 9) this.state = C_SIZE_WS;
          else throw new Error('invalid chunk size');
          break;
        }
        case C_SIZE_WS:
          if (c === 13) this.state = C_SIZE_LF;
          else if (c === 59) this.state = C_EXT;
          else if (c !== 32 && c !== 9) throw new Error('invalid chunk size line');
          break;
        case C_EXT:
          if (c === 13) this.state = C_SIZE_LF;
          else if ((c < 32 && c !== 9) || c === 127) throw new Error('invalid chunk extension');
          else if (++this.lineBytes > MAX_CHUNK_LINE) throw new Error('chunk extension too long');
          break;
        case C_SIZE_LF:
          if (c !== 10) throw new Error('bare CR in a chunk size line');
          this.digits = 0;
          this.lineBytes = 0;
          this.state = this.size === 0 ? C_TRAILER_START : C_DATA;
          break;
        case C_DATA_CR:
          if (c !== 13) throw new Error('chunk data longer than its size');
          this.state = C_DATA_LF;
          break;
        case C_DATA_LF:
          if (c !== 10) throw new Error('bare CR after chunk data');
          this.state = C_SIZE;
          break;
        case C_TRAILER_START:
          if (c === 13) this.state = C_END_LF;
          else if (c < 33 || c === 127) throw new Error('invalid trailer field');
          else this.state = C_TRAILER;
          break;
        case C_TRAILER:
          if (c === 13) this.state = C_TRAILER_LF;
          else if ((c < 32 && c !== 9) || c === 127) throw new Error('invalid trailer field');
          if (++this.trailerBytes > MAX_HEAD_BYTES) throw new Error('trailers too large');
          break;
        case C_TRAILER_LF:
          if (c !== 10) throw new Error('bare CR in trailers');
          this.state = C_TRAILER_START;
          break;
        case C_END_LF:
          if (c !== 10) throw new Error('bare CR after the last chunk');
          this.reset();
          return i;
      }
    }
    return -1;
  }
}
