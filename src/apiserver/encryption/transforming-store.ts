// A Store that encrypts values on the way in and decrypts them on the way out (upstream's
// value transformer inside its etcd3 store, here a wrapper so that it works for every
// backend: SQLite, memory, etcd). The API server wraps the Store of each resource the
// encryption configuration names; the backends never see plaintext of those resources.
//
// Reads that cannot be decrypted throw a 500 StatusError naming the key problem (a missing
// key, a changed secret); they never hand undecryptable bytes on. A watch event that cannot
// be decrypted ends the watch through onError (the watch cache logs it).
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchHandle, WatchOptions } from '../../storage/index.js';
import type { ResourceTransformer } from './transformer.js';

export class TransformingStore implements Store {
  constructor(
    private readonly inner: Store,
    readonly transformer: ResourceTransformer,
  ) {}

  currentRevision(): number {
    return this.inner.currentRevision();
  }

  compactedRevision(): number {
    return this.inner.compactedRevision();
  }

  private open(kv: KeyValue): KeyValue {
    return { ...kv, value: this.transformer.fromStorage(kv.value, kv.key).value };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = await this.inner.get(key);
    return kv && this.open(kv);
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.open(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const kv = await this.inner.create(key, this.transformer.toStorage(value, key));
    return { ...kv, value };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const kv = await this.inner.update(key, this.transformer.toStorage(value, key), expectedModRevision);
    return { ...kv, value };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.open(await this.inner.delete(key, expectedModRevision));
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    let handle: WatchHandle | undefined;
    let failed = false;
    const onEvent = (ev: StoreEvent): void => {
      if (failed) return;
      let out: StoreEvent;
      try {
        out = ev.type === 'put' ? { type: 'put', kv: this.open(ev.kv), prev: ev.prev && this.open(ev.prev) } : { ...ev, prev: this.open(ev.prev) };
      } catch (e) {
        failed = true;
        handle?.cancel();
        opts.onError?.(e as Error);
        return;
      }
      opts.onEvent(out);
    };
    handle = this.inner.watch(prefix, { ...opts, onEvent });
    return handle;
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Whether the stored value of `key` was written with another key than the current write key
   * (upstream's "stale" read): an update must then rewrite it even when nothing changed.
   */
  async isStale(key: string): Promise<boolean> {
    const kv = await this.inner.get(key);
    return !!kv && this.transformer.isStale(kv.value);
  }
}
