// One resource's value transformer: the ordered keys of its providers. The first key of the
// first provider writes; reads pick the key by the stored value's prefix (upstream's
// PrefixTransformers). A value read with any other key than the write key is "stale": an
// update must rewrite it even when the object did not change, which is how
// `kubectl get secrets -A -o json | kubectl replace -f -` moves every Secret to the new key.
import { internalError } from '../../api/status.js';
import { counter, histogram } from '../../util/metrics.js';
import type { PrefixedTransformer } from './providers.js';

/** Every value a provider wrote starts with this; identity values never do (they are JSON). */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

export interface FromStorage {
  value: string;
  /** Not written with the current write key: an update must rewrite it. */
  stale: boolean;
}

export class ResourceTransformer {
  private readonly write: PrefixedTransformer;
  private readonly keyed: PrefixedTransformer[];
  private readonly identity: boolean;

  /** `keys` in config order; at least one. */
  constructor(readonly resource: string, keys: readonly PrefixedTransformer[]) {
    this.write = keys[0];
    this.keyed = keys.filter((k) => k.type !== 'identity');
    this.identity = keys.some((k) => k.type === 'identity');
  }

  /** The write key's provider and name, e.g. `aescbc:key1` (`identity`). */
  get writeKey(): string {
    return this.write.type === 'identity' ? 'identity' : `${this.write.type}:${this.write.keyName}`;
  }

  toStorage(plain: string, storageKey: string): string {
    const t = this.write;
    if (t.type === 'identity') return plain;
    const start = process.hrtime.bigint();
    try {
      const out = t.prefix + t.encrypt(Buffer.from(plain), storageKey).toString('base64');
      observe('to_storage', t.metricPrefix, 'OK', start);
      return out;
    } catch (e) {
      observe('to_storage', t.metricPrefix, 'Internal', start);
      throw internalError(new Error(`cannot encrypt ${storageKey} with ${this.writeKey}: ${(e as Error).message}`));
    }
  }

  /** Throws a 500 StatusError naming the key problem; never returns undecryptable bytes. */
  fromStorage(stored: string, storageKey: string): FromStorage {
    if (!stored.startsWith(ENCRYPTED_PREFIX)) {
      if (this.identity) return { value: stored, stale: this.write.type !== 'identity' };
      throw internalError(new Error(`${storageKey} is stored unencrypted and no identity provider is configured for ${this.resource}: add "- identity: {}" as the last provider to read it`));
    }
    const t = this.keyed.find((k) => stored.startsWith(k.prefix));
    if (!t) {
      const named = stored.slice(ENCRYPTED_PREFIX.length).split(':');
      throw internalError(new Error(`cannot decrypt ${storageKey}: it was written with ${named[0]} key "${named[2] ?? ''}", which the encryption configuration for ${this.resource} no longer lists: add the key back to the provider list`));
    }
    const start = process.hrtime.bigint();
    let plain: Buffer;
    try {
      plain = t.decrypt(Buffer.from(stored.slice(t.prefix.length), 'base64'), storageKey);
    } catch (e) {
      observe('from_storage', t.metricPrefix, 'Internal', start);
      throw internalError(new Error(`cannot decrypt ${storageKey} with ${t.type} key "${t.keyName}" (${(e as Error).message}): the key's secret differs from the one that wrote it`));
    }
    observe('from_storage', t.metricPrefix, 'OK', start);
    return { value: plain.toString('utf8'), stale: t !== this.write };
  }

  /** True when a stored value was not written with the current write key. */
  isStale(stored: string): boolean {
    if (this.write.type === 'identity') return stored.startsWith(ENCRYPTED_PREFIX);
    return !stored.startsWith(this.write.prefix);
  }
}

type Direction = 'to_storage' | 'from_storage';

function observe(dir: Direction, prefix: string, status: string, start: bigint): void {
  // Upstream's names and labels (k8s.io/apiserver/pkg/storage/value/metrics.go).
  counter('apiserver_storage_transformation_operations_total', 'Total number of transformations. Successful transformation will have a status \'OK\' and a varied status string when the transformation fails.', ['transformation_type', 'transformer_prefix', 'status'])
    .inc({ transformation_type: dir, transformer_prefix: prefix, status });
  histogram('apiserver_storage_transformation_duration_seconds', 'Latencies in seconds of value transformation operations.', ['transformation_type', 'transformer_prefix'], [5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2, 0.1, 1])
    .observe({ transformation_type: dir, transformer_prefix: prefix }, Number(process.hrtime.bigint() - start) / 1e9);
}
