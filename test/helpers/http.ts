// Raw HTTPS requests to a test cluster with the admin client certificate from its kubeconfig.
import { request, Agent } from 'node:https';
import { loadKubeconfigTransport } from '../../src/client/kubeconfig.js';

export interface Creds {
  ca: string;
  cert: string;
  key: string;
  server: string;
}

export function credsFromKubeconfig(path: string): Creds {
  const t = loadKubeconfigTransport(path);
  if (!t.ca || !t.cert || !t.key) throw new Error(`${path} has no CA, client certificate or key`);
  return { server: t.server, ca: t.ca, cert: t.cert, key: t.key };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/** One request; rejects on a connection error or when no full answer came within opts.timeoutMs (default 30 s). */
export function api(creds: Creds, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, opts: { anonymous?: boolean; agent?: Agent; timeoutMs?: number } = {}): Promise<HttpResult> {
  const url = new URL(path, creds.server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: creds.ca,
        ...(opts.anonymous ? {} : { cert: creds.cert, key: creds.key }),
        agent: opts.agent ?? false,
        headers: { ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
      },
    );
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
