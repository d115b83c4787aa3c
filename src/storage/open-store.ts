// Picks a Store implementation from the --datastore flag value.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompactionOptions } from './auto-compaction.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './types.js';

/**
 * `sqlite` → `<dataDir>/state.db` (created with its folder if missing), `memory` → a
 * MemoryStore, `etcd://...` → not implemented yet. Anything else is an Error.
 */
export function openStore(spec: string, dataDir: string, opts: CompactionOptions = {}): Store {
  if (spec === 'sqlite') {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteStore(join(dataDir, 'state.db'), opts);
  }
  if (spec === 'memory') return new MemoryStore(opts);
  if (spec.startsWith('etcd://') || spec.startsWith('etcds://')) {
    throw new Error('etcd datastore is not implemented yet');
  }
  throw new Error(`unknown datastore "${spec}": expected sqlite, memory or etcd://host:port`);
}
