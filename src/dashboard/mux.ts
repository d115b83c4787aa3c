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
// {resource, object}, DENIED {resource, message}, PING (every 30 s, so proxies keep it open).
import type { KObject } from '../api/types/index.js';
import { isForbidden } from '../api/status.js';
import { R, type ApiClient, type ResourceRef, type WatchStream } from '../client/index.js';

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

/**
 * Runs the list+watch loops until `signal` aborts, handing each frame to `send`. Cluster-scoped
 * resources (namespaces, nodes) are watched whatever `namespace` is; `namespace` undefined means
 * all namespaces.
 */
export function runStream(client: Pick<ApiClient, 'list' | 'watch'>, namespace: string | undefined, send: (f: StreamFrame) => void, signal: AbortSignal): Promise<void> {
  const loops = Object.entries(STREAM_RESOURCES).map(([name, ref]) => watchLoop(client, name, ref, ref.namespaced ? namespace : undefined, send, signal));
  return Promise.all(loops).then(() => undefined);
}

async function watchLoop(client: Pick<ApiClient, 'list' | 'watch'>, name: string, ref: ResourceRef, namespace: string | undefined, send: (f: StreamFrame) => void, signal: AbortSignal): Promise<void> {
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
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
      await sleep(RETRY_MS);
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
      if (w.error && !relist && !signal.aborted) await sleep(RETRY_MS);
    }
  }
}
