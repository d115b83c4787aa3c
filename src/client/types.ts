// The client surface every component (controllers, scheduler, kubelet, proxy) programs
// against. Components meet only through the API: they read through informers and write
// through an ApiClient. Errors are StatusErrors decoded from the server's Status, so
// predicates like isNotFound/isConflict/isAlreadyExists (src/api/status.ts) work on them.
import type { KObject, KList, WatchEvent } from '../api/types/index.js';

/** A REST resource: group ("" for core), version, plural. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespaced: boolean;
  readonly kind: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  subresource?: string;
  /** Server-side apply only. */
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** The decoded watch event of api/types (one definition); the name stays for the clients that use it. */
export type WatchEventOf<T = KObject> = WatchEvent<T>;

export interface WatchStream {
  /** Stops the watch; `done` then resolves. Idempotent. */
  stop(): void;
  /** Resolves when the stream ends (server closed it, stop(), or error — see `error`). */
  readonly done: Promise<void>;
  /** Set when the stream ended because of a transport error. */
  readonly error?: Error;
}

export interface ApiClient {
  get<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KObject = KObject>(res: ResourceRef, namespace?: string, opts?: ListOptions): Promise<KList<T>>;
  create<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T>;
  /** PUT of the whole object; with metadata.resourceVersion set it is a compare-and-swap. */
  update<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T>;
  /** PUT to /status. */
  updateStatus<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T>;
  patch<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T>;
  delete(res: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>;
  /** POST to a subresource (binding, eviction, token, ...). Returns the decoded response. */
  createSubresource<T = unknown>(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T>;
  /** Streams watch events until stopped or the server ends the watch. ERROR events are delivered as events. */
  watch<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEventOf<T>) => void): WatchStream;
}
