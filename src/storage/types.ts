// The storage contract (DESIGN.md, "Storage contract"): etcd semantics.
//
// Keys look like `/registry/<group>/<resource>/<namespace>/<name>`. One global revision
// counter; every successful write takes the next revision and the written key's
// `modRevision` is that revision. Values are opaque strings (the API server stores JSON).
// Only the API server talks to a Store.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created the key (reset when a deleted key is re-created). */
  createRevision: number;
  /** Revision of the last write to the key. Becomes metadata.resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Read the prefix as of this revision (0 or undefined: the current revision). */
  revision?: number;
  /** At most this many items (0 or undefined: no limit). */
  limit?: number;
  /** Start strictly after this key (the last key of the previous page). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys exist after the last returned item. */
  more: boolean;
  /** How many keys remain after this page (when known). */
  remaining?: number;
}

export type StoreEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue }
  | { type: 'delete'; key: string; revision: number; prev: KeyValue };

export interface WatchHandle {
  /** Stops delivery; idempotent. */
  cancel(): void;
}

export interface WatchOptions {
  /** Deliver every change with revision > afterRevision. */
  afterRevision: number;
  onEvent(ev: StoreEvent): void;
  /** Called once if the watch ends for a reason other than cancel (e.g. backend closed). */
  onError?(err: Error): void;
}

/** Error codes of the storage layer (err.code): ERR_STORAGE_* in src/util/error-codes.ts. */
export type { StorageErrorCode } from '../util/error-codes.js';
import type { StorageErrorCode } from '../util/error-codes.js';

export class StorageError extends Error {
  constructor(readonly code: StorageErrorCode, message: string, readonly key?: string, readonly revision?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

export interface Store {
  /** Current (latest) revision. */
  currentRevision(): number;
  /** Oldest revision still readable/watchable (compaction point + 1). */
  compactedRevision(): number;

  get(key: string): Promise<KeyValue | undefined>;
  /** Keys in lexical order under `prefix`. Throws ERR_STORAGE_COMPACTED if revision is compacted. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count keys under prefix at the current revision. */
  count(prefix: string): Promise<number>;

  /** Fails with ERR_STORAGE_KEY_EXISTS if the key exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Compare-and-swap on modRevision. ERR_STORAGE_KEY_NOT_FOUND if absent, ERR_STORAGE_CONFLICT
   * (with the current KeyValue readable through get) if modRevision differs.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Deletes the key; with expectedModRevision it is a CAS. Returns the deleted value. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  /**
   * Watch changes under `prefix` strictly after `afterRevision`, in revision order, each
   * with the previous value. Throws ERR_STORAGE_COMPACTED synchronously if afterRevision+1
   * is older than the compaction point.
   */
  watch(prefix: string, opts: WatchOptions): WatchHandle;

  /** Drop history at or below `revision` (never the latest value of a live key). */
  compact(revision: number): Promise<void>;

  close(): Promise<void>;
}
