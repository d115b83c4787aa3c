// The dashboard's HTTP side, mounted by the API server under /dashboard/ (outside the API's
// paths). Static files need no credentials and hold no data; everything else needs the
// user's bearer token in the Authorization header, and runs through the normal API as that
// user (a REST client to this very server carrying the token), so RBAC, admission, limits and
// audit see the user, not the dashboard. No cookie is ever set: a request another site makes
// the browser send carries no credentials, so there is nothing to forge (no CSRF).
//
//   GET /dashboard/                 index.html (the login until the page has a token)
//   GET /dashboard/assets/NAME      the bundle's files
//   GET /dashboard/api/stream[?namespace=NS]   the one multiplexed watch stream (NDJSON, mux.ts)
//   GET /dashboard/api/why?kind=K&name=N[&namespace=NS]   k8ts why's diagnosis (JSON)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../api/types/index.js';
import { badRequest, isStatusError, methodNotAllowed, pathNotFound, unauthorized, internalError } from '../api/status.js';
import { RestClient } from '../client/rest-client.js';
import { parseRequestTarget } from '../util/request-target.js';
import { logger, errorMessage } from '../util/log.js';
import { AssetCache } from './assets.js';
import { runStream, type StreamFrame } from './mux.js';
import { diagnoseFor } from './why.js';

const log = logger('dashboard');

export const DASHBOARD_PATH = '/dashboard';
/** Bytes a stream may have queued for a page that does not read before it is closed. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface DashboardOptions {
  /** This API server's URL, as the server itself reaches it (https://127.0.0.1:PORT). */
  apiUrl: string;
  /** The cluster CA (PEM) that signed the serving certificate. */
  caPem: string;
  /** The bundle's directory (default: beside the compiled module). */
  assetsDir?: string;
  /** The stream's keep-alive frame interval (default 30 s). */
  pingMs?: number;
}

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Is this request the dashboard's (checked by the API server before its own routing)? */
export function isDashboardRequest(url: string | undefined): boolean {
  return url !== undefined && (url === DASHBOARD_PATH || url.startsWith(`${DASHBOARD_PATH}/`) || url.startsWith(`${DASHBOARD_PATH}?`));
}

// The page loads only what this server sends; no inline script, no frames of it elsewhere.
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function writeStatus(res: ServerResponse, e: unknown): void {
  const s = (isStatusError(e) ? e : internalError(e)).status;
  if (res.headersSent) return void res.end();
  const body = JSON.stringify(s);
  res.writeHead(s.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

/** The bearer token of the request; the dashboard's API answers 401 without one. */
export function bearerToken(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  const token = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : '';
  if (!token) throw unauthorized('the dashboard needs a bearer token: paste one on its login page (k8ts dashboard says how to get one)');
  return token;
}

export function createDashboard(o: DashboardOptions): DashboardHandler {
  const assets = new AssetCache(o.assetsDir);
  const userClient = (req: IncomingMessage): RestClient =>
    new RestClient({ transport: { kind: 'https', server: o.apiUrl, ca: o.caPem, token: bearerToken(req) }, userAgent: `k8ts-dashboard (${String(req.headers['user-agent'] ?? '').slice(0, 80)})` });

  const serveAsset = async (req: IncomingMessage, res: ServerResponse, name: string, cache: boolean): Promise<void> => {
    const a = await assets.get(name);
    if (!a) throw name === 'index.html' ? internalError(new Error('the dashboard was not built: run npm run build')) : pathNotFound();
    const headers: Record<string, string> = { 'Content-Type': a.contentType, ETag: a.etag, 'Cache-Control': cache ? 'public, max-age=31536000, immutable' : 'no-cache', Vary: 'Accept-Encoding', ...SECURITY_HEADERS };
    if (req.headers['if-none-match'] === a.etag) return void res.writeHead(304, headers).end();
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? a.gzip : a.body;
    if (gz) headers['Content-Encoding'] = 'gzip';
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const serveStream = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const client = userClient(req);
    const namespace = url.searchParams.get('namespace') || undefined;
    // Who is asking: a SelfSubjectReview through the API, which also rejects a bad token (401) before any stream starts.
    let user: string;
    try {
      const review = await client.create<KObject & { status?: { userInfo?: { username?: string } } }>(SELF_SUBJECT_REVIEW, undefined, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
      user = review.status?.userInfo?.username ?? '';
    } catch (e) {
      client.close();
      throw e;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', ...SECURITY_HEADERS });
    res.flushHeaders();
    const ac = new AbortController();
    // A page that stops reading is cut off rather than buffered without bound; it reconnects and relists.
    const send = (f: StreamFrame): void => {
      if (res.writableEnded || ac.signal.aborted) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        log.v(2, `dashboard stream of ${user}: the page is not reading (${res.writableLength} bytes queued); closing it`);
        ac.abort();
        return;
      }
      res.write(`${JSON.stringify(f)}\n`);
    };
    const ping = setInterval(() => send({ type: 'PING' }), o.pingMs ?? 30_000);
    const end = (): void => ac.abort();
    res.on('close', end);
    send({ type: 'HELLO', user });
    try {
      await runStream(client, namespace, send, ac.signal);
    } finally {
      clearInterval(ping);
      res.off('close', end);
      client.close();
      if (!res.writableEnded) res.end();
    }
  };

  const serveWhy = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const client = userClient(req);
    try {
      const kind = url.searchParams.get('kind') ?? '';
      const name = url.searchParams.get('name') ?? '';
      if (!kind || !name) throw badRequest('why needs kind and name, e.g. ?kind=deployment&name=web&namespace=default');
      const d = await diagnoseFor(client, kind, name, url.searchParams.get('namespace') || 'default');
      const body = JSON.stringify(d);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
      res.end(body);
    } finally {
      client.close();
    }
  };

  return async (req, res) => {
    try {
      const url = parseRequestTarget(req.url, 'https://localhost');
      if (!url) throw badRequest('invalid request target');
      const p = url.pathname;
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
      if (p === DASHBOARD_PATH) {
        res.writeHead(308, { Location: `${DASHBOARD_PATH}/`, ...SECURITY_HEADERS }).end();
        return;
      }
      if (p === `${DASHBOARD_PATH}/` || p === `${DASHBOARD_PATH}/index.html`) return await serveAsset(req, res, 'index.html', false);
      if (p.startsWith(`${DASHBOARD_PATH}/assets/`)) return await serveAsset(req, res, p.slice(`${DASHBOARD_PATH}/assets/`.length), true);
      if (p === `${DASHBOARD_PATH}/api/stream`) return await serveStream(req, res, url);
      if (p === `${DASHBOARD_PATH}/api/why`) return await serveWhy(req, res, url);
      throw pathNotFound();
    } catch (e) {
      if (!isStatusError(e)) log.error(`${req.method} ${req.url}: ${errorMessage(e)}`);
      writeStatus(res, e);
    }
  };
}

const SELF_SUBJECT_REVIEW = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', namespaced: false, kind: 'SelfSubjectReview' } as const;

