// Storage latency as the API server sees it: a decorator of the Store interface that times
// every operation into upstream's etcd_request_duration_seconds{operation,type}, whatever the
// backend (SQLite, memory, etcd). `type` is the resource of the key (`pods`,
// `deployments.apps`, as in apiserver_storage_objects); operations are get, list, count,
// create, update, delete, watch (starting the watch) and compact (type "").
//
// It wraps only the Store interface, so backends stay unaware of metrics. Failed operations
// are timed too, as upstream does. Label objects are cached per (operation, type).
import type { KeyValue, ListOptions, ListResult, Store, WatchHandle, WatchOptions } from '../storage/index.js';
import { gauge, registry } from '../util/metrics.js';
import { HistogramFamily, type HistogramSeries } from '../util/metric-families.js';
import { onCollect } from './request-metrics.js';

/**
 * Buckets from 100 µs to 60 s. Upstream's start at 5 ms (a networked etcd); the embedded
 * stores answer in microseconds, so the lower decades carry the information here.
 */
const STORAGE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];

type Operation = 'get' | 'list' | 'count' | 'create' | 'update' | 'delete' | 'watch' | 'compact';

/**
 * The resource a storage key belongs to: `/registry/<group>/<resource>/...` with group
 * `core` for the legacy group gives `resource` or `resource.group`; other keys give their
 * second path element.
 */
export function storageType(key: string): string {
  if (!key.startsWith('/registry/')) return '';
  const g = key.indexOf('/', 10);
  if (g < 0) return key.slice(10);
  const group = key.slice(10, g);
  const r = key.indexOf('/', g + 1);
  const resource = key.slice(g + 1, r < 0 ? undefined : r);
  if (!resource) return group;
  return group === 'core' ? resource : `${resource}.${group}`;
}

export class InstrumentedStore implements Store {
  private readonly hist: HistogramFamily;
  /** Series by operation and the key's resource prefix (`/registry/<group>/<resource>`). */
  private readonly seriesCache = new Map<string, HistogramSeries>();

  constructor(private readonly inner: Store) {
    this.hist = HistogramFamily.register(registry, 'etcd_request_duration_seconds', 'Etcd request latency in seconds for each operation and object type.', ['operation', 'type'], STORAGE_BUCKETS);
  }

  private seriesFor(op: Operation, key: string): HistogramSeries {
    // Cache on the key's first three elements; names and namespaces never reach a label.
    let end = key.indexOf('/', 10);
    if (end >= 0) end = key.indexOf('/', end + 1);
    const prefix = end < 0 ? key : key.slice(0, end);
    const ck = op + prefix;
    let s = this.seriesCache.get(ck);
    if (!s) {
      s = this.hist.seriesFor({ operation: op, type: storageType(key) });
      this.seriesCache.set(ck, s);
    }
    return s;
  }

  private observe(op: Operation, key: string, start: number): void {
    this.seriesFor(op, key).observe((performance.now() - start) / 1000);
  }

  currentRevision(): number {
    return this.inner.currentRevision();
  }

  compactedRevision(): number {
    return this.inner.compactedRevision();
  }

  /** Runs a store operation, observing its latency under `operation` whether it succeeds or not. */
  private async timed<T>(operation: Operation, key: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.observe(operation, key, start);
    }
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.timed('get', key, () => this.inner.get(key));
  }

  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.timed('list', prefix, () => this.inner.list(prefix, opts));
  }

  count(prefix: string): Promise<number> {
    return this.timed('count', prefix, () => this.inner.count(prefix));
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.timed('create', key, () => this.inner.create(key, value));
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.timed('update', key, () => this.inner.update(key, value, expectedModRevision));
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.timed('delete', key, () => this.inner.delete(key, expectedModRevision));
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    const start = performance.now();
    try {
      return this.inner.watch(prefix, opts);
    } finally {
      this.observe('watch', prefix, start);
    }
  }

  compact(revision: number): Promise<void> {
    return this.timed('compact', '', () => this.inner.compact(revision));
  }

  /** Closing belongs to whoever opened the inner store; this passes it on. */
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Wraps a store once: an already instrumented store is returned as is. */
export function instrumentStore(store: Store): Store {
  return store instanceof InstrumentedStore ? store : new InstrumentedStore(store);
}

/** Counts of stored objects by resource label (`pods`, `deployments.apps`). */
export type ObjectCounts = () => Iterable<readonly [resource: string, count: number]>;

const objectSources = new Set<ObjectCounts>();

/**
 * Serves apiserver_storage_objects{resource} from `source` (the watch caches' sizes, which
 * cost nothing to read) at each scrape until the returned function is called.
 */
export function trackStorageObjects(source: ObjectCounts): () => void {
  const g = gauge('apiserver_storage_objects', 'Number of stored objects at the time of last check split by kind.', ['resource']);
  onCollect(g, () => {
    g.reset();
    for (const src of objectSources) for (const [resource, n] of src()) g.inc({ resource }, n);
  });
  objectSources.add(source);
  return () => void objectSources.delete(source);
}
