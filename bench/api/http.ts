// A minimal HTTPS client for the benchmark: keep-alive agents carrying the admin client
// certificate, one-shot JSON requests, and newline-delimited watch streams.
import https from 'node:https';
import type { Credentials } from './server-process.js';

export function newAgent(creds: Credentials, maxSockets: number): https.Agent {
  // TLS options live on the agent only; the agent merges them into every connection.
  return new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ca: creds.ca, cert: creds.cert, key: creds.key });
}

export interface Reply {
  status: number;
  /** The body, or only its first `keepBytes` bytes when the request asked to discard the rest. */
  body: string;
  bytes: number;
}

export interface RequestOptions {
  body?: string;
  /** Keep only this many leading bytes of the body (big LISTs: metadata comes first). */
  keepBytes?: number;
  timeoutMs?: number;
}

/** One request; resolves when the whole response has arrived. Rejects on network errors and timeouts. */
export function request(agent: https.Agent, creds: Credentials, method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(opts.body);
    }
    const req = https.request({ agent, host: creds.host, port: creds.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let bytes = 0;
      const keep = opts.keepBytes ?? Number.POSITIVE_INFINITY;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (kept < keep) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bytes }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 30_000} ms: ${method} ${path}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface WatchStream {
  readonly status: number;
  /** True once the server ended the stream or the connection failed. */
  ended(): boolean;
  close(): void;
}

/**
 * Opens `GET path` (a watch) and calls `onLine` with each complete event line and the time it
 * arrived. Resolves once the response headers are in; a non-200 answer rejects with its body.
 */
export function openWatch(agent: https.Agent, creds: Credentials, path: string, onLine: (line: string, atMs: number) => void, onEnd?: (why: string) => void): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    let done = false;
    const req = https.request({ agent, host: creds.host, port: creds.port, method: 'GET', path, headers: { Accept: 'application/json' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => reject(new Error(`watch ${path}: HTTP ${status}: ${body.slice(0, 300)}`)));
        return;
      }
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        let start = 0;
        let nl = chunk.indexOf('\n');
        if (nl < 0) {
          partial += chunk;
          return;
        }
        let first = true;
        while (nl >= 0) {
          const piece = chunk.slice(start, nl);
          onLine(first ? partial + piece : piece, at);
          first = false;
          start = nl + 1;
          nl = chunk.indexOf('\n', start);
        }
        partial = chunk.slice(start);
      });
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        onEnd?.(why);
      };
      res.on('end', () => finish('server ended the stream'));
      res.on('error', (e) => finish(`stream error: ${e.message}`));
      res.on('close', () => finish('connection closed'));
      resolve({ status, ended: () => done, close: () => ((done = true), req.destroy()) });
    });
    req.on('error', (e) => {
      if (!done) reject(e);
    });
    req.end();
  });
}
