// The API server's request pipeline, independent of the listening socket:
// authenticate → parse the path → authorize → dispatch to a handler. Tests and the
// HTTPS server both call `handle(req, res)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KObject, LooseObject, Namespace, PriorityClass } from '../api/types/index.js';
import { resources, lookupResource, storageDef, storagePrefix, type ResourceDef } from '../api/registry/index.js';
import { badRequest, forbidden, isStatusError, methodNotAllowed, notFound, pathNotFound, unauthorized, StatusError } from '../api/status.js';
import type { Store } from '../storage/index.js';
import type { Authenticator, Authorizer, UserInfo, RequestAttributes } from './auth/user.js';
import { ANONYMOUS } from './auth/authenticators.js';
import { impersonate, wantsImpersonation } from './auth/impersonation.js';
import { EscalationGuard } from './auth/rbac/escalation.js';
import { reconcileDefaultPolicy } from './auth/rbac/reconcile.js';
import { RBAC_GROUP } from './auth/rbac/policy-source.js';
import type { ServiceAccountTokens } from './auth/sa-tokens.js';
import { parseRequestPath, type RequestInfo, type ResourceRequestInfo } from './request-info.js';
import { writeJson, writeRaw, writeStatus } from './http-util.js';
import { parseAccept } from './negotiate.js';
import { parseRequestTarget } from '../util/request-target.js';
import type { RequestContext } from './context.js';
import { systemContext } from './context.js';
import { ResourceStore } from './registry/resource-store.js';
import { Strategy } from './registry/strategy.js';
import { PodStrategy } from './registry/strategies/pods.js';
import { ServiceStrategy } from './registry/strategies/services.js';
import { NamespaceStrategy } from './registry/strategies/namespaces.js';
import { PvcStrategy } from './registry/strategies/pvc.js';
import { NodeStrategy, PhasePendingStrategy, SecretStrategy, JobStrategy } from './registry/strategies/simple.js';
import { RbacStrategy } from './registry/strategies/rbac.js';
import { RangeAllocator, cidrRange, portRange } from './registry/allocator.js';
import { buildDiscovery, aggregatedVersionWanted, type DiscoveryDocs } from './handlers/discovery.js';
import { writeWarnings, type ResourceRequest } from './handlers/shared.js';
import { isWatchQuery, parseWriteQuery, type WriteOptionsKind, type WriteQuery } from './query.js';
import { handleGet, handleList, handleWatch } from './handlers/read.js';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './handlers/write.js';
import { handleBinding, handleEviction, handleNodeStream, handleScaleGet, handleScaleWrite, handleTokenRequest } from './handlers/subresources.js';
import { handleReview } from './handlers/reviews.js';
import { OpenApiDocs } from './handlers/openapi.js';
import { bootstrapObjects } from './bootstrap.js';
import { compileSelectors, podDisruptionBlocked } from './api-hooks.js';
import { beginRequest, endRequest, ensureMetrics, requestSeries, type RequestSeries } from './request-metrics.js';
import { instrumentStore, trackStorageObjects } from './storage-metrics.js';
import { registry } from '../util/metrics.js';
import { AdmissionChain, defaultAdmissionPlugins, type AdmissionOptions, type ObjectLookup } from './admission/index.js';
import { errorMessage, logger } from '../util/log.js';
import { admitNodeRestriction, type AdmissionOperation } from './admission/node-restriction.js';
import type { Pod } from '../api/types/index.js';

const log = logger('apiserver');

/** The Prometheus text exposition format, version 0.0.4. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const LOOPBACK_USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.3-k8ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-25T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface CoreOptions {
  store: Store;
  serviceCIDR: string;
  nodePortRange: { from: number; to: number };
  authenticator: Authenticator;
  authorizer: Authorizer;
  tokens: ServiceAccountTokens;
  /** host:port clients should use (legacy discovery's serverAddressByClientCIDRs). */
  serverAddress: string;
  /** Fixed number of events each resource's watch cache keeps (default: at least 75 s, up to 102400). */
  watchCacheSize?: number;
  /** Longest lifetime a TokenRequest gets, in seconds; undefined: only upstream's 2^32 s limit. */
  maxTokenExpirationSeconds?: number;
  /**
   * The text served on GET /metrics (Prometheus text format 0.0.4). Default: this event
   * loop's registry; the server's supervisor passes one that adds the other loops' metrics.
   */
  metrics?: () => Promise<string>;
  /** Admission plugin settings (PodSecurity defaults and exemptions). */
  admission?: AdmissionOptions;
}

/** Streams to a node's kubelet (log, exec, attach, portforward, proxy); installed by the agent wiring. */
export type KubeletProxy = (r: ResourceRequest, pod: Readonly<KObject>, nodeName: string) => Promise<boolean>;

export class ApiServerCore {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly discovery: DiscoveryDocs;
  private readonly openapi = new OpenApiDocs();
  readonly tokens: ServiceAccountTokens;
  readonly maxTokenExpirationSeconds?: number;
  kubeletProxy?: KubeletProxy;
  private ready = false;
  private untrackObjects?: () => void;

  constructor(private readonly opts: CoreOptions) {
    this.tokens = opts.tokens;
    this.maxTokenExpirationSeconds = opts.maxTokenExpirationSeconds;
    this.discovery = buildDiscovery(opts.serverAddress);
    // Every part of the API server uses the backend through one timed seam (etcd_request_duration_seconds).
    const store = instrumentStore(opts.store);
    ensureMetrics();
    const ipRange = cidrRange('serviceips', opts.serviceCIDR);
    const ips = new RangeAllocator(store, ipRange);
    const ports = new RangeAllocator(store, portRange('servicenodeports', opts.nodePortRange.from, opts.nodePortRange.to));
    const escalation = new EscalationGuard(
      () => this.opts.authorizer,
      (kind, ns, name) => {
        const c = kind === 'Role' ? this.store(RBAC_GROUP, 'roles').tryGet(ns, name) : this.store(RBAC_GROUP, 'clusterroles').tryGet(undefined, name);
        return c ? ((c.obj as { rules?: [] }).rules ?? []) : undefined;
      },
    );
    for (const r of resources) {
      if (r.virtual) continue;
      const sdef = storageDef(r);
      const prefix = storagePrefix(sdef);
      if (this.stores.has(prefix)) continue;
      let strategy: Strategy;
      switch (sdef.group === '' ? sdef.kind : `${sdef.group}/${sdef.kind}`) {
        case 'Pod':
          strategy = new PodStrategy(sdef, (name) => this.resolvePriority(name));
          break;
        case 'Service':
          strategy = new ServiceStrategy(sdef, ips, ports, opts.serviceCIDR, `${opts.nodePortRange.from}-${opts.nodePortRange.to}`);
          break;
        case 'Namespace':
          strategy = new NamespaceStrategy(sdef);
          break;
        case 'Node':
          strategy = new NodeStrategy(sdef);
          break;
        case 'batch/Job':
          strategy = new JobStrategy(sdef);
          break;
        case 'Secret':
          strategy = new SecretStrategy(sdef);
          break;
        case 'rbac.authorization.k8s.io/Role':
        case 'rbac.authorization.k8s.io/ClusterRole':
        case 'rbac.authorization.k8s.io/RoleBinding':
        case 'rbac.authorization.k8s.io/ClusterRoleBinding':
          strategy = new RbacStrategy(sdef, escalation);
          break;
        case 'PersistentVolume':
          strategy = new PhasePendingStrategy(sdef);
          break;
        case 'PersistentVolumeClaim':
          strategy = new PvcStrategy(sdef, () => this.store('storage.k8s.io', 'storageclasses').list({}).items.map((c) => c.obj));
          break;
        default:
          strategy = new Strategy(sdef);
      }
      this.stores.set(prefix, new ResourceStore(sdef, store, strategy, opts.watchCacheSize));
    }
    const lookup: ObjectLookup = {
      get: (group, plural, namespace, name) => this.store(group, plural).tryGet(namespace, name)?.obj,
      list: (group, plural, namespace) => this.store(group, plural).list({ namespace }).items.map((c) => c.obj),
    };
    this.admission = new AdmissionChain(defaultAdmissionPlugins(lookup, opts.admission));
    for (const rs of this.stores.values()) rs.admission = this.admission;
  }

  /** The admission plugins every write passes (src/apiserver/admission/). */
  readonly admission: AdmissionChain;

  async start(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.start()));
    await bootstrapObjects(this, systemContext(), cidrRange('serviceips', this.opts.serviceCIDR).at(0));
    await reconcileDefaultPolicy((group, plural) => this.store(group, plural), systemContext());
    this.untrackObjects = trackStorageObjects(() => this.objectCounts());
    this.ready = true;
  }

  stop(): void {
    this.untrackObjects?.();
    for (const s of this.stores.values()) s.stop();
  }

  /** Live objects per resource, from the watch caches (apiserver_storage_objects). */
  private *objectCounts(): Generator<readonly [string, number]> {
    for (const rs of this.stores.values()) yield [rs.def.group ? `${rs.def.plural}.${rs.def.group}` : rs.def.plural, rs.cache.size];
  }

  storeFor(def: ResourceDef): ResourceStore {
    const s = this.stores.get(storagePrefix(storageDef(def)));
    if (!s) throw pathNotFound();
    return s;
  }

  /** Store of a resource by group and plural (storage version). */
  store(group: string, plural: string): ResourceStore {
    const def = resources.find((r) => r.group === group && r.plural === plural && !r.virtual);
    if (!def) throw new Error(`no resource ${plural}.${group}`);
    return this.storeFor(def);
  }

  // ---- admission ----

  /**
   * Admission plugins that see the object of a write (NodeRestriction). Called with the object
   * as it will be stored (CREATE, UPDATE; the body for the token and eviction subresources)
   * and the stored one (UPDATE, DELETE); throws a StatusError to refuse.
   */
  admitWrite(r: ResourceRequest, operation: AdmissionOperation, object?: Readonly<KObject>, oldObject?: Readonly<KObject>): void {
    admitNodeRestriction(
      { user: r.ctx.user, operation, group: r.def.group, resource: r.def.plural, subresource: r.info.subresource, namespace: r.info.namespace ?? object?.metadata.namespace, name: r.info.name, object, oldObject },
      (ns, name) => this.store('', 'pods').tryGet(ns, name)?.obj as Readonly<Pod> | undefined,
    );
  }

  /** Namespace lifecycle: namespaced objects need an existing, non-terminating namespace. */
  async admitCreate(r: ResourceRequest, obj: KObject): Promise<void> {
    this.admitWrite(r, 'CREATE', obj);
    if (!r.def.namespaced) return;
    const ns = obj.metadata.namespace ?? r.info.namespace;
    if (!ns) return;
    const nsObj = this.store('', 'namespaces').tryGet(undefined, ns);
    if (!nsObj) throw notFound({ group: '', resource: 'namespaces' }, ns);
    const namespace: Readonly<Namespace> = nsObj.obj;
    if (namespace.metadata.deletionTimestamp || namespace.status?.phase === 'Terminating') {
      throw new StatusError({
        code: 403,
        reason: 'Forbidden',
        message: `${r.def.plural}${r.def.group ? '.' + r.def.group : ''} "${obj.metadata.name ?? obj.metadata.generateName ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        details: { name: obj.metadata.name, group: r.def.group || undefined, kind: r.def.plural, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] },
      });
    }
  }

  /**
   * Priority admission: a named PriorityClass must exist; without a name the global default
   * class (if any) applies.
   */
  resolvePriority(name: string | undefined): { value: number; preemptionPolicy?: string } | undefined {
    const classes = this.store('scheduling.k8s.io', 'priorityclasses');
    if (name) {
      const pc = classes.tryGet(undefined, name);
      if (!pc) throw forbidden(`pods "" is forbidden: no PriorityClass with name ${name} was found`, { group: '', resource: 'pods' });
      const p: Readonly<LooseObject<PriorityClass>> = pc.obj;
      return { value: p.value ?? 0, preemptionPolicy: p.preemptionPolicy };
    }
    for (const c of classes.list({}).items) {
      const o: Readonly<LooseObject<PriorityClass>> = c.obj;
      if (o.globalDefault) return { value: o.value ?? 0, preemptionPolicy: o.preemptionPolicy };
    }
    return undefined;
  }

  /** True when evicting the pod would take a matching PodDisruptionBudget below its allowance. */
  disruptionBlocked(pod: Readonly<KObject>): boolean {
    const pdbs = this.store('policy', 'poddisruptionbudgets').list({ namespace: pod.metadata.namespace }).items;
    return podDisruptionBlocked(pod, pdbs.map((c) => c.obj));
  }

  async proxyToKubelet(r: ResourceRequest, pod: Readonly<KObject>, nodeName: string): Promise<boolean> {
    return this.kubeletProxy ? this.kubeletProxy(r, pod, nodeName) : false;
  }

  // ---- request pipeline ----

  private readonly loopbackSockets = new WeakSet<object>();

  /** Connections accepted on the loopback unix socket act as the API server itself. */
  markLoopback(socket: object): void {
    this.loopbackSockets.add(socket);
  }

  authenticate(req: IncomingMessage): UserInfo {
    if (this.loopbackSockets.has(req.socket)) return LOOPBACK_USER;
    const sock = req.socket as TLSSocket;
    let clientCert: { commonName: string; organizations: string[] } | undefined;
    if (sock.authorized && typeof sock.getPeerCertificate === 'function') {
      const pc = sock.getPeerCertificate();
      if (pc && pc.subject) {
        const cn = pc.subject.CN;
        const o = pc.subject.O;
        clientCert = { commonName: Array.isArray(cn) ? cn[0] : cn ?? '', organizations: o === undefined ? [] : Array.isArray(o) ? o : [o] };
      }
    }
    const auth = req.headers.authorization;
    const bearerToken = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    return this.opts.authenticator.authenticate({ clientCert, bearerToken }) ?? ANONYMOUS;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    let series: RequestSeries | undefined;
    try {
      const url = parseRequestTarget(req.url, 'https://localhost');
      if (!url) throw badRequest(`invalid request target ${JSON.stringify(req.url)}`);
      let info: RequestInfo;
      try {
        info = parseRequestPath(url.pathname);
      } catch (e) {
        throw badRequest(`invalid request path ${JSON.stringify(url.pathname)}: ${errorMessage(e)}`);
      }
      const def = info.kind === 'resource' ? lookupResource(info.group, info.version, info.resource) : undefined;
      if (def) {
        series = requestSeries(req, url, info as ResourceRequestInfo, def);
        beginRequest(series);
      }
      await this.dispatch(req, res, url, info, def);
    } catch (e) {
      if (!isStatusError(e)) this.logFailure(req, res, e);
      if (!res.headersSent) writeStatus(res, e);
      else res.end();
    } finally {
      if (series) endRequest(series, req, res, start);
    }
  }

  /**
   * A request that failed with something other than a Status error is a bug or a broken
   * connection: logged here, once, with its stack (a client that went away gets one line at -v 2).
   */
  private logFailure(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const code = (e as { code?: unknown } | null)?.code;
    if (req.destroyed || res.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
      log.v(2, `${req.method} ${req.url}: connection closed: ${errorMessage(e)}`);
      return;
    }
    log.error(`${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, def: ResourceDef | undefined): Promise<void> {
    let user = this.authenticate(req);
    if (wantsImpersonation(req.headersDistinct)) {
      if (user === ANONYMOUS) throw unauthorized();
      user = impersonate(req.headersDistinct, user, this.opts.authorizer);
    }
    const method = req.method ?? 'GET';
    if (info.kind === 'nonresource') {
      const attrs: RequestAttributes = { user, verb: method.toLowerCase(), resourceRequest: false, path: url.pathname };
      if (!this.opts.authorizer.authorize(attrs).allowed) {
        if (user === ANONYMOUS) throw unauthorized();
        throw forbidden(`forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${url.pathname}"`);
      }
      return this.handleNonResource(req, res, url);
    }
    if (user === ANONYMOUS) throw unauthorized();
    if (!def) throw pathNotFound();
    // The legacy /watch/ prefix serves only GET of collections and objects.
    if (info.watch && info.subresource) throw pathNotFound();
    if (info.watch && method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
    const verb = verbOf(method, info, url);
    const attrs: RequestAttributes = {
      user,
      verb,
      resourceRequest: true,
      apiGroup: info.group,
      apiVersion: info.version,
      resource: info.resource,
      subresource: info.subresource,
      // Upstream scopes a namespace to itself, so a RoleBinding can grant reading "this namespace".
      namespace: info.namespace ?? (info.group === '' && info.resource === 'namespaces' ? info.name : undefined),
      name: info.name,
    };
    const decision = this.opts.authorizer.authorize(attrs);
    if (!decision.allowed) {
      throw forbiddenRequest(attrs, decision.reason);
    }
    if (def.virtual) {
      if (method !== 'POST' || info.name) throw methodNotAllowed();
      await handleReview(this, req, res, def, user, this.opts.authorizer, this.opts.authenticator, info.namespace);
      return;
    }
    // Write options are read (and validated) only where upstream decodes them.
    const optionsKind = WRITE_OPTIONS[verb];
    const wq: WriteQuery = optionsKind ? parseWriteQuery(url.searchParams, optionsKind) : { dryRun: false, fieldValidation: 'Warn' };
    const ctx: RequestContext = {
      user,
      now: new Date(),
      dryRun: wq.dryRun,
      fieldManager: wq.fieldManager,
      fieldValidation: wq.fieldValidation,
      warnings: [],
      userAgent: req.headers['user-agent'],
    };
    const r: ResourceRequest = { req, res, url, info, def, rs: this.storeFor(def), ctx, accept: parseAccept(req.headers.accept), core: this };
    if (def.namespaced && info.namespace === undefined && info.name !== undefined) throw pathNotFound();
    if (!def.namespaced && info.namespace !== undefined) throw pathNotFound();
    try {
      await this.route(r, method, verb);
    } catch (e) {
      // Warnings gathered before a refusal (PodSecurity's warn level) travel with the error, as upstream.
      if (!res.headersSent) writeWarnings(r);
      throw e;
    }
  }

  private async route(r: ResourceRequest, method: string, verb: string): Promise<void> {
    const { info, def } = r;
    const sub = info.subresource;
    if (!def.verbs.includes(verb) && !sub) throw methodNotAllowed();
    if (!sub) {
      switch (verb) {
        case 'get':
          return handleGet(r);
        case 'list':
          return handleList(r);
        case 'watch':
          return handleWatch(r);
        case 'create':
          return handleCreate(r);
        case 'update':
          return handleUpdate(r);
        case 'patch':
          return handlePatch(r);
        case 'delete':
          return handleDelete(r);
        case 'deletecollection':
          return handleDeleteCollection(r);
      }
      throw methodNotAllowed();
    }
    const sd = def.subresources.find((s) => s.name === sub);
    if (!sd) throw pathNotFound();
    switch (sub) {
      case 'status':
      case 'finalize':
      case 'ephemeralcontainers':
        if (method === 'GET') return handleGet(r);
        if (method === 'PUT') return handleUpdate(r);
        if (method === 'PATCH') return handlePatch(r);
        throw methodNotAllowed();
      case 'scale':
        if (method === 'GET') return handleScaleGet(r);
        if (method === 'PUT') return handleScaleWrite(r);
        if (method === 'PATCH') return handleScaleWrite(r, patchKind(r.req.headers['content-type']));
        throw methodNotAllowed();
      case 'binding':
        if (method === 'POST') return handleBinding(r);
        throw methodNotAllowed();
      case 'eviction':
        if (method === 'POST') return handleEviction(r);
        throw methodNotAllowed();
      case 'token':
        if (method === 'POST') return handleTokenRequest(r);
        throw methodNotAllowed();
      case 'log':
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy':
        return handleNodeStream(r);
    }
    throw pathNotFound();
  }

  private handleNonResource(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept;
    switch (p) {
      case '/metrics':
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
        return this.serveMetrics(res);
      case '/version':
        return writeJson(res, 200, SERVER_VERSION);
      case '/healthz':
      case '/livez':
      case '/readyz':
        if (!this.ready) return writeRaw(res, 500, `[-]${p.slice(1)} check failed: storage not ready\n`, 'text/plain');
        return writeRaw(res, 200, 'ok', 'text/plain; charset=utf-8');
      case '/api': {
        const v = aggregatedVersionWanted(accept);
        if (v) return writeRaw(res, 200, this.discovery.aggregatedCore[v], `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        return writeRaw(res, 200, this.discovery.legacyApi, 'application/json');
      }
      case '/apis': {
        const v = aggregatedVersionWanted(accept);
        if (v) return writeRaw(res, 200, this.discovery.aggregatedApis[v], `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        return writeRaw(res, 200, this.discovery.legacyApis, 'application/json');
      }
    }
    const gv = this.discovery.groupVersion.get(p) ?? this.discovery.group.get(p);
    if (gv) return writeRaw(res, 200, gv, 'application/json');
    if (p === '/openapi/v3' || p.startsWith('/openapi/v3/')) return this.openapi.serve(req, res, p, url);
    if (p === '/openapi/v2') return this.openapi.serveV2(req, res);
    throw pathNotFound();
  }

  private async serveMetrics(res: ServerResponse): Promise<void> {
    const text = await (this.opts.metrics ?? (() => registry.metrics()))();
    writeRaw(res, 200, text, METRICS_CONTENT_TYPE);
  }

  /** Lists objects of a resource with selectors, for in-process callers (reviews, admission). */
  listObjects(group: string, plural: string, namespace?: string, labelSelector = ''): ReadonlyArray<Readonly<KObject>> {
    const rs = this.store(group, plural);
    return rs.list({ namespace, filter: compileSelectors(rs.def, labelSelector, '') }).items.map((c) => c.obj);
  }
}

/**
 * Upstream's 403 text for a request the authorizer refused:
 * `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`,
 * `... at the cluster scope` when the request names no namespace, `: <reason>` when there is one.
 */
export function forbiddenRequest(a: RequestAttributes, reason: string): StatusError {
  const group = a.apiGroup ?? '';
  const resource = a.resource ?? '';
  const res = a.subresource ? `${resource}/${a.subresource}` : resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return forbidden(
    `${resource}${group ? '.' + group : ''}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${a.user.username}" cannot ${a.verb} resource "${res}" in API group "${group}" ${where}${reason ? ': ' + reason : ''}`,
    { group, resource },
    a.name,
  );
}

function patchKind(ct: string | undefined): 'json' | 'merge' | 'strategic' {
  const mt = (ct ?? '').split(';')[0].trim();
  if (mt === 'application/json-patch+json') return 'json';
  if (mt === 'application/strategic-merge-patch+json') return 'strategic';
  return 'merge';
}

const WRITE_OPTIONS: Partial<Record<string, WriteOptionsKind>> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

function verbOf(method: string, info: ResourceRequestInfo, url: URL): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (info.subresource) return 'get';
      if (info.watch || isWatchQuery(url.searchParams)) return 'watch';
      return info.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return info.name ? 'delete' : 'deletecollection';
    default:
      throw methodNotAllowed();
  }
}
