// The API server's side of pods/log, pods/exec, pods/attach and pods/portforward: find the
// pod's node, and forward the request to that node's kubelet over TLS with the API server's
// kubelet-client certificate.
//
//   kubectl ──▶ API server (authn, authz, pod lookup) ──TLS, client cert──▶ kubelet :10250
//     GET  …/pods/P/log?…          ─▶ GET /containerLogs/NS/P/C?…      response streamed back
//     GET  …/pods/P/exec?…  (WS)   ─▶ GET /exec/NS/P/C?…   ┐
//     POST …/pods/P/exec?…  (SPDY) ─▶ POST /exec/…         ├ request forwarded as is; the
//     …/attach, …/portforward      ─▶ /attach/…, /portForward/NS/P ┘ sockets are then spliced
//
// Upgrades are spliced byte for byte (the kubelet's 101 — or its error — goes straight to
// the client), so the proxy needs no knowledge of WebSocket or SPDY.
import { request as httpsRequest, Agent } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { KObject, Node, NodeStatus, Pod, PodSpec } from '../../api/types/index.js';
import { StatusError, badRequest, internalError, serviceUnavailable, type Status } from '../../api/status.js';
import type { ApiServerCore, KubeletProxy } from '../core.js';
import type { ResourceRequest } from '../handlers/shared.js';
import { isUpgradeRequest, takeUpgradeSocket } from './upgrade-routing.js';
import { queryBool } from '../query.js';

export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletProxyOptions {
  core: Pick<ApiServerCore, 'store'>;
  /** The API server's kubelet-client certificate and key (PEM). */
  clientCert: string;
  clientKey: string;
  /** CA that signs kubelet serving certificates. */
  caCert: string;
  /** Port when the Node does not publish `status.daemonEndpoints.kubeletEndpoint.Port`. */
  kubeletPort?: number;
  dialTimeoutMs?: number;
}

interface NodeTarget {
  host: string;
  port: number;
}

const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS', 'Hostname'];

/** The kubelet address of a Node object. */
export function kubeletTarget(node: Readonly<Node>, defaultPort = DEFAULT_KUBELET_PORT): NodeTarget | undefined {
  const status: NodeStatus = node.status ?? {};
  const addrs = status.addresses ?? [];
  let host: string | undefined;
  for (const t of ADDRESS_PREFERENCE) {
    host = addrs.find((a) => a.type === t && a.address)?.address;
    if (host) break;
  }
  if (!host) return undefined;
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host, port: typeof port === 'number' && port > 0 ? port : defaultPort };
}

/** Upstream's container defaulting and validation for log/exec/attach. */
export function containerFor(pod: Readonly<Pod>, requested: string | null): string {
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const names = (l?: ReadonlyArray<{ name: string }>): string[] => (l ?? []).map((c) => c.name);
  const containers = names(spec.containers);
  const init = names(spec.initContainers);
  const eph = names(spec.ephemeralContainers);
  const podName = pod.metadata.name ?? '';
  if (!requested) {
    if (containers.length === 1) return containers[0];
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    if (eph.length) msg += ` or one of the ephemeral containers: [${eph.join(' ')}]`;
    throw badRequest(msg);
  }
  if (![...containers, ...init, ...eph].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

/** The kubelet path (with query) for a streaming subresource; undefined if not proxied. */
export function kubeletPath(subresource: string, pod: Readonly<KObject>, url: URL): string | undefined {
  const ns = encodeURIComponent(pod.metadata.namespace ?? 'default');
  const name = encodeURIComponent(pod.metadata.name ?? '');
  const q = new URLSearchParams(url.searchParams);
  const withQuery = (p: string): string => {
    const s = q.toString();
    return s ? `${p}?${s}` : p;
  };
  switch (subresource) {
    case 'log':
    case 'exec':
    case 'attach': {
      const container = encodeURIComponent(containerFor(pod, q.get('container')));
      q.delete('container');
      q.delete('insecureSkipTLSVerifyBackend');
      const prefix = subresource === 'log' ? 'containerLogs' : subresource;
      return withQuery(`/${prefix}/${ns}/${name}/${container}`);
    }
    case 'portforward': {
      // PodPortForwardOptions' `ports` reach the kubelet as `port` (upstream PortForwardLocation).
      for (const v of q.getAll('ports')) q.append('port', v);
      q.delete('ports');
      return withQuery(`/portForward/${ns}/${name}`);
    }
    default:
      return undefined;
  }
}

/**
 * The kubelet path of a nodes/NAME/proxy/PATH request (upstream's node proxy, what kubectl
 * get --raw and metrics-server use for /metrics/resource and /stats): PATH with the query,
 * minus insecureSkipTLSVerifyBackend.
 */
export function nodeProxyPath(rest: readonly string[], url: URL): string {
  const q = new URLSearchParams(url.searchParams);
  q.delete('insecureSkipTLSVerifyBackend');
  const s = q.toString();
  const p = `/${rest.map((x) => encodeURIComponent(x)).join('/')}`;
  return s ? `${p}?${s}` : p;
}

/** Request headers the kubelet must not see (the client's credentials, hop-by-hop). */
const DROP_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'cookie', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer']);
const dropHeader = (name: string): boolean => DROP_HEADERS.has(name) || name.startsWith('impersonate-') || name.startsWith('x-remote-');

function forwardedHeaderLines(req: IncomingMessage): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (dropHeader(name.toLowerCase())) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  return lines;
}

function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !dropHeader(k) && k !== 'connection' && k !== 'upgrade') out[k] = v;
  return out;
}

/** Upstream's GenericHttpResponseChecker: a kubelet error body becomes a Status. */
export function statusFromKubelet(code: number, body: Buffer, contentType: string | undefined): StatusError {
  if ((contentType ?? '').includes('json')) {
    try {
      const s = JSON.parse(body.toString('utf8')) as Partial<Status>;
      if (s.kind === 'Status') return new StatusError({ code: s.code ?? code, reason: s.reason, message: s.message, details: s.details });
    } catch {
      // not JSON after all: fall through to the text forms
    }
  }
  const text = body.toString('utf8').trim();
  if (code === 400) return badRequest(text);
  if (code === 500) return internalError(new Error(text));
  return new StatusError({ code, reason: code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : code === 401 ? 'Unauthorized' : code === 503 ? 'ServiceUnavailable' : '', message: text || `the server responded with the status code ${code}` });
}

export function createKubeletProxy(o: KubeletProxyOptions): KubeletProxy {
  const dialTimeout = o.dialTimeoutMs ?? 10_000;
  const tlsOpts = { cert: o.clientCert, key: o.clientKey, ca: o.caCert };
  const agent = new Agent({ ...tlsOpts, keepAlive: true, maxFreeSockets: 16 });
  const servername = (host: string): string | undefined => (isIP(host) ? undefined : host);

  const dialError = (target: NodeTarget, path: string, e: Error): StatusError =>
    serviceUnavailable(`error dialing backend: ${e.message} (https://${target.host}:${target.port}${path.split('?')[0]})`);

  const proxyUpgrade = (r: ResourceRequest, target: NodeTarget, path: string): Promise<boolean> => {
    return new Promise<boolean>((resolve, reject) => {
      const kubelet: TLSSocket = tlsConnect({ host: target.host, port: target.port, servername: servername(target.host), ALPNProtocols: ['http/1.1'], ...tlsOpts });
      const timer = setTimeout(() => kubelet.destroy(new Error(`dial timeout after ${dialTimeout} ms`)), dialTimeout);
      const onDialError = (e: Error): void => {
        clearTimeout(timer);
        reject(dialError(target, path, e));
      };
      kubelet.once('error', onDialError);
      kubelet.once('secureConnect', () => {
        clearTimeout(timer);
        kubelet.off('error', onDialError);
        const taken = takeUpgradeSocket(r.req);
        if (!taken) {
          kubelet.destroy();
          reject(badRequest('upgrade requests must reach the API server through its upgrade route (installUpgradeRouting)'));
          return;
        }
        const { socket: client, head } = taken;
        const hostHeader = isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
        const headLines = [`${r.req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostHeader}`, ...forwardedHeaderLines(r.req)];
        kubelet.write(headLines.join('\r\n') + '\r\n\r\n');
        if (head.length) kubelet.write(head);
        const closeBoth = (): void => {
          client.destroy();
          kubelet.destroy();
        };
        kubelet.on('error', closeBoth);
        client.on('error', closeBoth);
        kubelet.on('close', () => client.end());
        client.on('close', () => kubelet.destroy());
        copyRecords(kubelet, client);
        client.pipe(kubelet);
        client.resume();
        resolve(true);
      });
    });
  };

  const proxyRequest = (r: ResourceRequest, target: NodeTarget, path: string): Promise<boolean> => {
    const insecure = queryBool(r.url.searchParams, 'insecureSkipTLSVerifyBackend') === true;
    return new Promise<boolean>((resolve, reject) => {
      let responded = false;
      const up = httpsRequest({
        host: target.host,
        port: target.port,
        method: r.req.method,
        path,
        headers: forwardedHeaders(r.req),
        servername: servername(target.host),
        agent: insecure ? undefined : agent,
        ...tlsOpts,
        rejectUnauthorized: !insecure,
      });
      const timer = setTimeout(() => {
        if (!responded) up.destroy(new Error(`no response after ${dialTimeout} ms`));
      }, dialTimeout);
      r.res.on('close', () => {
        if (!r.res.writableFinished) up.destroy();
      });
      up.on('error', (e: Error) => {
        clearTimeout(timer);
        if (!responded) reject(dialError(target, path, e));
        else r.res.destroy();
      });
      up.on('response', (kres: IncomingMessage) => {
        responded = true;
        clearTimeout(timer);
        const code = kres.statusCode ?? 500;
        if (code < 200 || code > 206) {
          const chunks: Buffer[] = [];
          let size = 0;
          kres.on('data', (c: Buffer) => {
            if (size < 64 * 1024) chunks.push(c);
            size += c.length;
          });
          kres.on('end', () => reject(statusFromKubelet(code, Buffer.concat(chunks), kres.headers['content-type'])));
          kres.on('error', (e: Error) => reject(internalError(e)));
          return;
        }
        const headers: OutgoingHttpHeaders = { 'Cache-Control': 'no-cache, private' };
        for (const h of ['content-type', 'content-length', 'content-encoding']) if (kres.headers[h] !== undefined) headers[h] = kres.headers[h];
        r.res.writeHead(code, headers);
        r.res.flushHeaders();
        kres.pipe(r.res);
        kres.on('end', () => resolve(true));
        kres.on('error', () => {
          r.res.destroy();
          resolve(true);
        });
        r.res.on('close', () => {
          kres.destroy();
          resolve(true);
        });
      });
      if (r.req.method === 'GET' || r.req.method === 'HEAD') up.end();
      else r.req.pipe(up);
    });
  };

  return async (r, pod, nodeName) => {
    const sub = r.info.subresource ?? '';
    // nodes/proxy: plain requests only (no upgrades: exec and port-forward go through pods/).
    const nodeProxy = r.def.kind === 'Node' && sub === 'proxy';
    if (nodeProxy && isUpgradeRequest(r.req)) throw badRequest('upgrade requests are not proxied to a node; use the pod\'s exec, attach or portforward');
    const path = nodeProxy ? nodeProxyPath(r.info.rest, r.url) : kubeletPath(sub, pod, r.url);
    if (!path) return false;
    const node = o.core.store('', 'nodes').tryGet(undefined, nodeName);
    if (!node) return false;
    const target = kubeletTarget(node.obj, o.kubeletPort);
    if (!target) throw serviceUnavailable(`node "${nodeName}" has no address for its kubelet`);
    return isUpgradeRequest(r.req) ? proxyUpgrade(r, target, path) : proxyRequest(r, target, path);
  };
}

/**
 * Copies a stream chunk by chunk, writing the next chunk only once the last one was flushed,
 * so each TLS record read from the kubelet leaves as a record of its own, as Go's io.Copy
 * does upstream. Node would otherwise merge queued chunks into one record, and clients that
 * poll the raw socket between WebSocket frames (the Python client's exec and port-forward)
 * never see frames that share a record with the one they read, such as the final close.
 */
function copyRecords(from: Duplex, to: Duplex): void {
  from.on('data', (chunk: Buffer) => {
    from.pause();
    to.write(chunk, () => from.resume());
  });
}
