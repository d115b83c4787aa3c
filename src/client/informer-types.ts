// Informers keep a local, eventually consistent copy of a resource (list + watch), and tell
// handlers what changed. Guarantees (as client-go's SharedInformer): events for one object
// arrive in order; no ordering across objects; after a relist, handlers see the difference
// (adds, updates, deletes) as events; objects handed out are shared and must not be mutated.
import type { KObject } from '../api/types/index.js';

export interface Disposable {
  dispose(): void;
}

/** Object delivered for deletes the informer did not observe directly (missed during a relist). */
export interface DeletedFinalStateUnknown<T = KObject> {
  key: string;
  obj: Readonly<T>;
  /** Marker: the object may be stale. */
  finalStateUnknown: true;
}

export interface EventHandler<T = KObject> {
  onAdd?(obj: Readonly<T>, isInitialList: boolean): void;
  /** Also called on periodic resync with old === new (same resourceVersion). */
  onUpdate?(oldObj: Readonly<T>, newObj: Readonly<T>): void;
  onDelete?(obj: Readonly<T> | DeletedFinalStateUnknown<T>): void;
}

export type IndexFunc<T = KObject> = (obj: Readonly<T>) => string[];

export interface Lister<T = KObject> {
  /** namespace is ignored for cluster-scoped resources. */
  get(namespace: string | undefined, name: string): Readonly<T> | undefined;
  /** All objects, or those in one namespace; optional predicate. */
  list(namespace?: string, predicate?: (o: Readonly<T>) => boolean): Readonly<T>[];
  byIndex(indexName: string, value: string): Readonly<T>[];
}

export interface SharedInformer<T = KObject> {
  readonly lister: Lister<T>;
  addEventHandler(h: EventHandler<T>): Disposable;
  /** Adds a named index (before or after start). The `namespace` index exists by default. */
  addIndexer(name: string, fn: IndexFunc<T>): void;
  hasSynced(): boolean;
  /** Resolves once the initial list has been delivered to the store. */
  whenSynced(): Promise<void>;
  /** Last resourceVersion observed. */
  lastSyncResourceVersion(): string;
}

/** `namespace/name` or `name` for cluster-scoped objects — the work-queue key convention. */
export function keyOf(obj: Readonly<KObject>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function isDeletedFinalStateUnknown<T>(o: unknown): o is DeletedFinalStateUnknown<T> {
  return typeof o === 'object' && o !== null && (o as { finalStateUnknown?: unknown }).finalStateUnknown === true;
}
