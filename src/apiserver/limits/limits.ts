// The API server's limits on what one request, one client and all clients together may take
// (issue 14), with upstream's defaults where upstream has the limit. Pure data and checks;
// the request pipeline (core.ts) and the listener (server.ts) apply them.
import type { ServerResponse } from 'node:http';
import { StatusError, badRequest, requestEntityTooLarge, timeoutError, tooManyRequests } from '../../api/status.js';

/** Largest object storage keeps, in bytes of its stored JSON: etcd's default request limit (1.5 MiB). */
export const MAX_STORED_OBJECT_BYTES = 1.5 * 1024 * 1024;

export interface ApiLimits {
  /** Longest a request that is not long-running may take before it gets 504 (--request-timeout; upstream 60 s). */
  requestTimeoutMs: number;
  /**
   * A watch without timeoutSeconds ends after a random time between this and twice this, so
   * clients re-watch and spread over servers (--min-request-timeout; upstream 1800 s).
   */
  minRequestTimeoutS: number;
  /** Read-only requests in flight at once, long-running ones excluded (--max-requests-inflight; 400; 0 = no limit). */
  maxRequestsInflight: number;
  /** Mutating requests in flight at once (--max-mutating-requests-inflight; 200; 0 = no limit). */
  maxMutatingRequestsInflight: number;
  /** Open watches one user may hold (--max-watches-per-user; 0 = no limit). */
  maxWatchesPerUser: number;
  /** Open watches in all (--max-watches; 0 = no limit). */
  maxWatches: number;
  /** Open client connections to the HTTPS port (--max-connections; 0 = no limit). */
  maxConnections: number;
  /**
   * A new connection must finish its TLS handshake and send its first request's headers within
   * this time, and every request's headers must arrive within it (slow-loris; upstream's
   * ReadHeaderTimeout is 32 s).
   */
  headersTimeoutMs: number;
  /** A request's whole body must arrive within this time (the connection gets 408 and is closed). */
  bodyTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze({
  requestTimeoutMs: 60_000,
  minRequestTimeoutS: 1800,
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  maxWatchesPerUser: 250,
  maxWatches: 5000,
  maxConnections: 10_000,
  headersTimeoutMs: 32_000,
  bodyTimeoutMs: 60_000,
});

/** Upstream's members of this group (system:masters) are never limited in flight. */
export const PRIVILEGED_GROUP = 'system:masters';

/** Sub-resources whose requests stream for as long as the client wants (upstream's long-running check). */
const LONG_RUNNING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** Long-running requests (watches and streams) are not counted in flight and get no request timeout. */
export function isLongRunning(verb: string, subresource: string | undefined): boolean {
  return verb === 'watch' || (subresource !== undefined && LONG_RUNNING_SUBRESOURCES.has(subresource));
}

/** /healthz, /livez, /readyz and their checks: never limited, so probes tell overload from death. */
export function isHealthPath(path: string): boolean {
  return /^\/(healthz|livez|readyz)(\/|$)/.test(path);
}

/** The 429 every limit here answers with (Retry-After: 1, as upstream's max-in-flight filter). */
export function tooManyRequestsError(): StatusError {
  return tooManyRequests('Too many requests, please try again later.', 1);
}

/** A watch's lifetime when the client gave no timeoutSeconds: upstream's [min, 2·min) seconds. */
export function watchTimeoutSeconds(limits: Pick<ApiLimits, 'minRequestTimeoutS'>, random = Math.random): number {
  return Math.floor(limits.minRequestTimeoutS * (1 + random()));
}

/** Refuses an encoded object larger than storage keeps (413, etcd's "request is too large"). */
export function checkStoredSize(json: string): void {
  // Byte length only matters when the UTF-16 length is near the limit (a char is 1–3 bytes).
  if (json.length * 3 <= MAX_STORED_OBJECT_BYTES) return;
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_STORED_OBJECT_BYTES) {
    throw requestEntityTooLarge(`Request entity too large: etcdserver: request is too large (the object is ${bytes} bytes; the limit is ${MAX_STORED_OBJECT_BYTES})`);
  }
}

/**
 * Counts requests in flight (read-only and mutating apart) and open watches (in all and per
 * user). `acquire*` either counts the request and returns its release, or throws the 429.
 */
export class RequestLimiter {
  private readOnly = 0;
  private mutating = 0;
  private watches = 0;
  private readonly watchesByUser = new Map<string, number>();

  constructor(private readonly limits: Readonly<ApiLimits>) {}

  /** A request that is not long-running; `mutating` for anything but GET/HEAD/OPTIONS. */
  acquireInflight(mutating: boolean): () => void {
    if (mutating) {
      if (this.limits.maxMutatingRequestsInflight > 0 && this.mutating >= this.limits.maxMutatingRequestsInflight) throw tooManyRequestsError();
      this.mutating++;
      return once(() => this.mutating--);
    }
    if (this.limits.maxRequestsInflight > 0 && this.readOnly >= this.limits.maxRequestsInflight) throw tooManyRequestsError();
    this.readOnly++;
    return once(() => this.readOnly--);
  }

  /** A watch by `user`; `exempt` watches are counted in the total but never refused. */
  acquireWatch(user: string, exempt: boolean): () => void {
    const mine = this.watchesByUser.get(user) ?? 0;
    if (!exempt) {
      if (this.limits.maxWatches > 0 && this.watches >= this.limits.maxWatches) throw tooManyRequestsError();
      if (this.limits.maxWatchesPerUser > 0 && mine >= this.limits.maxWatchesPerUser) throw tooManyRequestsError();
    }
    this.watches++;
    this.watchesByUser.set(user, mine + 1);
    return once(() => {
      this.watches--;
      const n = (this.watchesByUser.get(user) ?? 1) - 1;
      if (n > 0) this.watchesByUser.set(user, n);
      else this.watchesByUser.delete(user);
    });
  }

  /** Current counts (tests, status). */
  counts(): { readOnly: number; mutating: number; watches: number } {
    return { readOnly: this.readOnly, mutating: this.mutating, watches: this.watches };
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * Ends a response whose request body was not (fully) read with `Connection: close`: Node would
 * otherwise keep reading the rest of the body to reuse the connection, so a client could hold
 * the socket with a slow body after its 401/403 (slow-loris).
 */
export function closeIfBodyUnread(req: { complete: boolean; readableEnded: boolean; method?: string; headers: Record<string, unknown> }, res: ServerResponse): void {
  if (res.headersSent || req.complete) return;
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  res.shouldKeepAlive = false;
  res.setHeader('Connection', 'close');
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds; undefined when `s` is not a duration. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(s);
  if (!m) return undefined;
  if (m[2] === '0') return 0;
  let ms = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(part[1]) * DURATION_UNITS[part[2]];
  return m[1] === '-' ? -ms : ms;
}

/**
 * The deadline of a request that is not long-running: the client's `?timeout=` (a Go duration,
 * as kubectl's --request-timeout sends it) when it is shorter, else --request-timeout. A bad
 * value is 400, as upstream's WithRequestDeadline.
 */
export function requestDeadlineMs(query: URLSearchParams, limits: Pick<ApiLimits, 'requestTimeoutMs'>): number {
  const v = query.get('timeout');
  if (!v) return limits.requestTimeoutMs;
  const ms = parseGoDuration(v);
  if (ms === undefined) throw badRequest(`invalid timeout specified in the request URL - time: invalid duration ${JSON.stringify(v)}`);
  return ms <= 0 || ms > limits.requestTimeoutMs ? limits.requestTimeoutMs : ms;
}

/**
 * Settles with `work`, or fails with upstream's 504 once `ms` pass without the response having
 * started (ms ≤ 0: no deadline). The work goes on, as upstream's, but can no longer answer.
 */
export async function withRequestDeadline(work: Promise<void>, res: ServerResponse, ms: number): Promise<void> {
  if (!(ms > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((_, reject) => {
    timer = setTimeout(() => {
      if (!res.headersSent) reject(timeoutError('request did not complete within requested timeout - context deadline exceeded'));
    }, ms);
  });
  try {
    await Promise.race([work, timedOut]);
  } catch (e) {
    // The abandoned work may still fail; that is no longer this response's concern.
    work.catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `fn` once when the response closes, or its socket does (an upgraded connection leaves the response behind). */
export function onResponseEnd(res: ServerResponse, fn: () => void): void {
  const socket = res.req?.socket;
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    res.off('close', once);
    socket?.off('close', once);
    fn();
  };
  res.once('close', once);
  socket?.once('close', once);
}
