// The dashboard's one stream: the watches the page needs, fanned into a single NDJSON response
// (a browser holds at most 6 HTTP/1.1 connections per host, and one ordered stream is simpler
// to reason about than ten). Each watch runs through the normal API with the user's own client,
// so authentication, RBAC, limits and audit apply exactly as they would to kubectl.
//
//   per resource:  list ──▶ SYNC{items} ──▶ watch from its resourceVersion ──▶ ADDED/MODIFIED/DELETED
//                    ▲                         │ ends (timeout): watch again from the last RV
//                    └──── 410 Gone / ERROR ───┘ (relist)
//   forbidden list ──▶ DENIED{message}, that resource only (the others go on)
//
// Frames (one JSON object per line): HELLO {user}, SYNC {resource, items}, ADDED|MODIFIED|DELETED
// {resource, object}, DENIED {resource, message}, STATS {node, cpuCores, memoryBytes, pods} or
// {node, error} (every 10 s, node-stats.ts), PING (every 30 s, so proxies keep it open).
import type { KObject } from '../api/types/index.js';
import { isForbidden } from '../api/status.js';
import { R, type ApiClient, type ResourceRef, type WatchStream } from '../client/index.js';
import { nodeUsage, parseResourceMetrics, type ResourceSample } from './node-stats.js';

/** What the page watches, by the name frames carry. */
export const STREAM_RESOURCES: Readonly<Record<string, ResourceRef>> = {
  namespaces: R.namespaces,
  nodes: R.nodes,
  pods: R.pods,
  services: R.services,
  endpointslices: R.endpointslices,
  ingresses: R.ingresses,
  deployments: R.deployments,
  replicasets: R.replicasets,
  statefulsets: R.statefulsets,
  daemonsets: R.daemonsets,
  events: R.events,
};

export type StreamFrame =
  | { type: 'HELLO'; user: string }
  | { type: 'SYNC'; resource: string; items: KObject[] }
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: string; object: KObject }
  | { type: 'DENIED'; resource: string; message: string }
  | { type: 'STATS'; node: string; cpuCores?: number; memoryBytes?: number; pods?: number; error?: string }
  | { type: 'PING' };

/** Fields the page never shows, dropped to keep frames small (managedFields is most of an object). */
export function slim(o: KObject): KObject {
  if (!o.metadata?.managedFields && !o.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) return o;
  const { managedFields: _m, ...metadata } = o.metadata;
  if (metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    const { ['kubectl.kubernetes.io/last-applied-configuration']: _l, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return { ...o, metadata };
}

const RETRY_MS = 1000;
export const STATS_INTERVAL_MS = 10_000;
/** Nodes scraped per round at most (by name): a page on a 5,000-node cluster must not scrape them all. */
export const STATS_MAX_NODES = 100;

/** What the stream needs of a client: list, watch, and a raw GET (node stats). */
export type StreamClient = Pick<ApiClient, 'list' | 'watch'> & { request(method: string, path: string): Promise<{ status: number; body: Buffer }> };

/**
 * Runs the list+watch loops until `signal` aborts, handing each frame to `send`. Cluster-scoped
 * resources (namespaces, nodes) are watched whatever `namespace` is; `namespace` undefined means
 * all namespaces. The nodes the stream has seen get their stats every `statsIntervalMs`.
 */
export function runStream(client: StreamClient, namespace: string | undefined, send: (f: StreamFrame) => void, signal: AbortSignal, statsIntervalMs = STATS_INTERVAL_MS): Promise<void> {
  const nodes = new Set<string>();
  const track = (f: StreamFrame): void => {
    if ('resource' in f && f.resource === 'nodes') {
      if (f.type === 'SYNC') {
        nodes.clear();
        for (const o of f.items) nodes.add(o.metadata.name!);
      } else if (f.type === 'ADDED' || f.type === 'MODIFIED') nodes.add(f.object.metadata.name!);
      else if (f.type === 'DELETED') nodes.delete(f.object.metadata.name!);
    }
    send(f);
  };
  const loops = Object.entries(STREAM_RESOURCES).map(([name, ref]) => watchLoop(client, name, ref, ref.namespaced ? namespace : undefined, track, signal));
  return Promise.all([...loops, statsLoop(client, nodes, send, signal, statsIntervalMs)]).then(() => undefined);
}

/** Scrapes each known node's /metrics/resource through nodes/proxy, as the user, until aborted. */
async function statsLoop(client: StreamClient, nodes: ReadonlySet<string>, send: (f: StreamFrame) => void, signal: AbortSignal, intervalMs: number): Promise<void> {
  const prev = new Map<string, ResourceSample>();
  // The first scrape waits for the node list (the first SYNC) for a moment.
  await sleep(signal, Math.min(intervalMs, 500));
  while (!signal.aborted) {
    for (const node of [...nodes].sort().slice(0, STATS_MAX_NODES)) {
      if (signal.aborted) return;
      try {
        const r = await client.request('GET', `/api/v1/nodes/${encodeURIComponent(node)}/proxy/metrics/resource`);
        if (r.status === 403) {
          send({ type: 'DENIED', resource: 'nodes/proxy', message: messageOf(r.body) });
          return;
        }
        if (r.status !== 200) {
          send({ type: 'STATS', node, error: messageOf(r.body) });
          continue;
        }
        const cur = parseResourceMetrics(r.body.toString('utf8'), Date.now());
        send({ type: 'STATS', node, ...nodeUsage(cur, prev.get(node)) });
        prev.set(node, cur);
      } catch (e) {
        send({ type: 'STATS', node, error: (e as Error).message });
      }
    }
    for (const n of prev.keys()) if (!nodes.has(n)) prev.delete(n);
    await sleep(signal, intervalMs);
  }
}

function messageOf(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { message?: unknown }).message ?? '');
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}

function sleep(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function watchLoop(client: StreamClient, name: string, ref: ResourceRef, namespace: string | undefined, send: (f: StreamFrame) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let rv: string | undefined;
    try {
      const list = await client.list(ref, namespace);
      if (signal.aborted) return;
      rv = list.metadata?.resourceVersion;
      send({ type: 'SYNC', resource: name, items: list.items.map(slim) });
    } catch (e) {
      if (isForbidden(e)) {
        // RBAC said no: say so once and stop this resource (the answer will not change by retrying soon).
        send({ type: 'DENIED', resource: name, message: (e as Error).message });
        return;
      }
      await sleep(signal, RETRY_MS);
      continue;
    }
    // Watch from rv until the server says it is too old (410: relist) or the stream stops; a
    // watch that simply ends (its timeout) is started again from the last resourceVersion.
    let relist = false;
    while (!signal.aborted && !relist) {
      const w: WatchStream = client.watch(ref, namespace, { resourceVersion: rv, allowWatchBookmarks: true }, (ev) => {
        if (ev.type === 'ERROR') {
          relist = true;
          return;
        }
        const obj = ev.object as KObject;
        if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') return;
        send({ type: ev.type, resource: name, object: slim(obj) });
      });
      const stop = (): void => w.stop();
      signal.addEventListener('abort', stop, { once: true });
      await w.done;
      signal.removeEventListener('abort', stop);
      if (w.error && !relist && !signal.aborted) await sleep(signal, RETRY_MS);
    }
  }
}
