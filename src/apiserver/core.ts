// The API server's request pipeline, independent of the listening socket:
// authenticate → parse the path → authorize → dispatch to a handler. Tests and the
// HTTPS server both call `handle(req, res)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KObject, LooseObject, Namespace, PriorityClass } from '../api/types/index.js';
import { resources, allResources, lookupResource, storageDef, storagePrefix, setCustomResources, removeCustomResources, customResourcesRevision, type ResourceDef } from '../api/registry/index.js';
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
import { managerName, systemContext } from './context.js';
import { ResourceStore } from './registry/resource-store.js';
import { Strategy } from './registry/strategy.js';
import { PodStrategy } from './registry/strategies/pods.js';
import { ServiceStrategy } from './registry/strategies/services.js';
import { NamespaceStrategy } from './registry/strategies/namespaces.js';
import { PvcStrategy } from './registry/strategies/pvc.js';
import { NodeStrategy, PhasePendingStrategy, SecretStrategy, JobStrategy } from './registry/strategies/simple.js';
import { RbacStrategy } from './registry/strategies/rbac.js';
import { RangeAllocator, cidrRange, portRange } from './registry/allocator.js';
import { CrdStrategy, CustomResourceStrategy } from './crd/strategies.js';
import { CrdReconciler, conditionTrue } from './crd/controller.js';
import { loadSchemaLib } from './crd/schema-lib.js';
import { storageDefaulter } from './crd/conversion.js';
import type { Crd } from './crd/crd-spec.js';
import { deepEqual } from '../util/json.js';
import { buildDiscovery, aggregatedVersionWanted, discoveryEtag, type DiscoveryDocs } from './handlers/discovery.js';
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
import { TransformingStore, type EncryptionConfig } from './encryption/index.js';
import { registry } from '../util/metrics.js';
import { AdmissionChain, defaultAdmissionPlugins, type AdmissionOptions, type ObjectLookup } from './admission/index.js';
import { errorMessage, logger } from '../util/log.js';
import { admitNodeRestriction, type AdmissionOperation } from './admission/node-restriction.js';
import type { Pod } from '../api/types/index.js';
import { randomUUID } from 'node:crypto';
import { DEFAULT_API_LIMITS, PRIVILEGED_GROUP, RequestLimiter, closeIfBodyUnread, isHealthPath, isLongRunning, onResponseEnd, requestDeadlineMs, withRequestDeadline, type ApiLimits } from './limits/limits.js';
import { attachAuditRecord, finishAudit, type AuditRecord, type AuditSink } from './audit/record.js';
import { HistoryRecorder, type HistoryOptions } from './history/recorder.js';
import { handleHistory, HISTORY_DISCOVERY, HISTORY_GROUP } from './history/serve.js';

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
  /** Encryption at rest (--encryption-provider-config): the resources it names are stored encrypted. */
  encryption?: EncryptionConfig;
  /** Request limits (src/apiserver/limits/); upstream's defaults for what is unset. */
  limits?: Partial<ApiLimits>;
  /** The audit log (src/apiserver/audit/); none when unset. */
  audit?: AuditSink;
  /** Object history (history/README.md): on with these settings unless false. */
  history?: HistoryOptions | false;
}

/** What the pipeline keeps about one request between its stages. */
interface RequestState {
  readonly auditID: string;
  readonly receivedAt: Date;
  audit?: AuditRecord;
  longRunning: boolean;
}

/** Upstream takes the client's Audit-ID header when it sends one (a proxy's), else makes one. */
interface ClientCertIdentity {
  commonName: string;
  organizations: string[];
}

/** CN and O of the connection's client certificate when it was verified against the CA; else null. */
function readClientCert(sock: TLSSocket): ClientCertIdentity | null {
  if (!sock.authorized || typeof sock.getPeerCertificate !== 'function') return null;
  const pc = sock.getPeerCertificate();
  if (!pc || !pc.subject) return null;
  const cn = pc.subject.CN;
  const o = pc.subject.O;
  // Frozen: it is shared by every request of the connection.
  const organizations = Object.freeze(o === undefined ? [] : Array.isArray(o) ? [...o] : [o]) as string[];
  return Object.freeze({ commonName: Array.isArray(cn) ? cn[0] : cn ?? '', organizations });
}

function auditIdOf(req: IncomingMessage): string {
  const h = req.headers['audit-id'];
  return typeof h === 'string' && h.length > 0 && h.length <= 128 && /^[\x21-\x7e]+$/.test(h) ? h : randomUUID();
}

/** Streams to a node's kubelet (log, exec, attach, portforward, proxy); installed by the agent wiring. */
export type KubeletProxy = (r: ResourceRequest, pod: Readonly<KObject>, nodeName: string) => Promise<boolean>;

export class ApiServerCore {
  private readonly stores = new Map<string, ResourceStore>();
  private discovery: DiscoveryDocs;
  private discoveryRevision = 0;
  private readonly openapi = new OpenApiDocs();
  /** Custom resources served, by CRD name (their stores are in `stores` too, by prefix). */
  private readonly custom = new Map<string, { rs: ResourceStore; defs: ResourceDef[] }>();
  private crdReconciler?: CrdReconciler;
  private readonly backend: Store;
  private readonly watchCacheSize?: number;
  readonly tokens: ServiceAccountTokens;
  readonly maxTokenExpirationSeconds?: number;
  kubeletProxy?: KubeletProxy;
  private ready = false;
  private untrackObjects?: () => void;
  /** The limits in force (upstream's defaults where the options leave them unset). */
  readonly limits: Readonly<ApiLimits>;
  private readonly limiter: RequestLimiter;
  /** The object history (history.k8ts.io), unless turned off. */
  readonly history?: HistoryRecorder;

  constructor(private readonly opts: CoreOptions) {
    this.tokens = opts.tokens;
    this.limits = Object.freeze({ ...DEFAULT_API_LIMITS, ...opts.limits });
    this.limiter = new RequestLimiter(this.limits);
    this.maxTokenExpirationSeconds = opts.maxTokenExpirationSeconds;
    // Every part of the API server uses the backend through one timed seam (etcd_request_duration_seconds).
    const store = instrumentStore(opts.store);
    this.backend = store;
    if (opts.history !== false) {
      const enc = opts.encryption;
      // Keys are /registry/<group, core for ''>/<resource>/…: the resource's transformer decrypts.
      const decrypt = enc
        ? (key: string, stored: string): string => {
            const [, , group = '', resource = ''] = key.split('/');
            const t = enc.transformerFor(group === 'core' ? '' : group, resource);
            if (!t) throw new Error(`no encryption provider for ${key}`);
            return t.fromStorage(stored, key).value;
          }
        : undefined;
      this.history = new HistoryRecorder(store, { ...opts.history, decrypt });
    }
    this.discovery = buildDiscovery(opts.serverAddress, this.extraGroups());
    this.watchCacheSize = opts.watchCacheSize;
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
        case 'apiextensions.k8s.io/CustomResourceDefinition':
          strategy = new CrdStrategy(sdef);
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
      // Encrypted resources meet the backend through a transformer (src/apiserver/encryption/).
      const transformer = opts.encryption?.transformerFor(sdef.group, sdef.plural);
      const encrypted = transformer && new TransformingStore(store, transformer);
      const rs = new ResourceStore(sdef, encrypted ?? store, strategy, opts.watchCacheSize);
      if (encrypted) rs.needsRewrite = (key) => encrypted.isStale(key);
      this.stores.set(prefix, rs);
    }
    const lookup: ObjectLookup = {
      get: (group, plural, namespace, name) => this.store(group, plural).tryGet(namespace, name)?.obj,
      list: (group, plural, namespace) => this.store(group, plural).list({ namespace }).items.map((c) => c.obj),
    };
    this.admission = new AdmissionChain(defaultAdmissionPlugins(lookup, opts.admission));
    for (const rs of this.stores.values()) this.wire(rs);
  }

  /** Admission and the history's writer hook, for every ResourceStore (built-in and custom). */
  private wire(rs: ResourceStore): void {
    rs.admission = this.admission;
    const h = this.history;
    if (h) rs.onWritten = (key, rev, ctx, deleted) => h.noteWriter(key, rev, ctx.user.username, deleted ? undefined : managerName(ctx), deleted);
  }

  private extraGroups(): (typeof HISTORY_DISCOVERY)[] {
    return this.history ? [HISTORY_DISCOVERY] : [];
  }

  /** The admission plugins every write passes (src/apiserver/admission/). */
  readonly admission: AdmissionChain;

  async start(): Promise<void> {
    await this.history?.start();
    await Promise.all([...this.stores.values()].map((s) => this.startStore(s)));
    await bootstrapObjects(this, systemContext(), cidrRange('serviceips', this.opts.serviceCIDR).at(0));
    await reconcileDefaultPolicy((group, plural) => this.store(group, plural), systemContext());
    this.crdReconciler = new CrdReconciler({
      crds: this.store('apiextensions.k8s.io', 'customresourcedefinitions'),
      serve: (name, defs) => this.serveCustom(name, defs),
      unserve: (name) => this.unserveCustom(name),
      storeOf: (name) => this.custom.get(name)?.rs,
    });
    await this.crdReconciler.start();
    this.untrackObjects = trackStorageObjects(() => this.objectCounts());
    this.ready = true;
  }

  /**
   * Fills a resource's watch cache. A stored value its encryption config cannot decrypt (a key
   * taken out of the file) leaves that one resource unavailable, as upstream's cacher: its
   * requests answer 500 naming the key, everything else serves.
   */
  private async startStore(s: ResourceStore): Promise<void> {
    try {
      await s.start();
    } catch (e) {
      if (!s.needsRewrite || !isStatusError(e) || e.code !== 500) throw e;
      s.stop();
      s.unavailable = e;
      log.error(`${s.gr.group ? `${s.gr.resource}.${s.gr.group}` : s.gr.resource} are unavailable: ${e.message}`);
    }
  }

  stop(): void {
    // The unflushed history is written as the server stops (best effort: stop is synchronous).
    this.history?.stop().catch((e: unknown) => log.error(`history: ${errorMessage(e)}`));
    this.crdReconciler?.stop();
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
    if (s.unavailable) throw s.unavailable;
    return s;
  }

  // ---- custom resources ----

  /** Serves a CRD's versions: its store (created, or replaced when the storage version changes) and the registry entries. */
  private async serveCustom(crdName: string, defs: ResourceDef[]): Promise<ResourceStore> {
    const sdef = defs.find((d) => d.version === d.storage.version)!;
    const served = defs.filter((d) => d.custom!.served);
    const old = this.custom.get(crdName);
    // The store decodes in the storage version with its schema's defaults: a change of either
    // means a new store (a re-list). It replaces the old one once started, so requests never
    // find the resource missing; the old one's watches end, as upstream's do on a CRD change.
    const same = (a: ResourceDef, b: ResourceDef): boolean =>
      a.version === b.version && a.kind === b.kind && a.plural === b.plural && a.namespaced === b.namespaced && a.group === b.group && deepEqual(a.custom?.schema, b.custom?.schema);
    let cur = old && same(old.rs.def, sdef) ? old : undefined;
    if (!cur) {
      await loadSchemaLib();
      const rs = new ResourceStore(sdef, this.backend, new CustomResourceStrategy(sdef, () => this.crdTerminating(crdName)), this.watchCacheSize, storageDefaulter(sdef));
      this.wire(rs);
      await rs.start();
      if (old) {
        this.stores.delete(old.rs.prefix);
        old.rs.stop();
      }
      this.stores.set(rs.prefix, rs);
      cur = { rs, defs: old?.defs ?? [] };
      this.custom.set(crdName, cur);
    }
    if (!deepEqual(cur.defs, served)) {
      cur.defs = served;
      setCustomResources(crdName, served);
    }
    return cur.rs;
  }

  private unserveCustom(crdName: string): void {
    const cur = this.custom.get(crdName);
    if (!cur) return;
    removeCustomResources(crdName);
    this.custom.delete(crdName);
    this.stores.delete(cur.rs.prefix);
    cur.rs.stop();
  }

  private crdTerminating(crdName: string): boolean {
    const crd = this.store('apiextensions.k8s.io', 'customresourcedefinitions').tryGet(undefined, crdName)?.obj as Readonly<Crd> | undefined;
    return !crd || !!crd.metadata.deletionTimestamp || conditionTrue(crd, 'Terminating');
  }

  /** Resolves once the CRD reconciler has handled every change so far (tests, benchmarks). */
  crdsSettled(): Promise<void> {
    return this.crdReconciler?.drained() ?? Promise.resolve();
  }

  /** Discovery documents, rebuilt when the set of custom resources changed. */
  private discoveryDocs(): DiscoveryDocs {
    const rev = customResourcesRevision();
    if (rev !== this.discoveryRevision) {
      this.discovery = buildDiscovery(this.opts.serverAddress, this.extraGroups());
      this.discoveryRevision = rev;
    }
    return this.discovery;
  }

  /** Store of a resource by group and plural (storage version). */
  store(group: string, plural: string): ResourceStore {
    // Admission asks for a few stores on every write: the definitions are looked up once per
    // set of custom resources, not by a scan of every resource on each call.
    const rev = customResourcesRevision();
    if (rev !== this.storeDefsRevision) {
      this.storeDefs.clear();
      this.storeDefsRevision = rev;
    }
    const k = `${group}/${plural}`;
    let def = this.storeDefs.get(k);
    if (!def) {
      def = allResources().find((r) => r.group === group && r.plural === plural && !r.virtual);
      if (!def) throw new Error(`no resource ${plural}.${group}`);
      this.storeDefs.set(k, def);
    }
    return this.storeFor(def);
  }

  private readonly storeDefs = new Map<string, ResourceDef>();
  private storeDefsRevision = -1;

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

  /**
   * The verified client certificate of each TLS connection, read once (getPeerCertificate
   * builds a new object from the X.509 on every call). The peer of a connection can only
   * change by a TLS renegotiation, and the first read turns renegotiation off for the socket
   * (Go's server, upstream's, never renegotiates either), so a cached entry holds for the
   * connection's life. `null`: the connection has no verified certificate.
   */
  private readonly peerCerts = new WeakMap<object, ClientCertIdentity | null>();

  private clientCertOf(sock: TLSSocket): ClientCertIdentity | undefined {
    let cached = this.peerCerts.get(sock);
    if (cached === undefined) {
      cached = readClientCert(sock);
      // Before the cache holds anything: a renegotiation attempt now errors and closes the socket.
      if (typeof sock.disableRenegotiation === 'function') sock.disableRenegotiation();
      this.peerCerts.set(sock, cached);
    }
    return cached ?? undefined;
  }

  authenticate(req: IncomingMessage): UserInfo {
    if (this.loopbackSockets.has(req.socket)) return LOOPBACK_USER;
    const clientCert = this.clientCertOf(req.socket as TLSSocket);
    const auth = req.headers.authorization;
    const bearerToken = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    return this.opts.authenticator.authenticate({ clientCert, bearerToken }) ?? ANONYMOUS;
  }

  /** Requests in flight and open watches (tests, status). */
  limiterCounts(): { readOnly: number; mutating: number; watches: number } {
    return this.limiter.counts();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    const st: RequestState = { auditID: auditIdOf(req), receivedAt: new Date(), longRunning: false };
    res.setHeader('Audit-Id', st.auditID);
    let series: RequestSeries | undefined;
    let failure: unknown;
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
      await this.dispatch(req, res, url, info, def, st);
    } catch (e) {
      failure = e;
      if (!isStatusError(e)) this.logFailure(req, res, e);
      // A refusal before the body was read closes the connection rather than read a slow body.
      closeIfBodyUnread(req, res);
      if (!res.headersSent) writeStatus(res, e);
      else res.end();
    } finally {
      if (series) endRequest(series, req, res, start);
      if (st.audit) finishAudit(st.audit, st.longRunning, res, failure);
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

  /**
   * Audit (RequestReceived), then the in-flight and watch limits: after authentication and
   * impersonation, before authorization, as upstream's filter chain. Returns the release of
   * what the request holds (undefined for exempt requests).
   */
  private admitRequest(req: IncomingMessage, res: ServerResponse, st: RequestState, user: UserInfo, authenticated: UserInfo, verb: string, info: RequestInfo, url: URL): (() => void) | undefined {
    const ri = info.kind === 'resource' ? info : undefined;
    this.beginAudit(req, res, st, user, authenticated, verb, info, url);
    // Health probes are never refused either (upstream's `probes` flow schema is exempt).
    const exempt = user.groups.includes(PRIVILEGED_GROUP) || (ri === undefined && isHealthPath(url.pathname));
    if (verb === 'watch') return this.limiter.acquireWatch(user.username, exempt);
    if (exempt || st.longRunning) return undefined;
    const m = req.method ?? 'GET';
    return this.limiter.acquireInflight(m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS');
  }

  /** Starts the request's audit record (RequestReceived) when the policy selects it. */
  private beginAudit(req: IncomingMessage, res: ServerResponse, st: RequestState, user: UserInfo, authenticated: UserInfo, verb: string, info: RequestInfo, url: URL): void {
    const ri = info.kind === 'resource' ? info : undefined;
    st.longRunning = ri !== undefined && isLongRunning(verb, ri.subresource);
    if (this.opts.audit && !st.audit) {
      st.audit = this.opts.audit.begin({
        auditID: st.auditID,
        req,
        res,
        receivedAt: st.receivedAt,
        user,
        authenticatedUser: user === authenticated ? undefined : authenticated,
        verb,
        resource: ri ? { group: ri.group, version: ri.version, resource: ri.resource, subresource: ri.subresource, namespace: ri.namespace, name: ri.name } : undefined,
        path: ri ? undefined : url.pathname,
        longRunning: st.longRunning,
      });
      if (st.audit) attachAuditRecord(req, st.audit);
    }
  }

  /**
   * A request refused before it has a user to act as (401, a refused impersonation) is still
   * audited, as the user it authenticated as (upstream audits failed authentication too).
   */
  private auditRefused(req: IncomingMessage, res: ServerResponse, st: RequestState, user: UserInfo, info: RequestInfo, url: URL): void {
    if (!this.opts.audit) return;
    const method = req.method ?? 'GET';
    let verb = method.toLowerCase();
    if (info.kind === 'resource') {
      try {
        verb = verbOf(method, info, url);
      } catch {
        // an unknown method: its lower-case name, as for non-resource requests
      }
    }
    this.beginAudit(req, res, st, user, user, verb, info, url);
  }

  /**
   * Runs `work` holding `release` until it settles; a request that is not long-running fails
   * with 504 when it takes longer than the request timeout and has not started its response
   * (the work goes on, as upstream's, but can no longer write).
   */
  private async runLimited(res: ServerResponse, url: URL, st: RequestState, release: (() => void) | undefined, work: () => Promise<void> | void): Promise<void> {
    let p: Promise<void>;
    let ms = 0;
    try {
      if (!st.longRunning) ms = requestDeadlineMs(url.searchParams, this.limits);
      p = Promise.resolve(work());
    } catch (e) {
      release?.();
      throw e;
    }
    if (st.longRunning) {
      // Held for as long as the stream: released when the response (or an upgraded socket) closes.
      if (release) {
        p.then(() => (res.writableEnded ? release() : onResponseEnd(res, release)), release);
      }
      return p;
    }
    if (release) void p.then(release, release);
    return withRequestDeadline(p, res, ms);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, def: ResourceDef | undefined, st: RequestState): Promise<void> {
    const authenticated = this.authenticate(req);
    let user = authenticated;
    if (wantsImpersonation(req.headersDistinct)) {
      try {
        if (user === ANONYMOUS) throw unauthorized();
        user = impersonate(req.headersDistinct, user, this.opts.authorizer);
      } catch (e) {
        this.auditRefused(req, res, st, authenticated, info, url);
        throw e;
      }
    }
    const method = req.method ?? 'GET';
    if (info.kind === 'nonresource') {
      const release = this.admitRequest(req, res, st, user, authenticated, method.toLowerCase(), info, url);
      const attrs: RequestAttributes = { user, verb: method.toLowerCase(), resourceRequest: false, path: url.pathname };
      try {
        const decision = this.opts.authorizer.authorize(attrs);
        st.audit?.authorized(decision.allowed, decision.reason);
        if (!decision.allowed) {
          if (user === ANONYMOUS) throw unauthorized();
          throw forbidden(`forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${url.pathname}"`);
        }
      } catch (e) {
        release?.();
        throw e;
      }
      return this.runLimited(res, url, st, release, () => this.handleNonResource(req, res, url));
    }
    if (user === ANONYMOUS) {
      this.auditRefused(req, res, st, user, info, url);
      throw unauthorized();
    }
    if (!def && info.group === HISTORY_GROUP && this.history) {
      // Authorized inside, against the object whose history is asked for; limited and audited as a list.
      const recorder = this.history;
      const release = this.admitRequest(req, res, st, user, authenticated, 'list', info, url);
      return this.runLimited(res, url, st, release, () => handleHistory({ req, res, url, info, user, authorizer: this.opts.authorizer, recorder, currentRevision: this.backend.currentRevision(), forbidden: forbiddenRequest }));
    }
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
    const release = this.admitRequest(req, res, st, user, authenticated, verb, info, url);
    try {
      const decision = this.opts.authorizer.authorize(attrs);
      st.audit?.authorized(decision.allowed, decision.reason);
      if (!decision.allowed) {
        throw forbiddenRequest(attrs, decision.reason);
      }
    } catch (e) {
      release?.();
      throw e;
    }
    return this.runLimited(res, url, st, release, () => this.serveResource(req, res, url, info, def, user, method, verb));
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequestInfo, def: ResourceDef, user: UserInfo, method: string, verb: string): Promise<void> {
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
    if (def.custom) {
      ctx.requestVersion = def.version;
      if (def.custom.deprecated) ctx.warnings.push(def.custom.deprecationWarning ?? `${def.group}/${def.version} ${def.kind} is deprecated`);
    }
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
        if (v) return writeAggregated(req, res, this.discoveryDocs().aggregatedCore[v], v);
        return writeRaw(res, 200, this.discoveryDocs().legacyApi, 'application/json');
      }
      case '/apis': {
        const v = aggregatedVersionWanted(accept);
        if (v) return writeAggregated(req, res, this.discoveryDocs().aggregatedApis[v], v);
        return writeRaw(res, 200, this.discoveryDocs().legacyApis, 'application/json');
      }
    }
    const docs = this.discoveryDocs();
    const gv = docs.groupVersion.get(p) ?? docs.group.get(p);
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

/** An aggregated discovery document with its ETag; 304 when the client's copy is current. */
function writeAggregated(req: IncomingMessage, res: ServerResponse, body: string, v: 'v2' | 'v2beta1'): void {
  const etag = discoveryEtag(body);
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, { ETag: etag });
    res.end();
    return;
  }
  writeRaw(res, 200, body, `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`, { ETag: etag });
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
