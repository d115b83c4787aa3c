// The HTTPS listener around ApiServerCore, and everything it needs at startup: the PKI in
// the data dir, the authenticators, the admin kubeconfig.
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { EtcdStore, type Store } from '../storage/index.js';
import { ensurePki, type ClusterPki } from '../pki/index.js';
import { ClientCertAuthenticator, ServiceAccountTokenAuthenticator, StaticTokenAuthenticator, UnionAuthenticator } from './auth/authenticators.js';
import { defaultAuthorizer } from './auth/authorizers.js';
import { RbacAuthorizer } from './auth/rbac/rbac-authorizer.js';
import { storePolicySource } from './auth/rbac/policy-source.js';
import { NodeAuthorizer } from './auth/node-authorizer.js';
import { NodeGraph } from './auth/node-graph.js';
import { feedNodeGraph } from './auth/node-graph-feed.js';
import type { PersistentVolume } from '../api/types/index.js';
import { ServiceAccountTokens } from './auth/sa-tokens.js';
import type { Authorizer } from './auth/user.js';
import { ApiServerCore } from './core.js';
import type { AdmissionOptions } from './admission/index.js';
import type { EncryptionConfig } from './encryption/index.js';
import { startEndpointReconciler, type EndpointReconciler } from './endpoint-reconciler.js';
import type { HistoryOptions } from './history/recorder.js';
import { reconcileKubernetesEndpoints } from './bootstrap.js';
import { systemContext } from './context.js';
import { cidrRange } from './registry/allocator.js';
import { createJoinHandler, createServerJoinHandler, ensureJoinToken, type JoinOptions, type ServerJoinOptions } from './join.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from './limits/limits.js';
import { guardConnections } from './limits/connection-guard.js';
import type { AuditOptions } from './audit/options.js';
import type { DashboardHandler } from '../dashboard/index.js';

export interface ApiServerOptions {
  store: Store;
  dataDir: string;
  port: number;
  bindAddress: string;
  serviceCIDR: string;
  nodePortRange: { from: number; to: number };
  /** Extra names/IPs for the serving certificate. */
  tlsSANs?: string[];
  authorizer?: Authorizer;
  /** Static bearer tokens (e.g. node join tokens). */
  staticTokens?: StaticTokenAuthenticator;
  watchCacheSize?: number;
  /** Longest lifetime a TokenRequest gets, in seconds (--service-account-max-token-expiration); longer requests are cut to it. */
  maxTokenExpirationSeconds?: number;
  /**
   * Unix socket for components inside this process (controllers, scheduler, local agent):
   * plain HTTP, no TLS; every connection is the trusted loopback identity, so the socket
   * is created mode 0600.
   */
  loopbackSocket?: string;
  /** Address pods reach this server at, published as the `kubernetes` Service's endpoint. */
  advertiseAddress?: string;
  /** Answers agents' join requests (GET /cacerts, POST /k8ts/v1/join) with these settings. */
  join?: Omit<JoinOptions, 'pki' | 'token' | 'core' | 'reserved'>;
  /**
   * The text GET /metrics serves (Prometheus text format 0.0.4). Default: this event loop's
   * registry (src/util/metrics.ts); the supervisor passes one that adds the other loops'.
   */
  metrics?: () => Promise<string>;
  /** Admission settings (PodSecurity default and exemptions); upstream's defaults when unset. */
  admission?: AdmissionOptions;
  /** Encryption at rest (--encryption-provider-config, src/apiserver/encryption/); none: stored as is. */
  encryption?: EncryptionConfig;
  /** Answers servers joining the embedded etcd (POST /k8ts/v1/etcd/join, join.ts); the CA comes from the PKI. */
  serverJoin?: Omit<ServerJoinOptions, 'caPem'>;
  /** Request, watch and connection limits (limits/limits.ts); upstream's defaults when unset. */
  limits?: Partial<ApiLimits>;
  /** The audit log (--audit-policy-file, --audit-log-*); off when unset. */
  audit?: AuditOptions;

  /** Object history settings (history/README.md); false turns it off. */
  history?: HistoryOptions | false;
}

export interface RunningApiServer {
  core: ApiServerCore;
  server: Server;
  pki: ClusterPki;
  /** URL clients should use, e.g. https://127.0.0.1:6443 */
  url: string;
  port: number;
  /** The join token agents present, when join is enabled (also in <data-dir>/node-token). */
  joinToken?: string;
  loopback?: HttpServer;
  close(): Promise<void>;
}

function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  return out;
}

export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const firstServiceIP = cidrRange('serviceips', o.serviceCIDR).at(0);
  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ips = new Set(['127.0.0.1', firstServiceIP, ...hostAddresses()]);
  if (o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::') ips.add(o.bindAddress);
  for (const s of o.tlsSANs ?? []) (/^\d+\.\d+\.\d+\.\d+$/.test(s) ? ips : (dnsNames.push(s), new Set<string>())).add(s);
  const pki = await ensurePki(o.dataDir, { dnsNames, ips: [...ips] });
  const tokens = new ServiceAccountTokens(pki.serviceAccountKey);
  const staticTokens = o.staticTokens ?? new StaticTokenAuthenticator();
  const saLookup = {
    serviceAccountUid: (ns: string, name: string): string | undefined => {
      const sa = core.store('', 'serviceaccounts').tryGet(ns, name)?.obj;
      return sa ? (sa.metadata.uid ?? '') : undefined;
    },
    pod: (ns: string, name: string): { uid: string; deletionTimestamp?: string } | undefined => {
      const p = core.store('', 'pods').tryGet(ns, name)?.obj;
      return p ? { uid: p.metadata.uid ?? '', deletionTimestamp: p.metadata.deletionTimestamp } : undefined;
    },
  };
  const authenticator = new UnionAuthenticator([new ClientCertAuthenticator(), staticTokens, new ServiceAccountTokenAuthenticator(tokens, { lookup: saLookup })]);
  const host = o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? '127.0.0.1' : o.bindAddress;
  const rbac = new RbacAuthorizer();
  // Authorizer chain: system:masters, then the Node authorizer (kubelets), then RBAC.
  const nodeGraph = new NodeGraph();
  const pvClaim = (name: string): { namespace: string; name: string } | undefined => {
    const ref = (core.store('', 'persistentvolumes').tryGet(undefined, name)?.obj as Readonly<PersistentVolume> | undefined)?.spec?.claimRef;
    return ref?.namespace && ref.name ? { namespace: ref.namespace, name: ref.name } : undefined;
  };
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...o.limits };
  // The audit log's policy, events and writer load only when it is configured.
  const audit = o.audit ? await (await import('./audit/index.js')).openAuditLog(o.audit) : undefined;
  const core = new ApiServerCore({
    store: o.store,
    serviceCIDR: o.serviceCIDR,
    nodePortRange: o.nodePortRange,
    authenticator,
    authorizer: o.authorizer ?? defaultAuthorizer(rbac, new NodeAuthorizer(nodeGraph, pvClaim)),
    tokens,
    serverAddress: `${host}:${o.port}`,
    watchCacheSize: o.watchCacheSize,
    maxTokenExpirationSeconds: o.maxTokenExpirationSeconds,
    metrics: o.metrics,
    admission: o.admission,
    encryption: o.encryption,
    limits,
    audit,

    history: o.history,
  });
  rbac.attach(storePolicySource((group, plural) => core.store(group, plural)));
  await core.start();
  const stopNodeGraph = feedNodeGraph(nodeGraph, core.store('', 'pods').cache);
  const joinToken = o.join ? ensureJoinToken(o.dataDir, pki.ca.cert) : undefined;
  const joinHandler = o.join ? createJoinHandler({ ...o.join, pki, token: joinToken!, core, reserved: { dnsNames, ips: [...ips] } }) : undefined;
  const serverJoinHandler = o.serverJoin ? createServerJoinHandler({ ...o.serverJoin, caPem: pki.ca.cert }) : undefined;
  // The web dashboard (src/dashboard/), outside the API's paths; loaded on its first request.
  let dashboard: Promise<DashboardHandler> | undefined;
  const serveDashboard = (req: IncomingMessage, res: ServerResponse): boolean => {
    const u = req.url ?? '';
    if (u !== '/dashboard' && !u.startsWith('/dashboard/') && !u.startsWith('/dashboard?')) return false;
    dashboard ??= import('../dashboard/index.js').then((m) => m.createDashboard({ apiUrl: `https://${host}:${port}`, caPem: pki.ca.cert }));
    dashboard.then((h) => h(req, res), () => res.writeHead(500).end('the dashboard could not be loaded\n'));
    return true;
  };
  const server = createServer(
    {
      key: pki.serving.key,
      cert: pki.serving.cert,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      keepAlive: true,
      // Slow-loris: headers within headersTimeoutMs, the whole request (body) within
      // bodyTimeoutMs, else 408 and the connection closes; checked every second. A response
      // that streams (watch, logs) is not bounded by these: Node times only the request.
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.bodyTimeoutMs, limits.headersTimeoutMs),
      connectionsCheckingInterval: 1000,
      handshakeTimeout: limits.headersTimeoutMs,
    },
    (req, res) => {
      if (joinHandler?.(req, res)) return;
      if (serverJoinHandler?.(req, res)) return;
      if (serveDashboard(req, res)) return;
      void core.handle(req, res);
    },
  );
  server.keepAliveTimeout = 65_000;
  guardConnections(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let loopback: HttpServer | undefined;
  if (o.loopbackSocket) {
    rmSync(o.loopbackSocket, { force: true });
    loopback = createHttpServer({ keepAlive: true }, (req, res) => {
      core.markLoopback(req.socket);
      void core.handle(req, res);
    });
    loopback.requestTimeout = 0;
    loopback.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      loopback!.once('error', reject);
      loopback!.listen(o.loopbackSocket, () => resolve());
    });
    chmodSync(o.loopbackSocket, 0o600);
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  // The `kubernetes` Service lists every live API server: several may share an etcd, so there a
  // record per server is renewed every 10 s; SQLite and memory have one server, set once.
  let endpointReconciler: EndpointReconciler | undefined;
  if (o.advertiseAddress && o.store instanceof EtcdStore) endpointReconciler = await startEndpointReconciler(core, o.store, o.advertiseAddress, port);
  else if (o.advertiseAddress) await reconcileKubernetesEndpoints(core, systemContext(), o.advertiseAddress, port);
  return {
    core,
    server,
    pki,
    url: `https://${host}:${port}`,
    port,
    joinToken,
    loopback,
    close: async () => {
      await endpointReconciler?.stop();
      stopNodeGraph();
      await core.history?.stop();
      core.stop();
      await audit?.close();
      server.closeAllConnections();
      loopback?.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), loopback ? new Promise<void>((resolve) => loopback!.close(() => resolve())) : undefined]);
      if (o.loopbackSocket) rmSync(o.loopbackSocket, { force: true });
    },
  };
}

export function adminKubeconfig(url: string, pki: ClusterPki, contextName = 'k8ts'): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(pki.ca.cert)}`,
    `    server: ${url}`,
    `  name: ${contextName}`,
    'contexts:',
    '- context:',
    `    cluster: ${contextName}`,
    `    user: ${contextName}-admin`,
    `  name: ${contextName}`,
    `current-context: ${contextName}`,
    'preferences: {}',
    'users:',
    `- name: ${contextName}-admin`,
    '  user:',
    `    client-certificate-data: ${b64(pki.admin.cert)}`,
    `    client-key-data: ${b64(pki.admin.key)}`,
    '',
  ].join('\n');
}
