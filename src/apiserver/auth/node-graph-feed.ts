// Feeds the Node authorizer's graph from the API server's pod watch cache: one scan, then every
// event, synchronously with the cache (a pod is in the graph before any client can learn of it).
import type { Pod } from '../../api/types/index.js';
import type { WatchCache } from '../cache/watch-cache.js';
import type { NodeGraph } from './node-graph.js';

/** Starts feeding; returns the function that stops it. */
export function feedNodeGraph(graph: NodeGraph, pods: WatchCache): () => void {
  for (const c of pods.scan(pods.prefix)) graph.setPod(c.obj as Readonly<Pod>);
  // Replaying every retained event after the scan ends in the current state for each pod it
  // touches, and misses nothing an asynchronous store had committed but not yet delivered.
  const w = pods.watchFrom(pods.oldestWatchableRevision, {
    onEvent(ev) {
      const pod = ev.cur.obj as Readonly<Pod>;
      if (ev.type === 'DELETED') graph.deletePod(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
      else graph.setPod(pod);
    },
  });
  return () => w?.cancel();
}
