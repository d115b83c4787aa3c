// API request metrics with upstream's names, labels and verb reporting
// (k8s.io/apiserver/pkg/endpoints/metrics):
//
//   apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}
//   apiserver_request_duration_seconds{verb,dry_run,group,version,resource,subresource,scope,component}
//   apiserver_request_sli_duration_seconds{verb,group,version,resource,subresource,scope,component}
//   apiserver_longrunning_requests{verb,group,version,resource,subresource,scope,component}
//   apiserver_current_inflight_requests{request_kind}
//
// Reported verbs are upstream's: GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, CONNECT
// (GET of a collection is LIST; a server-side-apply PATCH is APPLY; log, exec, attach,
// portforward and proxy are CONNECT). Scope is `resource` (a named object, or any create),
// `namespace` or `cluster`.
//
// Long-running requests (WATCH, CONNECT) differ from upstream in one point on purpose: they
// are counted in apiserver_request_total as soon as their response starts (upstream counts
// them when they end), so an open watch is visible in the counter. Like upstream they are
// observed in apiserver_request_duration_seconds when they end (their own verb label keeps
// them apart from GET/LIST), are left out of the SLI histogram and of the in-flight gauge,
// and are tracked by apiserver_longrunning_requests while open.
//
// Only resource requests of known resources are recorded (bounded label values; an unknown
// path is not a label). Requests that fail authentication (401) are not counted, as upstream
// where authentication runs before the instrumented handler.
//
// Per-request cost: a label combination is resolved once into series handles
// (metric-families.ts), found again by the resource and a small number (verb, scope, dry run,
// subresource); a request then costs two Map lookups and a few additions, ~0.2 µs
// (bench/apiserver-metrics.bench.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gauge, registry, type Gauge } from '../util/metrics.js';
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from '../util/metric-families.js';
import { isUpgradeRequest } from './kubelet-proxy/upgrade-routing.js';
import type { ResourceDef } from '../api/registry/index.js';
import type { ResourceRequestInfo } from './request-info.js';
import { isWatchQuery } from './query.js';

export const COMPONENT = 'apiserver';

/** Upstream's buckets for apiserver_request_duration_seconds. */
const REQUEST_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
/** Upstream's buckets for apiserver_request_sli_duration_seconds. */
const SLI_BUCKETS = [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Subresources upstream reports as CONNECT (and treats as long-running). */
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

type BaseLabel = 'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component';
type RequestLabel = BaseLabel | 'dry_run';
type CodeLabel = RequestLabel | 'code';

interface Metrics {
  total: CounterFamily;
  duration: HistogramFamily;
  sli: HistogramFamily;
  longRunning: Gauge<BaseLabel>;
  inflight: Gauge<'request_kind'>;
}

let metrics: Metrics | undefined;

/** Registers the request metrics in this loop's registry (idempotent), so a scrape shows them before the first request. */
export function ensureMetrics(): Metrics {
  if (metrics) return metrics;
  const inflight = gauge('apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', ['request_kind']);
  // Upstream samples the peak of each second; here the peak since the previous scrape.
  onCollect(inflight, () => {
    inflight.set(READ_ONLY_LABELS, peak[READ_ONLY]);
    inflight.set(MUTATING_LABELS, peak[MUTATING]);
    peak[READ_ONLY] = current[READ_ONLY];
    peak[MUTATING] = current[MUTATING];
  });
  metrics = {
    total: CounterFamily.register(registry, 'apiserver_request_total', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', [
      'verb',
      'dry_run',
      'group',
      'version',
      'resource',
      'subresource',
      'scope',
      'component',
      'code',
    ]),
    duration: HistogramFamily.register(
      registry,
      'apiserver_request_duration_seconds',
      'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      REQUEST_BUCKETS,
    ),
    sli: HistogramFamily.register(
      registry,
      'apiserver_request_sli_duration_seconds',
      'Response latency distribution (not counting long-running requests) in seconds for each verb, group, version, resource, subresource, scope and component.',
      ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      SLI_BUCKETS,
    ),
    longRunning: gauge('apiserver_longrunning_requests', 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.', [
      'verb',
      'group',
      'version',
      'resource',
      'subresource',
      'scope',
      'component',
    ]),
    inflight,
  };
  return metrics;
}

/**
 * Runs `fn` before each scrape reads `g` (prom-client's `collect` hook; src/util/metrics.ts
 * creates metrics without it, and a metric found again in the registry keeps the latest).
 */
export function onCollect<L extends string>(g: Gauge<L>, fn: () => void): void {
  (g as unknown as { collect?: () => void }).collect = fn;
}

const READ_ONLY = 0;
const MUTATING = 1;
const READ_ONLY_LABELS = { request_kind: 'readOnly' } as const;
const MUTATING_LABELS = { request_kind: 'mutating' } as const;
const current = [0, 0];
const peak = [0, 0];

/** One label combination: its label objects and series handles, built once. */
export interface RequestSeries {
  readonly longRunning: boolean;
  readonly kind: number;
  readonly labels: Readonly<Record<RequestLabel, string>>;
  readonly baseLabels: Readonly<Record<BaseLabel, string>>;
  readonly duration: HistogramSeries;
  readonly sli: HistogramSeries;
  readonly byCode: Map<number, CounterSeries>;
}

/** Series by resource, then by a small number encoding verb, scope, dry run and subresource. */
const seriesCache = new WeakMap<ResourceDef, Map<number, RequestSeries>>();

/** Reported verbs; any other method is `other`, as upstream. */
const VERBS = ['GET', 'LIST', 'WATCH', 'POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'CONNECT', 'other'] as const;
const V = { GET: 0, LIST: 1, WATCH: 2, POST: 3, PUT: 4, PATCH: 5, APPLY: 6, DELETE: 7, CONNECT: 8, other: 9 } as const;
const SCOPES = ['resource', 'namespace', 'cluster'] as const;


/**
 * The series of a resource request to a known resource, as upstream reports it. `def` is
 * the resolved resource (its group/version/plural are the label values); the subresource
 * label is kept only when the resource has it, so label values stay bounded.
 */
export function requestSeries(req: IncomingMessage, url: URL, info: ResourceRequestInfo, def: ResourceDef): RequestSeries {
  const method = req.method ?? 'GET';
  // Upstream's scope: a named object or any create is `resource`.
  const scope = info.name || method === 'POST' ? 0 : info.namespace ? 1 : 2;
  const subIndex = info.subresource === undefined ? -1 : def.subresources.findIndex((s) => s.name === info.subresource);
  let verb: number;
  if (subIndex >= 0 && CONNECT_SUBRESOURCES.has(info.subresource!)) verb = V.CONNECT;
  else if (method === 'GET' || method === 'HEAD') verb = info.watch || isWatchQuery(url.searchParams) ? V.WATCH : scope === 0 ? V.GET : V.LIST;
  else if (method === 'PATCH') verb = (req.headers['content-type'] ?? '').startsWith('application/apply-patch') ? V.APPLY : V.PATCH;
  else verb = method === 'POST' ? V.POST : method === 'PUT' ? V.PUT : method === 'DELETE' ? V.DELETE : V.other;
  const dryRun = url.search.length > 0 && url.searchParams.getAll('dryRun').includes('All') ? 1 : 0;
  const key = (((verb * 3 + scope) * 2 + dryRun) << 8) + subIndex + 1;
  let byKey = seriesCache.get(def);
  if (!byKey) {
    byKey = new Map();
    seriesCache.set(def, byKey);
  }
  let s = byKey.get(key);
  if (!s) {
    s = newSeries(VERBS[verb], SCOPES[scope], dryRun ? 'All' : '', subIndex >= 0 ? info.subresource! : '', method, def);
    byKey.set(key, s);
  }
  return s;
}

function newSeries(verb: string, scope: string, dryRun: string, sub: string, method: string, def: ResourceDef): RequestSeries {
  const m = ensureMetrics();
  const baseLabels = { verb, group: def.group, version: def.version, resource: def.plural, subresource: sub, scope, component: COMPONENT };
  // Upstream's label order (the text format keeps it).
  const labels = { verb, dry_run: dryRun, group: def.group, version: def.version, resource: def.plural, subresource: sub, scope, component: COMPONENT };
  return {
    longRunning: verb === 'WATCH' || verb === 'CONNECT',
    kind: method === 'GET' || method === 'HEAD' ? READ_ONLY : MUTATING,
    baseLabels,
    labels,
    duration: m.duration.seriesFor(labels),
    sli: m.sli.seriesFor(baseLabels),
    byCode: new Map(),
  };
}

function countOf(s: RequestSeries, code: number): CounterSeries {
  let c = s.byCode.get(code);
  if (!c) {
    const labels: Record<CodeLabel, string> = { ...s.labels, code: String(code) };
    c = metrics!.total.seriesFor(labels);
    s.byCode.set(code, c);
  }
  return c;
}

/** Call when a request that is not long-running starts; pair with `endRequest`. */
export function beginRequest(s: RequestSeries): void {
  ensureMetrics();
  if (s.longRunning) {
    metrics!.longRunning.inc(s.baseLabels);
    return;
  }
  const n = ++current[s.kind];
  if (n > peak[s.kind]) peak[s.kind] = n;
}

/**
 * Records the request after its handler returned (or threw): at once for ordinary
 * requests; for a long-running one still streaming, counted now if its status is sent and
 * observed when the response closes.
 */
export function endRequest(s: RequestSeries, req: IncomingMessage, res: ServerResponse, startMs: number): void {
  if (!s.longRunning) {
    current[s.kind]--;
    if (res.statusCode === 401) return;
    const seconds = (performance.now() - startMs) / 1000;
    countOf(s, res.statusCode).inc();
    s.duration.observe(seconds);
    s.sli.observe(seconds);
    return;
  }
  if (res.writableEnded && res.headersSent) {
    finishLongRunning(s, res, startMs, true);
    return;
  }
  const counted = res.headersSent;
  if (counted) countOf(s, res.statusCode).inc();
  // An upgraded connection (exec, attach, portforward) leaves the response behind: its
  // socket closing ends the request.
  const socket = req.socket;
  let done = false;
  const onClose = (): void => {
    if (done) return;
    done = true;
    res.off('close', onClose);
    socket?.off('close', onClose);
    finishLongRunning(s, res, startMs, !counted, isUpgradeRequest(req));
  };
  res.once('close', onClose);
  socket?.once('close', onClose);
}

function finishLongRunning(s: RequestSeries, res: ServerResponse, startMs: number, count: boolean, upgraded = false): void {
  metrics!.longRunning.dec(s.baseLabels);
  if (res.statusCode === 401) return;
  // A connection the kubelet proxy took over answered 101 on the raw socket, not through `res`.
  if (count) countOf(s, !res.headersSent && upgraded ? 101 : res.statusCode).inc();
  s.duration.observe((performance.now() - startMs) / 1000);
}
