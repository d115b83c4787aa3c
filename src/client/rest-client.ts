// The REST client: ApiClient over HTTP(S) with keep-alive, or over the API server's
// loopback unix socket (components running inside the server process). Non-2xx answers
// become StatusErrors carrying the server's Status, so isNotFound()/isConflict() work.
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { KObject, KList } from '../api/types/index.js';
import { StatusError, internalError, type Status } from '../api/status.js';
import type { ServerPool } from './server-pool.js';
import type { ApiClient, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceRef, WatchEventOf, WatchOptions, WatchStream, WriteOptions } from './types.js';

export type Transport =
  | { kind: 'unix'; socketPath: string }
  | {
      kind: 'https';
      server: string;
      ca?: string;
      cert?: string;
      key?: string;
      token?: string;
      insecureSkipVerify?: boolean;
      /**
       * Several API servers (an agent's): each request goes to `pool.current()` instead of
       * `server`; a connection-level failure marks that server failed and the pool moves on.
       */
      pool?: ServerPool;
    };

export { ServerPool, serversFromEndpoints, type ServerPoolOptions } from './server-pool.js';

/**
 * Errors that mean the server could not be reached or stopped answering (not an HTTP answer):
 * the pool marks the server failed. The first three mean the request never left, so any
 * method may be retried on another server at once.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_ERRORS = new Set([...NOT_SENT, 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENOTFOUND', 'K8TS_REQUEST_TIMEOUT']);

function isConnectionError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return CONNECTION_ERRORS.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|self.signed|handshake|socket hang up/i.test(e.message);
}

export interface RestClientOptions {
  transport: Transport;
  /** User-Agent and default field manager, e.g. `k8ts-controller-manager`. */
  userAgent: string;
  /** Per-request timeout for non-watch requests (default 30 s). */
  timeoutMs?: number;
  /**
   * Sends `Impersonate-User` with every request: the server acts as this user if the
   * connection's identity holds `impersonate` on it (a service account gets its SA groups).
   */
  impersonateUser?: string;
}

const PATCH_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

interface RawResponse {
  status: number;
  body: Buffer;
}

export function resourcePath(res: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The StatusError a non-2xx response stands for (its Status body, else the code and the text). */
export function toError(status: number, body: Buffer): StatusError {
  try {
    const s = JSON.parse(body.toString('utf8')) as Status;
    if (s && s.kind === 'Status') return new StatusError({ code: s.code || status, reason: s.reason, message: s.message, details: s.details });
  } catch {
    // not a Status
  }
  return new StatusError({ code: status, reason: status >= 500 ? 'InternalError' : '', message: `the server responded with ${status}: ${body.toString('utf8').slice(0, 200)}` });
}

export class RestClient implements ApiClient {
  private agent: HttpAgent | HttpsAgent;
  private readonly timeoutMs: number;
  /** Set on clients made by impersonating(): they use their parent's agent and do not close it. */
  private readonly parent?: RestClient;

  constructor(private opts: RestClientOptions, parent?: RestClient) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const t = opts.transport;
    this.parent = parent;
    this.agent = parent
      ? parent.agent
      : t.kind === 'unix'
        ? new HttpAgent({ keepAlive: true, maxSockets: 64 })
        : new HttpsAgent({ keepAlive: true, maxSockets: 64, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: !t.insecureSkipVerify });
  }

  /**
   * A client that acts as `user` (Impersonate-User) over this client's connections: the
   * controller manager's per-controller identities cost one small object each, not a pool.
   */
  impersonating(user: string): RestClient {
    return new RestClient({ ...this.opts, impersonateUser: user }, this.parent ?? this);
  }

  close(): void {
    if (!this.parent) this.agent.destroy();
  }

  /**
   * Uses a new client certificate from now on (a kubelet's rotated certificate). Requests and
   * watches in flight keep their connections, which the server authenticated at the handshake;
   * the old connections close as they finish.
   */
  setClientCertificate(cert: string, key: string): void {
    const t = this.opts.transport;
    if (t.kind !== 'https') return;
    this.opts = { ...this.opts, transport: { ...t, cert, key } };
    const old = this.agent;
    this.agent = new HttpsAgent({ keepAlive: true, maxSockets: 64, ca: t.ca, cert, key, rejectUnauthorized: !t.insecureSkipVerify });
    // keepAlive off: each socket closes once its request (or watch) ends.
    (old as HttpsAgent & { keepAlive: boolean }).keepAlive = false;
    for (const list of Object.values((old as HttpsAgent).freeSockets)) for (const s of list ?? []) s.destroy();
  }

  private start(method: string, path: string, headers: Record<string, string>, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void) {
    const t = this.opts.transport;
    const pool = t.kind === 'https' ? t.pool : undefined;
    const server = pool ? pool.current() : t.kind === 'https' ? t.server : '';
    const h: Record<string, string> = { 'User-Agent': this.opts.userAgent, Accept: 'application/json', ...headers };
    if (t.kind === 'https' && t.token) h.Authorization = `Bearer ${t.token}`;
    if (this.opts.impersonateUser) h['Impersonate-User'] = this.opts.impersonateUser;
    const agent = (this.parent ?? this).agent; // the parent's current pool (it may rotate its certificate)
    const req =
      t.kind === 'unix'
        ? httpRequest({ socketPath: t.socketPath, path, method, headers: h, agent: agent as HttpAgent }, onResponse)
        : httpsRequest(new URL(path, server), { method, headers: h, agent: agent as HttpsAgent }, (res) => {
            pool?.markOk(server);
            onResponse(res);
          });
    req.on('error', (e) => {
      if (pool && isConnectionError(e)) pool.markFailed(server);
      onError(e);
    });
    return req;
  }

  /**
   * One request/response with a JSON (or empty) body. With a server pool, a request that could
   * not reach its server is sent again to the next one (once per other server): any method when
   * it never left (connection refused, no route), only GET otherwise (a write may have landed).
   */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
    const t = this.opts.transport;
    const tries = t.kind === 'https' && t.pool ? t.pool.servers().length : 1;
    for (let i = 1; ; i++) {
      try {
        return await this.requestOnce(method, path, body, contentType);
      } catch (e) {
        const cause = (e as Error).cause;
        const retriable = cause instanceof Error && isConnectionError(cause) && (method === 'GET' || NOT_SENT.has((cause as NodeJS.ErrnoException).code ?? ''));
        if (i >= tries || !retriable) throw e;
      }
    }
  }

  private requestOnce(method: string, path: string, body: unknown, contentType: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const headers: Record<string, string> = {};
      if (payload) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(payload.length);
      }
      const req = this.start(
        method,
        path,
        headers,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
        (e) => reject(new StatusError({ code: 503, reason: 'ServiceUnavailable', message: `${method} ${path}: ${e.message}` }, { cause: e })),
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`timed out after ${this.timeoutMs} ms`), { code: 'K8TS_REQUEST_TIMEOUT' })));
      req.end(payload);
    });
  }

  private async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const r = await this.request(method, path, body, contentType);
    if (r.status < 200 || r.status >= 300) throw toError(r.status, r.body);
    if (r.body.length === 0) return undefined as T;
    try {
      return JSON.parse(r.body.toString('utf8')) as T;
    } catch (e) {
      throw internalError(new Error(`${method} ${path}: the response is not JSON: ${(e as Error).message}`));
    }
  }

  private writeQuery(opts?: WriteOptions & { force?: boolean }): string {
    return query({ fieldManager: opts?.fieldManager ?? this.opts.userAgent.split('/')[0], dryRun: opts?.dryRun ? 'All' : undefined, force: opts?.force });
  }

  get<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.json('GET', resourcePath(res, namespace, name));
  }

  list<T extends KObject = KObject>(res: ResourceRef, namespace?: string, opts: ListOptions = {}): Promise<KList<T>> {
    return this.json('GET', resourcePath(res, namespace) + query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion }));
  }

  create<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T> {
    return this.json('POST', resourcePath(res, namespace) + this.writeQuery(opts), obj);
  }

  update<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T> {
    return this.json('PUT', resourcePath(res, namespace, obj.metadata.name) + this.writeQuery(opts), obj);
  }

  updateStatus<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T> {
    return this.json('PUT', resourcePath(res, namespace, obj.metadata.name, 'status') + this.writeQuery(opts), obj);
  }

  patch<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T> {
    return this.json('PATCH', resourcePath(res, namespace, name, opts?.subresource) + this.writeQuery(opts), patch, PATCH_TYPES[type]);
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.dryRun) body.dryRun = ['All'];
    await this.json('DELETE', resourcePath(res, namespace, name), body);
  }

  createSubresource<T = unknown>(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T> {
    return this.json('POST', resourcePath(res, namespace, name, subresource), body);
  }

  watch<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEventOf<T>) => void): WatchStream {
    const path =
      resourcePath(res, namespace) +
      query({ watch: 'true', resourceVersion: opts.resourceVersion, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, allowWatchBookmarks: opts.allowWatchBookmarks, timeoutSeconds: opts.timeoutSeconds });
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const stream: { stop(): void; done: Promise<void>; error?: Error } = { stop: () => {}, done };
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      if (err) stream.error = err;
      resolveDone();
    };
    const req = this.start(
      'GET',
      path,
      {},
      (resp) => {
        if ((resp.statusCode ?? 0) !== 200) {
          const chunks: Buffer[] = [];
          resp.on('data', (c: Buffer) => chunks.push(c));
          resp.on('end', () => {
            const err = toError(resp.statusCode ?? 0, Buffer.concat(chunks));
            // Deliver a watch ERROR event so informers treat it like an in-stream error.
            try {
              onEvent({ type: 'ERROR', object: err.status as unknown as T });
            } finally {
              finish(err);
            }
          });
          return;
        }
        let buf = '';
        resp.setEncoding('utf8');
        resp.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            let ev: WatchEventOf<T>;
            try {
              ev = JSON.parse(line) as WatchEventOf<T>;
            } catch (e) {
              req.destroy();
              finish(new Error(`watch ${path}: undecodable event: ${(e as Error).message}`));
              return;
            }
            if (!finished) onEvent(ev);
          }
        });
        resp.on('end', () => finish());
        resp.on('error', (e) => finish(e));
        resp.on('close', () => finish());
      },
      (e) => finish(e),
    );
    req.end();
    stream.stop = () => {
      if (!finished) req.destroy();
      finish();
    };
    return stream;
  }
}
