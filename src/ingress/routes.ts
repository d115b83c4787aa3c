// The routing table: a pure function of Ingresses, Services, EndpointSlices and Secrets.
// The proxy holds one table reference and swaps it whole on every change, so a request
// that already picked its backend finishes on it (nothing in flight is dropped).
//
// Matching (upstream Ingress semantics, Traefik-like fall-through):
//   1. the request host's rules: exact host first, then a `*.example.com` wildcard, which
//      covers exactly one DNS label (`a.example.com`, not `example.com` or `a.b.example.com`);
//   2. rules without a host;
//   3. the defaultBackend of the Ingress owning the matched host rule, else the cluster-wide
//      defaultBackend (oldest served Ingress that has one), else 404.
// Within one rule set: an Exact path equal to the request path wins; otherwise the longest
// Prefix (element-wise: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, not `/foobar`; a
// trailing slash on the rule is ignored). ImplementationSpecific is treated as Prefix.
// Conflicts between Ingresses (same host, path and type) go to the oldest Ingress.
import type { EndpointSlice, Ingress, IngressServiceBackend, IngressSpec, KObject, LooseObject, Secret, Service } from '../api/types/index.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';

/** EndpointSlices as the table reads them: ports and endpoints, each possibly absent. */
type Slice = Readonly<LooseObject<EndpointSlice>>;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the proxy's connection-pool key. */
  readonly key: string;
  /** Passive health: skipped by round-robin until this time (ms epoch) after a failed connect. */
  downUntil: number;
}

/** A Service port resolved to ready pod endpoints. Mutable round-robin cursor, per table. */
export interface Backend {
  /** `namespace/service:port` for logs and errors. */
  readonly id: string;
  readonly endpoints: readonly Endpoint[];
  next: number;
}

export interface PathRoutes {
  readonly exact: ReadonlyMap<string, Backend>;
  /** Normalized prefixes (no trailing slash, `/` kept), longest first. */
  readonly prefixes: readonly { readonly path: string; readonly backend: Backend }[];
}

interface HostEntry {
  readonly paths: PathRoutes;
  /** defaultBackend of the Ingress that first declared this host. */
  readonly fallback?: Backend;
}

export interface TlsCert {
  readonly cert: string;
  readonly key: string;
  /** `namespace/secret@resourceVersion`, a cache key for secure contexts. */
  readonly id: string;
}

export interface RouteTable {
  readonly exactHosts: ReadonlyMap<string, HostEntry>;
  /** Keyed by the suffix including the dot: `.example.com`. */
  readonly wildcardHosts: ReadonlyMap<string, HostEntry>;
  readonly anyHost?: PathRoutes;
  readonly defaultBackend?: Backend;
  /** TLS certificates by host (exact or `*.suffix`). */
  readonly tls: ReadonlyMap<string, TlsCert>;
  /** A certificate from a `tls` entry without hosts, if any. */
  readonly defaultTls?: TlsCert;
  /** Ingresses that were served (namespace/name), for status updates. */
  readonly served: readonly string[];
}

export const EMPTY_TABLE: RouteTable = {
  exactHosts: new Map(),
  wildcardHosts: new Map(),
  tls: new Map(),
  served: [],
};

// ---------------------------------------------------------------------------------------
// Building


function specOf(o: Readonly<Ingress>): IngressSpec {
  return o.spec ?? {};
}

function nsName(o: Readonly<KObject>): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function byAge(a: Readonly<KObject>, b: Readonly<KObject>): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = nsName(a);
  const kb = nsName(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Prefix normal form: no trailing slash except for the root. */
export function normalizePrefix(p: string): string {
  let s = p || '/';
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

class Resolver {
  private readonly services = new Map<string, Readonly<Service>>();
  private readonly slicesBySvc = new Map<string, Slice[]>();
  private readonly cache = new Map<string, Backend>();

  constructor(services: readonly Readonly<Service>[], slices: readonly Slice[], private readonly refuse: (ip: string) => boolean = () => false) {
    for (const s of services) this.services.set(nsName(s), s);
    for (const sl of slices) {
      const svc = sl.metadata.labels?.[LABEL_SERVICE_NAME];
      if (!svc) continue;
      const k = `${sl.metadata.namespace ?? ''}/${svc}`;
      let arr = this.slicesBySvc.get(k);
      if (!arr) this.slicesBySvc.set(k, (arr = []));
      arr.push(sl);
    }
  }

  /** Backend for an Ingress service reference; undefined if the reference is malformed. */
  resolve(namespace: string, ref: Readonly<IngressServiceBackend> | undefined): Backend | undefined {
    if (!ref?.name || !ref.port) return undefined;
    const portKey = ref.port.name ?? String(ref.port.number ?? '');
    const id = `${namespace}/${ref.name}:${portKey}`;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const backend: Backend = { id, endpoints: this.endpointsFor(namespace, ref), next: 0 };
    this.cache.set(id, backend);
    return backend;
  }

  private endpointsFor(namespace: string, ref: Readonly<IngressServiceBackend>): Endpoint[] {
    const svcKey = `${namespace}/${ref.name}`;
    const svc = this.services.get(svcKey);
    if (!svc) return [];
    const ports = svc.spec?.ports ?? [];
    const sp = ports.find((p) => (ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number));
    if (!sp) return [];
    const wantName = sp.name ?? '';
    const out: Endpoint[] = [];
    const seen = new Set<string>();
    for (const sl of this.slicesBySvc.get(svcKey) ?? []) {
      const slPorts = sl.ports ?? [];
      // A slice port matches the service port by name ('' for the single unnamed port).
      const slp = slPorts.find((p) => (p.name ?? '') === wantName);
      let port = slp?.port;
      if (port === undefined && slPorts.length === 0 && typeof sp.targetPort === 'number') port = sp.targetPort;
      if (port === undefined) continue;
      for (const ep of sl.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        const addr = ep.addresses?.[0];
        if (!addr || this.refuse(addr)) continue;
        const k = `${addr}:${port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ host: addr, port, key: k, downUntil: 0 });
      }
    }
    return out;
  }
}

interface PathBuilder {
  exact: Map<string, Backend>;
  prefixes: Map<string, Backend>;
}

function newPathBuilder(): PathBuilder {
  return { exact: new Map(), prefixes: new Map() };
}

function freezePaths(b: PathBuilder): PathRoutes {
  const prefixes = [...b.prefixes].map(([path, backend]) => ({ path, backend }));
  prefixes.sort((x, y) => y.path.length - x.path.length);
  return { exact: b.exact, prefixes };
}

function decodeB64(v: unknown): string | undefined {
  return typeof v === 'string' && v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** Whether this controller serves the Ingress: its class, or no class while ours is the default. */
export function isServedIngress(ing: Readonly<Ingress>, className: string, weAreDefault = true): boolean {
  const cls = specOf(ing).ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'];
  if (cls) return cls === className;
  return weAreDefault;
}

export interface BuildOptions {
  className?: string;
  /** Whether the controller's class is the default IngressClass (serves class-less Ingresses). */
  isDefaultClass?: boolean;
  /**
   * Endpoint addresses never forwarded to (the controller passes the node's own loopback and
   * link-local neighbourhood, see controller.ts); default: none refused.
   */
  refuseAddress?: (ip: string) => boolean;
}

/**
 * The Secrets (`namespace/name`, sorted) that served Ingresses name in spec.tls[].secretName: the
 * only Secrets the controller reads (it watches each one by name).
 */
export function tlsSecretRefs(ingresses: readonly Readonly<Ingress>[], opts: BuildOptions = {}): string[] {
  const className = opts.className ?? 'k8ts';
  const out = new Set<string>();
  for (const ing of ingresses) {
    if (ing.metadata.deletionTimestamp || !isServedIngress(ing, className, opts.isDefaultClass ?? true)) continue;
    const ns = ing.metadata.namespace ?? 'default';
    for (const t of specOf(ing).tls ?? []) if (t.secretName) out.add(`${ns}/${t.secretName}`);
  }
  return [...out].sort();
}

export function buildRoutes(
  ingresses: readonly Readonly<Ingress>[],
  services: readonly Readonly<Service>[],
  slices: readonly Slice[],
  secrets: readonly Readonly<Secret>[],
  opts: BuildOptions = {},
): RouteTable {
  const className = opts.className ?? 'k8ts';
  const served = ingresses.filter((i) => !i.metadata.deletionTimestamp && isServedIngress(i, className, opts.isDefaultClass ?? true)).sort(byAge);
  const resolver = new Resolver(services, slices, opts.refuseAddress);
  const secretMap = new Map<string, Readonly<Secret>>();
  for (const s of secrets) secretMap.set(nsName(s), s);

  const hostBuilders = new Map<string, { paths: PathBuilder; fallback?: Backend }>();
  const anyHost = newPathBuilder();
  let anyHostUsed = false;
  let defaultBackend: Backend | undefined;
  const tls = new Map<string, TlsCert>();
  let defaultTls: TlsCert | undefined;

  for (const ing of served) {
    const ns = ing.metadata.namespace ?? 'default';
    const spec = specOf(ing);
    const ownDefault = spec.defaultBackend?.service ? resolver.resolve(ns, spec.defaultBackend.service) : undefined;
    if (ownDefault && !defaultBackend) defaultBackend = ownDefault;

    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      let target: PathBuilder;
      if (host) {
        let hb = hostBuilders.get(host);
        if (!hb) hostBuilders.set(host, (hb = { paths: newPathBuilder(), fallback: ownDefault }));
        target = hb.paths;
      } else {
        target = anyHost;
        anyHostUsed = true;
      }
      for (const p of rule.http?.paths ?? []) {
        const backend = resolver.resolve(ns, p.backend?.service);
        if (!backend) continue;
        const path = p.path || '/';
        if (p.pathType === 'Exact') {
          if (!target.exact.has(path)) target.exact.set(path, backend);
        } else {
          const np = normalizePrefix(path);
          if (!target.prefixes.has(np)) target.prefixes.set(np, backend);
        }
      }
    }

    for (const t of spec.tls ?? []) {
      if (!t.secretName) continue;
      const sec = secretMap.get(`${ns}/${t.secretName}`);
      const data = sec?.data;
      const cert = decodeB64(data?.['tls.crt']);
      const key = decodeB64(data?.['tls.key']);
      if (!sec || !cert || !key) continue;
      const c: TlsCert = { cert, key, id: `${ns}/${t.secretName}@${sec.metadata.resourceVersion ?? ''}` };
      if (!t.hosts?.length) defaultTls ??= c;
      for (const h of t.hosts ?? []) if (!tls.has(h.toLowerCase())) tls.set(h.toLowerCase(), c);
    }
  }

  const exactHosts = new Map<string, HostEntry>();
  const wildcardHosts = new Map<string, HostEntry>();
  for (const [host, hb] of hostBuilders) {
    const entry: HostEntry = { paths: freezePaths(hb.paths), fallback: hb.fallback };
    if (host.startsWith('*.')) wildcardHosts.set(host.slice(1), entry);
    else exactHosts.set(host, entry);
  }
  return {
    exactHosts,
    wildcardHosts,
    anyHost: anyHostUsed ? freezePaths(anyHost) : undefined,
    defaultBackend,
    tls,
    defaultTls,
    served: served.map(nsName),
  };
}

// ---------------------------------------------------------------------------------------
// Matching (hot path: no allocation beyond the host/path slices)

function matchPaths(r: PathRoutes, path: string): Backend | undefined {
  const e = r.exact.get(path);
  if (e) return e;
  for (const p of r.prefixes) {
    const pp = p.path;
    if (pp === '/') return p.backend;
    if (path.startsWith(pp) && (path.length === pp.length || path.charCodeAt(pp.length) === 47 /* / */)) return p.backend;
  }
  return undefined;
}

/** Lower-cased host without port (handles `[v6]:port`). */
export function hostOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let h = hostHeader;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    return (end > 0 ? h.slice(1, end) : h).toLowerCase();
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.toLowerCase();
}

function hostEntry(t: RouteTable, host: string): HostEntry | undefined {
  const e = t.exactHosts.get(host);
  if (e) return e;
  if (t.wildcardHosts.size === 0) return undefined;
  const dot = host.indexOf('.');
  return dot > 0 ? t.wildcardHosts.get(host.slice(dot)) : undefined;
}

/** `path` is the request path without the query string; `host` from hostOf(). undefined → 404. */
export function matchRoute(t: RouteTable, host: string, path: string): Backend | undefined {
  const he = host ? hostEntry(t, host) : undefined;
  let b = he ? matchPaths(he.paths, path) : undefined;
  if (!b && t.anyHost) b = matchPaths(t.anyHost, path);
  return b ?? he?.fallback ?? t.defaultBackend;
}

/** Certificate for an SNI name: exact host, then `*.suffix`, then a host-less tls entry. */
export function certFor(t: RouteTable, servername: string): TlsCert | undefined {
  const name = servername.toLowerCase();
  const exact = t.tls.get(name);
  if (exact) return exact;
  const dot = name.indexOf('.');
  if (dot > 0) {
    const w = t.tls.get(`*${name.slice(dot)}`);
    if (w) return w;
  }
  return t.defaultTls;
}

/** Round-robin over endpoints not marked down; all down → plain round-robin. */
export function pickEndpoint(b: Backend, now: number, exclude?: Endpoint): Endpoint | undefined {
  const eps = b.endpoints;
  const n = eps.length;
  if (n === 0) return undefined;
  for (let i = 0; i < n; i++) {
    const ep = eps[b.next++ % n];
    if (ep !== exclude && ep.downUntil <= now) return ep;
  }
  for (let i = 0; i < n; i++) {
    const ep = eps[b.next++ % n];
    if (ep !== exclude) return ep;
  }
  return undefined;
}
