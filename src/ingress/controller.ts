// The ingress controller: watches Ingresses, IngressClasses, Services and EndpointSlices, and
// the Secrets that served Ingresses name in spec.tls (one watch per Secret, by name: it reads
// no other Secret); on any change rebuilds the RouteTable (coalesced, one rebuild per tick) and
// swaps it into the proxy; serves http and https (SNI) listeners; writes status.loadBalancer.
//
//   informers ──change──▶ schedule() ──setImmediate──▶ buildRoutes() ──▶ proxy.table = t
//   secret watches ─┘                         │                      └─▶ updateStatuses()
//        ▲                                    │
//        └── started/stopped to match tlsSecretRefs(ingresses)
import tls from 'node:tls';
import type { AddressInfo, Server } from 'node:net';
import type { EndpointSlice, Ingress, IngressClass, KObject, Service } from '../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../api/status.js';
import { isSpecialIP } from '../api/special-ip.js';
import { type ApiClient, type InformerFactory, type Disposable, type SharedInformer, R } from '../client/index.js';
import { ClientSharedInformer } from '../client/informers/index.js';
import { createCA } from '../pki/index.js';
import { buildRoutes, certFor, tlsSecretRefs, type RouteTable } from './routes.js';
import { IngressProxy } from './proxy.js';
import { logger } from '../util/log.js';

const defaultLog = logger('ingress');

export const INGRESS_CONTROLLER_NAME = 'k8ts.io/ingress';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface IngressControllerOptions {
  client: ApiClient;
  informers: InformerFactory;
  /** 80 in production; 0 picks a free port (tests). */
  httpPort: number;
  httpsPort: number;
  bindAddress: string;
  /** Written to status.loadBalancer.ingress[].ip of served Ingresses. */
  nodeAddresses: string[];
  className?: string;
  signal: AbortSignal;
  /** Reports rebuild and status errors; default: the `ingress` logger (src/util/log.ts). */
  log?: (msg: string) => void;
}

export interface RunningIngressController {
  /** Resolves once listening, the IngressClass exists and informers synced (first table built). */
  ready: Promise<void>;
  /** Bound ports (after ready). */
  readonly httpPort: number;
  readonly httpsPort: number;
  /** The current routing table. */
  table(): RouteTable;
  /** The Secrets being watched (`namespace/name`, sorted). */
  watchedSecrets(): string[];
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function ensureIngressClass(client: ApiClient, className: string): Promise<void> {
  const desired: KObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: className, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: INGRESS_CONTROLLER_NAME },
  };
  try {
    await client.create(R.ingressclasses, undefined, desired);
    return;
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const cur = await client.get(R.ingressclasses, undefined, className);
  if (cur.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] !== 'true') {
    await client.patch(R.ingressclasses, undefined, className, 'merge', { metadata: { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } });
  }
}

function sameAddresses(cur: unknown, want: readonly { ip: string }[]): boolean {
  if (!Array.isArray(cur) || cur.length !== want.length) return false;
  return cur.every((c, i) => typeof c === 'object' && c !== null && (c as { ip?: unknown }).ip === want[i].ip && Object.keys(c).length === 1);
}

export function startIngressController(opts: IngressControllerOptions): RunningIngressController {
  const className = opts.className ?? 'k8ts';
  const log = opts.log ?? ((m: string) => defaultLog.warn(m));
  const proxy = new IngressProxy();
  const ingInf = opts.informers.informerFor<Ingress>(R.ingresses);
  const classInf = opts.informers.informerFor<IngressClass>(R.ingressclasses);
  const svcInf = opts.informers.informerFor<Service>(R.services);
  const sliceInf = opts.informers.informerFor<EndpointSlice>(R.endpointslices);
  const informers = [ingInf, classInf, svcInf, sliceInf];

  let synced = false;
  let closed = false;
  let scheduled = false;
  const statusInFlight = new Set<string>();
  const lbIngress = opts.nodeAddresses.map((ip) => ({ ip }));
  // Defence in depth behind API validation (which refuses such endpoint addresses): never
  // forward to loopback, link-local or unspecified addresses, which would expose the node's own
  // 127.0.0.1 services or a metadata service. A node whose own address is loopback (a
  // single-host cluster with --node-ip 127.0.0.1) keeps that one address: its host-network
  // pods live there.
  const ownAddresses = new Set(opts.nodeAddresses);
  const refuseAddress = (ip: string): boolean => isSpecialIP(ip) && !ownAddresses.has(ip);

  // Secrets: one list+watch per referenced Secret (namespace + fieldSelector metadata.name), so
  // the controller neither caches nor is sent any other Secret. An update (certificate
  // rotation) comes through the watch like any change and rebuilds the table.
  const secretWatches = new Map<string, { informer: SharedInformer; stop: AbortController; handler: Disposable }>();
  const syncSecretWatches = (wanted: readonly string[]): void => {
    const keep = new Set(wanted);
    for (const [key, w] of secretWatches) {
      if (keep.has(key)) continue;
      w.handler.dispose();
      w.stop.abort();
      secretWatches.delete(key);
    }
    for (const key of keep) {
      if (secretWatches.has(key) || closed) continue;
      const slash = key.indexOf('/');
      const informer = new ClientSharedInformer(opts.client, R.secrets, { namespace: key.slice(0, slash), fieldSelector: `metadata.name=${key.slice(slash + 1)}` });
      const handler = informer.addEventHandler(onChange);
      const stop = new AbortController();
      informer.run(stop.signal);
      secretWatches.set(key, { informer, stop, handler });
    }
  };
  const isDefaultClass = (): boolean => {
    const cls = classInf.lister.get(undefined, className);
    // Our class serves class-less Ingresses while it is marked default (or not yet created).
    return !cls || cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
  };

  const rebuild = (): void => {
    scheduled = false;
    if (!synced || closed || opts.signal.aborted) return;
    const isDefault = isDefaultClass();
    try {
      const ingresses = ingInf.lister.list();
      syncSecretWatches(tlsSecretRefs(ingresses, { className, isDefaultClass: isDefault }));
      const secrets = [...secretWatches.values()].flatMap((w) => w.informer.lister.list());
      proxy.table = buildRoutes(ingresses, svcInf.lister.list(), sliceInf.lister.list(), secrets, { className, isDefaultClass: isDefault, refuseAddress });
    } catch (e) {
      log(`rebuilding routes: ${(e as Error).message}`);
      return;
    }
    updateStatuses(proxy.table);
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(rebuild);
  };

  const updateStatuses = (t: RouteTable): void => {
    for (const key of t.served) {
      const [ns, name] = key.split('/');
      const ing = ingInf.lister.get(ns, name);
      const cur = ing?.status?.loadBalancer?.ingress;
      if (!ing || sameAddresses(cur, lbIngress) || statusInFlight.has(key)) continue;
      statusInFlight.add(key);
      opts.client
        .patch(R.ingresses, ns, name, 'merge', { status: { loadBalancer: { ingress: lbIngress } } }, { subresource: 'status' })
        .catch((e: unknown) => {
          if (!isNotFound(e) && !opts.signal.aborted) {
            log(`updating status of ${key}: ${(e as Error).message}`);
            setTimeout(schedule, 1000).unref();
          }
        })
        .finally(() => statusInFlight.delete(key));
    }
  };

  const onChange = {
    onAdd: schedule,
    onUpdate: (o: Readonly<KObject>, n: Readonly<KObject>) => {
      if (o !== n && o.metadata.resourceVersion !== n.metadata.resourceVersion) schedule();
    },
    onDelete: schedule,
  };
  const handlers = informers.map((inf) => inf.addEventHandler(onChange));

  // TLS: contexts are cached by secret id@resourceVersion; unknown names get a self-signed one.
  const contexts = new Map<string, tls.SecureContext>();
  let fallback: tls.SecureContext | undefined;
  const sni = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const c = certFor(proxy.table, servername);
    if (!c) return cb(null, fallback);
    let ctx = contexts.get(c.id);
    if (!ctx) {
      try {
        ctx = tls.createSecureContext({ cert: c.cert, key: c.key });
      } catch (e) {
        log(`bad certificate ${c.id}: ${(e as Error).message}`);
        return cb(null, fallback);
      }
      if (contexts.size > 1000) contexts.clear();
      contexts.set(c.id, ctx);
    }
    cb(null, ctx);
  };

  const httpServer = proxy.createServer();
  let httpsServer: tls.Server | undefined;

  let httpPort = 0;
  let httpsPort = 0;

  const ready = (async () => {
    const fb = await createCA('k8ts ingress default certificate');
    fallback = tls.createSecureContext({ cert: fb.cert, key: fb.key });
    httpsServer = proxy.createSecureServer({ cert: fb.cert, key: fb.key, SNICallback: sni });
    httpPort = await listen(httpServer, opts.httpPort, opts.bindAddress);
    httpsPort = await listen(httpsServer, opts.httpsPort, opts.bindAddress);
    await ensureIngressClass(opts.client, className);
    await Promise.all(informers.map((i) => i.whenSynced()));
    // The first table already has the certificates: wait for the Secrets it names.
    syncSecretWatches(tlsSecretRefs(ingInf.lister.list(), { className, isDefaultClass: isDefaultClass() }));
    await Promise.all([...secretWatches.values()].map((w) => w.informer.whenSynced()));
    synced = true;
    rebuild();
  })();

  const close = async (): Promise<void> => {
    closed = true;
    for (const h of handlers) h.dispose();
    syncSecretWatches([]);
    const done = (s: Server | undefined) =>
      new Promise<void>((r) => {
        if (!s?.listening) return r();
        s.close(() => r());
      });
    const stopped = Promise.all([done(httpServer), done(httpsServer)]);
    proxy.close(); // every open connection, so that the listeners' close callbacks come
    await stopped;
  };
  opts.signal.addEventListener('abort', () => void close(), { once: true });

  return {
    ready,
    get httpPort() {
      return httpPort;
    },
    get httpsPort() {
      return httpsPort;
    },
    table: () => proxy.table,
    watchedSecrets: () => [...secretWatches.keys()].sort(),
    close,
  };
}
