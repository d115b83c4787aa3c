// Picks a Store implementation from the --datastore flag value.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompactionOptions } from './auto-compaction.js';
import { isEtcdSpec, parseEtcdSpec, type EtcdTlsFiles } from './etcd/etcd-spec.js';
import { EtcdStore } from './etcd/etcd-store.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions extends CompactionOptions {
  /** Client certificate files for etcds:// (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  etcdTls?: EtcdTlsFiles;
}

/**
 * `sqlite` → `<dataDir>/state.db` (created with its folder if missing), `memory` → a
 * MemoryStore, `etcd://HOST:PORT[,…][?prefix=/P]` / `etcds://…` → an EtcdStore (await
 * storeReady before use: it connects in the background). Anything else is an Error.
 */
export function openStore(spec: string, dataDir: string, opts: OpenStoreOptions = {}): Store {
  if (spec === 'sqlite') {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteStore(join(dataDir, 'state.db'), opts);
  }
  if (spec === 'memory') return new MemoryStore(opts);
  if (isEtcdSpec(spec)) {
    const { etcdTls, ...compaction } = opts;
    return new EtcdStore(parseEtcdSpec(spec), { ...compaction, ...(etcdTls ? { tls: etcdTls } : {}) });
  }
  throw new Error(`unknown datastore "${spec}": expected sqlite, memory or etcd://host:port`);
}

/**
 * Resolves once the store can serve: at once for the local stores; for etcd once it answered
 * and its watch runs (rejects with one line saying what is wrong and what to do).
 */
export function storeReady(store: Store): Promise<void> {
  return store instanceof EtcdStore ? store.ready : Promise.resolve();
}
