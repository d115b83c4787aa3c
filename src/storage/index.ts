// Public surface of src/storage. Other components import only from here.

export * from './types.js';
export { MemoryStore, INITIAL_REVISION, type MemoryStoreOptions } from './memory-store.js';
export { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from './sqlite-store.js';
export {
  DEFAULT_COMPACT_INTERVAL_MS,
  DEFAULT_RETAIN_REVISIONS,
  type CompactionOptions,
} from './auto-compaction.js';
export { openStore } from './open-store.js';
export { storeReady, type OpenStoreOptions } from './open-store.js';
export { EtcdStore, createEtcdClient, describeStartError, type EtcdStoreOptions } from './etcd/etcd-store.js';
export { parseEtcdSpec, isEtcdSpec, type EtcdSpec, type EtcdTlsFiles } from './etcd/etcd-spec.js';
