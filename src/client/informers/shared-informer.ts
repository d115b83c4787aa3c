// One reflector, one cache, many handlers. Handlers are called synchronously in event order
// (per object ordering is therefore preserved); they must only enqueue work. A throwing
// handler is logged and does not affect the others.
import type { KObject } from '../../api/types/index.js';
import type { ApiClient, ResourceRef } from '../types.js';
import { keyOf, type Disposable, type EventHandler, type IndexFunc, type Lister, type SharedInformer } from '../informer-types.js';
import { Indexer } from './indexer.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import { logger } from '../../util/log.js';

const log = logger('informer');

export interface InformerOptions extends ReflectorOptions {
  /** Periodic onUpdate(obj, obj) for every object (0: never). */
  resyncMs?: number;
}

export class ClientSharedInformer<T extends KObject = KObject> implements SharedInformer<T> {
  private readonly indexer: Indexer<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly reflector: Reflector<T>;
  private running = false;

  constructor(client: ApiClient, readonly res: ResourceRef, private readonly opts: InformerOptions = {}) {
    this.indexer = new Indexer<T>(res.namespaced);
    this.reflector = new Reflector<T>(
      client,
      res,
      {
        replace: (items, _rv, initial) => this.replace(items, initial),
        added: (o) => this.upsert(o),
        modified: (o) => this.upsert(o),
        deleted: (o) => this.remove(o),
        progress: () => {},
      },
      opts,
    );
  }

  get lister(): Lister<T> {
    return this.indexer;
  }

  addEventHandler(h: EventHandler<T>): Disposable {
    this.handlers.add(h);
    // Late handlers see the current state as adds, like client-go.
    if (this.synced) for (const o of this.indexer.list()) this.call(() => h.onAdd?.(o, true));
    return { dispose: () => void this.handlers.delete(h) };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.indexer.addIndex(name, fn);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastResourceVersion;
  }

  run(signal: AbortSignal): void {
    if (this.running) return;
    this.running = true;
    void this.reflector.run(signal);
    if (this.opts.resyncMs && this.opts.resyncMs > 0) {
      const t = setInterval(() => {
        for (const o of this.indexer.list()) for (const h of this.handlers) this.call(() => h.onUpdate?.(o, o));
      }, this.opts.resyncMs);
      t.unref();
      signal.addEventListener('abort', () => clearInterval(t), { once: true });
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      log.error(`${this.res.resource}: handler failed: ${e instanceof Error ? (e.stack ?? e.message).replace(/\s*\n\s*/g, ' ') : String(e)}`);
    }
  }

  private upsert(obj: T): void {
    const old = this.indexer.upsert(obj);
    for (const h of this.handlers) this.call(() => (old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj, false)));
  }

  private remove(obj: T): void {
    const old = this.indexer.remove(keyOf(obj));
    for (const h of this.handlers) this.call(() => h.onDelete?.(obj ?? old));
  }

  private replace(items: T[], initial: boolean): void {
    const seen = new Set<string>();
    for (const o of items) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.indexer.upsert(o);
      for (const h of this.handlers) {
        if (!old) this.call(() => h.onAdd?.(o, initial));
        else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.call(() => h.onUpdate?.(old, o));
      }
    }
    // Objects gone while we were not watching: deleted with their last known state.
    for (const k of [...this.indexer.keys()]) {
      if (seen.has(k)) continue;
      const old = this.indexer.remove(k)!;
      for (const h of this.handlers) this.call(() => h.onDelete?.({ key: k, obj: old, finalStateUnknown: true }));
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }
}
