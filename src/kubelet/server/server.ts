// The kubelet's streaming server (upstream port 10250): container logs, exec, attach and
// port-forward for the API server, which proxies kubectl's requests here.
//
//   GET  /healthz                                   anonymous
//   GET  /metrics                                   Prometheus text (this loop's registry); any client
//                                                   certificate the cluster CA signed
//   GET  /metrics/resource                          containers' and pods' CPU and memory (cgroups); same
//   GET  /containerLogs/<ns>/<pod>/<container>?…    text/plain, chunked (follow keeps it open)
//   GET  /exec/<ns>/<pod>/<container>?command=…     Upgrade: websocket (v5/v4.channel.k8s.io)
//   POST /exec/…                                    Upgrade: SPDY/3.1 (v4.channel.k8s.io)
//   GET|POST /attach/<ns>/<pod>/<container>?…       same as exec
//   GET  /portForward/<ns>/<pod>                    Upgrade: websocket (SPDY/3.1+portforward.k8s.io)
//   POST /portForward/<ns>/<pod>                    Upgrade: SPDY/3.1 (portforward.k8s.io)
//
// Everything but /healthz needs a TLS client certificate signed by the cluster CA whose CN
// is the API server's kubelet client (`system:kube-apiserver-kubelet-client`): 401 without
// one, 403 for any other identity.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { badRequest, forbidden, isStatusError, pathNotFound, unauthorized, methodNotAllowed } from '../../api/status.js';
import { attachSocket, attachWebSocket } from '../../util/spdy/index.js';
import { boolParam, writeStatusResponse, writeStatusToSocket } from './http.js';
import { parseRemoteCommandOptions, serveSession, serveSpdyCommand, startSession, websocketIO, SPDY_CHANNEL_PROTOCOLS, WS_CHANNEL_PROTOCOLS, type RemoteCommandKind } from './remote-command.js';
import { portForwardStreamHandler, PORT_FORWARD_PROTOCOL, PORT_FORWARD_WS_PROTOCOL } from './port-forward.js';
import { portForwardPorts, serveWebSocketPortForward, PORT_FORWARD_CHANNEL_PROTOCOLS } from './websocket-port-forward.js';
import { KUBE_APISERVER_KUBELET_CLIENT, type KubeletServerOptions, type LogOptions, type ResolvedContainer } from './types.js';
import { toStatus } from './http.js';
import { registry } from '../../util/metrics.js';
import { parseRequestTarget } from '../../util/request-target.js';

export interface KubeletServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

type Route =
  | { kind: 'healthz' }
  | { kind: 'metrics'; resource?: true }
  | { kind: 'logs'; namespace: string; pod: string; container: string }
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; container: string }
  | { kind: 'portforward'; namespace: string; pod: string };

function parseRoute(pathname: string): Route | undefined {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (seg.length === 1 && seg[0] === 'healthz') return { kind: 'healthz' };
  if (seg.length === 1 && seg[0] === 'metrics') return { kind: 'metrics' };
  if (seg.length === 2 && seg[0] === 'metrics' && seg[1] === 'resource') return { kind: 'metrics', resource: true };
  if (seg[0] === 'containerLogs' && seg.length === 4) return { kind: 'logs', namespace: seg[1], pod: seg[2], container: seg[3] };
  if ((seg[0] === 'exec' || seg[0] === 'attach') && seg.length === 4) return { kind: seg[0], namespace: seg[1], pod: seg[2], container: seg[3] };
  // Upstream also accepts /exec/<ns>/<pod>/<uid>/<container>.
  if ((seg[0] === 'exec' || seg[0] === 'attach') && seg.length === 5) return { kind: seg[0], namespace: seg[1], pod: seg[2], container: seg[4] };
  if (seg[0] === 'portForward' && (seg.length === 3 || seg.length === 4)) return { kind: 'portforward', namespace: seg[1], pod: seg[2] };
  return undefined;
}

/** Parses and validates the log query (upstream PodLogOptions validation). */
export function parseLogQuery(q: URLSearchParams, now = new Date()): Omit<LogOptions, 'signal' | 'isRunning'> {
  const intParam = (name: string, min: number): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: Invalid value: "${v}": must be an integer`);
    const n = Number(v);
    if (n < min) throw badRequest(`${name}: Invalid value: ${n}: must be greater than${min === 0 ? ' or equal to' : ''} ${min === 0 ? 0 : min - 1}`);
    return n;
  };
  const sinceSeconds = intParam('sinceSeconds', 1);
  const sinceTimeRaw = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTimeRaw) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let since: Date | undefined;
  if (sinceSeconds !== undefined) since = new Date(now.getTime() - sinceSeconds * 1000);
  if (sinceTimeRaw) {
    const t = Date.parse(sinceTimeRaw);
    if (Number.isNaN(t)) throw badRequest(`sinceTime: Invalid value: "${sinceTimeRaw}": must be an RFC3339 time`);
    since = new Date(t);
  }
  return {
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
    since,
    tailLines: intParam('tailLines', 0),
    limitBytes: intParam('limitBytes', 1),
  };
}

function headerList(v: string | string[] | undefined): string[] {
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const allowed = new Set(o.allowedClientCNs ?? [KUBE_APISERVER_KUBELET_CLIENT]);
  const streamTimeout = o.streamCreationTimeoutMs ?? 30_000;
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false,
  });
  const liveSockets = new Set<Duplex>();
  /**
   * ws refuses `Sec-WebSocket-Protocol` values outside the RFC 7230 token set, and
   * `SPDY/3.1+portforward.k8s.io` has a '/'. We negotiate ourselves, hand ws a token in its
   * place, and ws echoes the chosen protocol from handleProtocols unchecked.
   */
  const acceptProtocol = (req: IncomingMessage, proto: string): void => {
    chosenProtocol.set(req, proto);
    req.headers['sec-websocket-protocol'] = 'negotiated';
  };

  const authenticate = (req: IncomingMessage, anyClient = false): void => {
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) throw unauthorized();
    if (anyClient) return;
    const cn = sock.getPeerCertificate()?.subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name || !allowed.has(name)) throw forbidden(`Forbidden (user=${name ?? ''}, verb=${(req.method ?? 'get').toLowerCase()}, resource=nodes, subresource=proxy)`);
  };

  const resolve = async (ns: string, pod: string, container: string | undefined): Promise<ResolvedContainer> => {
    const r = await o.resolveContainer(ns, pod, container);
    if (isStatusError(r)) throw r;
    return r;
  };

  const serveLogs = async (req: IncomingMessage, res: ServerResponse, route: Extract<Route, { kind: 'logs' }>, q: URLSearchParams): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    const parsed = parseLogQuery(q);
    const c = await resolve(route.namespace, route.pod, route.container);
    const path = parsed.previous ? c.previousLogPath : c.logPath;
    if (!path) throw badRequest(`previous terminated container "${route.container}" in pod "${route.pod}" not found`);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const runtime = o.runtime;
    const isRunning = runtime.containerStatus
      ? async (): Promise<boolean> => {
          const st = await runtime.containerStatus!(c.containerId).catch(() => undefined);
          return st?.state === 'running' || st?.state === 'created';
        }
      : undefined;
    const stream = o.readLog(path, { ...parsed, follow: parsed.follow && !parsed.previous, signal: abort.signal, isRunning });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    stream.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) stream.pause();
    });
    res.on('drain', () => stream.resume());
    stream.on('end', () => res.end());
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
  };

  const serveMetrics = async (req: IncomingMessage, res: ServerResponse, resource: boolean): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    if (resource && !o.resourceMetrics) throw pathNotFound();
    const body = resource && o.resourceMetrics ? await o.resourceMetrics() : o.metrics ? await o.metrics() : { contentType: registry.contentType, text: await registry.metrics() };
    res.writeHead(200, { 'Content-Type': body.contentType, 'Content-Length': Buffer.byteLength(body.text), 'Cache-Control': 'no-cache, private' });
    res.end(req.method === 'HEAD' ? undefined : body.text);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = parseRequestTarget(req.url, 'https://kubelet');
      if (!url) throw badRequest(`invalid request target ${JSON.stringify(req.url)}`);
      const route = parseRoute(url.pathname);
      if (route?.kind === 'healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
        res.end('ok');
        return;
      }
      authenticate(req, route?.kind === 'metrics');
      if (!route) throw pathNotFound();
      if (route.kind === 'metrics') return await serveMetrics(req, res, route.resource === true);
      if (route.kind === 'logs') return await serveLogs(req, res, route, url.searchParams);
      throw badRequest('Upgrade request required');
    } catch (e) {
      writeStatusResponse(res, e);
    }
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    liveSockets.add(socket);
    socket.once('close', () => liveSockets.delete(socket));
    try {
      const url = parseRequestTarget(req.url, 'https://kubelet');
      if (!url) throw badRequest(`invalid request target ${JSON.stringify(req.url)}`);
      authenticate(req);
      const route = parseRoute(url.pathname);
      if (!route || route.kind === 'healthz' || route.kind === 'logs' || route.kind === 'metrics') throw pathNotFound();
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      const isWebSocket = upgrade === 'websocket';
      if (!isWebSocket && upgrade !== 'spdy/3.1') throw badRequest(`unsupported upgrade protocol "${req.headers.upgrade}"`);

      if (route.kind === 'portforward') {
        const c = await resolve(route.namespace, route.pod, undefined);
        const dial = (port: number): Promise<Duplex> => o.runtime.portForward(c.sandboxId, port) as Promise<Duplex>;
        const onStream = portForwardStreamHandler(dial, `${route.namespace}/${route.pod} (sandbox ${c.sandboxId.slice(0, 12)})`);
        if (isWebSocket) {
          const offered = headerList(req.headers['sec-websocket-protocol']);
          // The channel protocol of the official JavaScript and Python clients.
          const channelProto = offered.includes(PORT_FORWARD_WS_PROTOCOL) ? undefined : PORT_FORWARD_CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
          if (channelProto) {
            const ports = portForwardPorts(url.searchParams);
            acceptProtocol(req, channelProto);
            o.onSession?.({ kind: 'portforward', transport: 'websocket', protocol: channelProto, namespace: route.namespace, pod: route.pod });
            wss.handleUpgrade(req, socket, head, (ws: WebSocket) => serveWebSocketPortForward(ws, ports, dial, `${route.namespace}/${route.pod}`));
            return;
          }
          if (!offered.includes(PORT_FORWARD_WS_PROTOCOL)) throw badRequest(`unable to upgrade: unsupported websocket protocols ${JSON.stringify(offered)}; supported: ${JSON.stringify([PORT_FORWARD_WS_PROTOCOL, ...PORT_FORWARD_CHANNEL_PROTOCOLS])}`);
          acceptProtocol(req, PORT_FORWARD_WS_PROTOCOL);
          o.onSession?.({ kind: 'portforward', transport: 'websocket', protocol: PORT_FORWARD_WS_PROTOCOL, namespace: route.namespace, pod: route.pod });
          wss.handleUpgrade(req, socket, head, (ws: WebSocket) => attachWebSocket(ws, { isServer: true, onStream }));
          return;
        }
        const offered = headerList(req.headers['x-stream-protocol-version']);
        if (!offered.includes(PORT_FORWARD_PROTOCOL)) throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`);
        socket.write(switchingToSpdy(PORT_FORWARD_PROTOCOL));
        o.onSession?.({ kind: 'portforward', transport: 'spdy', protocol: PORT_FORWARD_PROTOCOL, namespace: route.namespace, pod: route.pod });
        attachSocket(socket, { isServer: true, onStream }, head);
        return;
      }

      const kind: RemoteCommandKind = route.kind;
      const opts = parseRemoteCommandOptions(kind, url.searchParams);
      const c = await resolve(route.namespace, route.pod, route.container);
      const start = (): ReturnType<typeof startSession> => startSession(o.runtime, c, opts);
      if (isWebSocket) {
        const offered = headerList(req.headers['sec-websocket-protocol']);
        const proto = WS_CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
        if (!proto) throw badRequest(`unable to upgrade: unsupported websocket protocols ${JSON.stringify(offered)}; supported: ${JSON.stringify(WS_CHANNEL_PROTOCOLS)}`);
        acceptProtocol(req, proto);
        o.onSession?.({ kind, transport: 'websocket', protocol: proto, namespace: route.namespace, pod: route.pod });
        wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          ws.on('error', () => ws.terminate());
          const io = websocketIO(ws, opts);
          start().then(
            (sess) => serveSession(sess, io, opts),
            async (e: unknown) => {
              await io.writeStatus(toStatus(e));
              io.close();
            },
          );
        });
        return;
      }
      const offered = headerList(req.headers['x-stream-protocol-version']);
      const proto = offered.find((p) => (SPDY_CHANNEL_PROTOCOLS as readonly string[]).includes(p));
      if (!proto) throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(SPDY_CHANNEL_PROTOCOLS)}`);
      socket.write(switchingToSpdy(proto));
      o.onSession?.({ kind, transport: 'spdy', protocol: proto, namespace: route.namespace, pod: route.pod });
      serveSpdyCommand(socket, head, opts, start, streamTimeout);
    } catch (e) {
      writeStatusToSocket(socket, e);
    }
  };

  const server = createServer(
    { cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
    (req, res) => void onRequest(req, res),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head));
  server.requestTimeout = 0;
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bindAddress, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: async () => {
      for (const s of liveSockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function switchingToSpdy(protocol: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`;
}

