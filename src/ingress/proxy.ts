// The HTTP/1.1 reverse proxy. One instance serves both listeners (http and https); it reads
// the current RouteTable once per request, so swapping `table` never disturbs requests
// already in flight. Bodies stream both ways through pipe() (backpressure, no buffering).
//
// Errors, as a client sees them (Traefik's wording):
//   404 "404 page not found"   no rule and no defaultBackend matched
//   503 "no available server"  the backend Service has no ready endpoints
//   502 "Bad Gateway"          every endpoint tried failed before a response started
// A connect failure marks the endpoint down for DOWN_MS (round-robin skips it) and, for an
// idempotent request without a body, retries once on another endpoint.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { EMPTY_TABLE, hostOf, matchRoute, pickEndpoint, type Backend, type Endpoint, type RouteTable } from './routes.js';

export const DOWN_MS = 5_000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

export type Scheme = 'http' | 'https';

function stripHopByHop(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  // Copy without `delete` (which would turn the object into a slow dictionary).
  const conn = h.connection;
  const listed = conn && conn !== 'keep-alive' && conn !== 'close' ? new Set(conn.split(',').map((t) => t.trim().toLowerCase())) : undefined;
  const out: OutgoingHttpHeaders = {};
  for (const k in h) {
    if (HOP_BY_HOP.has(k) || listed?.has(k)) continue;
    out[k] = h[k];
  }
  return out;
}

function requestHeaders(req: http.IncomingMessage, scheme: Scheme, localPort: number): OutgoingHttpHeaders {
  const out = stripHopByHop(req.headers);
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${prior}, ${remote}` : remote;
  out['x-forwarded-proto'] = scheme;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-port'] = String(localPort);
  out['x-real-ip'] = remote;
  return out;
}

function hasBody(req: http.IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

function plain(res: http.ServerResponse, code: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function rawReply(socket: Duplex, code: number, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export class IngressProxy {
  /** Swapped whole by the controller; read once per request. */
  table: RouteTable = EMPTY_TABLE;
  readonly agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: Infinity, maxFreeSockets: 1024, scheduling: 'lifo' });

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse, scheme: Scheme): void {
    const url = req.url ?? '/';
    const backend = matchRoute(this.table, hostOf(req.headers.host), pathOf(url));
    if (!backend) return plain(res, 404, '404 page not found\n');
    if (backend.endpoints.length === 0) return plain(res, 503, 'no available server\n');
    const headers = requestHeaders(req, scheme, req.socket.localPort ?? 0);
    const body = hasBody(req);
    const retryable = !body && IDEMPOTENT.has(req.method ?? 'GET');
    this.forward(req, res, backend, url, headers, body, retryable, undefined);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    backend: Backend,
    url: string,
    headers: OutgoingHttpHeaders,
    body: boolean,
    retryable: boolean,
    failed: Endpoint | undefined,
  ): void {
    const ep = pickEndpoint(backend, Date.now(), failed);
    if (!ep) return plain(res, 502, 'Bad Gateway\n');
    const up = http.request({ host: ep.host, port: ep.port, method: req.method, path: url, headers, agent: this.agent });
    let responded = false;
    const onClientClose = (): void => {
      if (!res.writableFinished) up.destroy();
    };
    res.on('close', onClientClose);
    up.on('response', (ur) => {
      responded = true;
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, stripHopByHop(ur.headers));
      ur.on('error', () => res.destroy());
      ur.pipe(res);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (responded || res.destroyed) return res.destroy();
      const connectFailed = err.code !== undefined && CONNECT_ERRORS.has(err.code);
      if (connectFailed) ep.downUntil = Date.now() + DOWN_MS;
      // A stale keep-alive socket reset by the backend is as safe to retry as a refused connect.
      const stale = up.reusedSocket && err.code === 'ECONNRESET';
      if ((connectFailed || stale) && retryable && failed === undefined && !res.headersSent) {
        res.off('close', onClientClose);
        return this.forward(req, res, backend, url, headers, body, retryable, ep);
      }
      plain(res, 502, 'Bad Gateway\n');
    });
    if (body) req.pipe(up);
    else up.end();
  }

  /** Upgrade (WebSocket) passthrough: after the backend's 101, the two sockets are spliced. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: Scheme): void {
    socket.on('error', () => socket.destroy());
    const url = req.url ?? '/';
    const backend = matchRoute(this.table, hostOf(req.headers.host), pathOf(url));
    if (!backend) return rawReply(socket, 404, 'Not Found');
    const ep = pickEndpoint(backend, Date.now());
    if (!ep) return rawReply(socket, 503, 'Service Unavailable');
    const headers = requestHeaders(req, scheme, req.socket.localPort ?? 0);
    headers.connection = 'Upgrade';
    if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
    const up = http.request({ host: ep.host, port: ep.port, method: req.method, path: url, headers, agent: false });
    socket.on('close', () => up.destroy());
    up.on('upgrade', (ur, us, uhead) => {
      us.on('error', () => socket.destroy());
      socket.on('error', () => us.destroy());
      us.on('close', () => socket.destroy());
      socket.on('close', () => us.destroy());
      let lines = `HTTP/1.1 ${ur.statusCode ?? 101} ${ur.statusMessage ?? 'Switching Protocols'}\r\n`;
      const raw = ur.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
      socket.write(lines + '\r\n');
      if (uhead.length) socket.write(uhead);
      if (head.length) us.write(head);
      us.pipe(socket);
      socket.pipe(us);
    });
    up.on('response', (ur) => {
      // The backend declined the upgrade: relay its answer and close.
      let lines = `HTTP/1.1 ${ur.statusCode ?? 502} ${ur.statusMessage ?? ''}\r\n`;
      const h = stripHopByHop(ur.headers);
      for (const [k, v] of Object.entries(h)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) lines += `${k}: ${one}\r\n`;
      }
      socket.write(lines + 'connection: close\r\n\r\n');
      ur.pipe(socket);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code && CONNECT_ERRORS.has(err.code)) ep.downUntil = Date.now() + DOWN_MS;
      if (socket.writable) rawReply(socket, 502, 'Bad Gateway');
    });
    up.end();
  }

  close(): void {
    this.agent.destroy();
  }
}
