// Runs one probe attempt (httpGet, tcpSocket, exec) against a container, as upstream's
// prober: HTTP(S) from the node to the pod IP (or through the runtime's port-forward when
// the pod has no address the node can reach), success on 200–399; TCP connect; exec via
// the runtime with exit code 0 as success. Never throws: errors are failures with a message.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { RuntimeService } from '../../runtime/index.js';
import type { Container, LifecycleHandler, Pod, ProbeHandler } from '../../api/types/index.js';

/** What a probe or a lifecycle hook runs: one of exec, httpGet, tcpSocket, grpc (probes), sleep (hooks). */
export type Handler = ProbeHandler & LifecycleHandler;

export type ProbeResult = 'success' | 'failure';

export interface ProbeOutcome {
  result: ProbeResult;
  /** Why it failed (the Unhealthy event's text after "<Kind> probe failed: "). */
  output: string;
}

export interface ProbeTarget {
  pod: Readonly<Pod>;
  container: Readonly<Container>;
  containerId: string;
  sandboxId: string;
  /** Address the node reaches the pod on ('' when none: use port-forward). */
  podIP: string;
}

export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_BODY = 10 * 1024;

/** A named or numeric port of the container. */
export function resolvePort(port: number | string, c: Readonly<Container>): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runHandler(runtime: RuntimeService, h: Readonly<Handler>, t: ProbeTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    if (h.exec) return await execProbe(runtime, h.exec.command ?? [], t, timeoutSeconds);
    if (h.httpGet) return await httpProbe(runtime, h.httpGet, t, timeoutSeconds);
    if (h.tcpSocket) return await tcpProbe(runtime, h.tcpSocket, t, timeoutSeconds);
    return { result: 'failure', output: 'missing probe handler' };
  } catch (e) {
    return { result: 'failure', output: (e as Error).message };
  }
}

async function execProbe(runtime: RuntimeService, cmd: string[], t: ProbeTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  const r = await runtime.execSync(t.containerId, cmd, timeoutSeconds);
  if (r.exitCode === 0) return { result: 'success', output: '' };
  const output = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
  return { result: 'failure', output: output || `command ${JSON.stringify(cmd.join(' '))} exited with ${r.exitCode}` };
}

function forwarded(runtime: RuntimeService, sandboxId: string, port: number, secure: boolean): (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => undefined {
  return (_o, cb) => {
    runtime.portForward(sandboxId, port).then(
      (s) => cb(null, secure ? tls.connect({ socket: s as Duplex, rejectUnauthorized: false }) : (s as Duplex)),
      (e: Error) => cb(e),
    );
    return undefined;
  };
}

async function httpProbe(runtime: RuntimeService, g: NonNullable<Handler['httpGet']>, t: ProbeTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  const port = resolvePort(g.port, t.container);
  if (port === undefined) return { result: 'failure', output: `unable to find port ${String(g.port)}` };
  const secure = g.scheme === 'HTTPS';
  const host = g.host || t.podIP;
  const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
  const hostPart = host.includes(':') ? `[${host}]` : host || 'localhost';
  const url = `${secure ? 'https' : 'http'}://${hostPart}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  const mod = secure ? https : http;
  return new Promise<ProbeOutcome>((resolve) => {
    const opts: https.RequestOptions = {
      method: 'GET',
      host: host || 'localhost',
      port,
      path,
      headers,
      timeout: timeoutSeconds * 1000,
      rejectUnauthorized: false,
      agent: false,
    };
    if (!host) (opts as { createConnection?: unknown }).createConnection = forwarded(runtime, t.sandboxId, port, secure);
    const req = mod.request(opts, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) res.destroy();
      });
      const finish = (): void => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ result: 'success', output: '' });
        else resolve({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e) => resolve({ result: 'failure', output: `Get "${url}": ${describeNetError(e, host, port)}` }));
    req.end();
  });
}

function describeNetError(e: Error, host: string, port: number): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return e.message;
}

async function tcpProbe(runtime: RuntimeService, s: NonNullable<Handler['tcpSocket']>, t: ProbeTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  const port = resolvePort(s.port, t.container);
  if (port === undefined) return { result: 'failure', output: `unable to find port ${String(s.port)}` };
  const host = s.host || t.podIP;
  if (!host) {
    const conn = await withTimeout(runtime.portForward(t.sandboxId, port), timeoutSeconds * 1000);
    (conn as Duplex).destroy();
    return { result: 'success', output: '' };
  }
  return new Promise<ProbeOutcome>((resolve) => {
    const sock = net.connect({ host, port });
    sock.setTimeout(timeoutSeconds * 1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (e) => resolve({ result: 'failure', output: describeNetError(e, host, port) }));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('i/o timeout')), ms);
    t.unref();
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}
