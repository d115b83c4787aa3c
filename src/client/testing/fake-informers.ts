// Informers for unit tests. Their contents are whatever the test puts in (add, update,
// delete) or, with FakeInformerFactory.fromClient, whatever a FakeApiClient commits.
// Handlers run synchronously, so after a write the informer already shows it. Objects
// are deep-frozen: a controller that mutates a cached object fails loudly.
import type { KObject } from '../../api/types/index.js';
import { clone } from '../../util/json.js';
import type { InformerFactory } from '../controller-types.js';
import {
  keyOf, type DeletedFinalStateUnknown, type Disposable, type EventHandler, type IndexFunc, type Lister,
  type SharedInformer,
} from '../informer-types.js';
import type { ResourceRef } from '../types.js';
import { deepFreeze } from './deep-freeze.js';
import type { FakeApiClient } from './fake-api-client.js';

const resKey = (res: ResourceRef): string => `${res.group}/${res.resource}`;

export const NAMESPACE_INDEX = 'namespace';

export class FakeSharedInformer<T extends KObject = KObject> implements SharedInformer<T> {
  readonly lister: Lister<T>;
  private readonly items = new Map<string, Readonly<T>>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → indexed value → object keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<EventHandler<T>>();
  private rv = '';

  constructor(readonly res: ResourceRef) {
    this.addIndexer(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
    const keyFor = (ns: string | undefined, name: string): string => (res.namespaced && ns ? `${ns}/${name}` : name);
    this.lister = {
      get: (ns, name) => this.items.get(keyFor(ns, name)),
      list: (ns, predicate) => {
        const objs = ns !== undefined && res.namespaced ? this.lister.byIndex(NAMESPACE_INDEX, ns) : [...this.items.values()];
        return predicate ? objs.filter(predicate) : objs;
      },
      byIndex: (name, value) => {
        const idx = this.indices.get(name);
        if (!idx) throw new Error(`index ${name} does not exist`);
        return [...(idx.get(value) ?? [])].map((k) => this.items.get(k)!);
      },
    };
  }

  addEventHandler(h: EventHandler<T>): Disposable {
    this.handlers.add(h);
    for (const o of this.items.values()) h.onAdd?.(o, true);
    return { dispose: () => void this.handlers.delete(h) };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`indexer ${name} already exists`);
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [k, o] of this.items) for (const v of fn(o)) addTo(idx, v, k);
  }

  hasSynced(): boolean {
    return true;
  }

  whenSynced(): Promise<void> {
    return Promise.resolve();
  }

  lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** Number of registered handlers (for tests that check dispose). */
  handlerCount(): number {
    return this.handlers.size;
  }

  // ---- driven by FakeInformerFactory ----

  /** Stores without notifying handlers (initial contents). */
  prime(obj: Readonly<T>): void {
    this.put(freeze(obj));
  }

  add(obj: Readonly<T>): void {
    const o = freeze(obj);
    const old = this.put(o);
    for (const h of [...this.handlers]) {
      if (old) h.onUpdate?.(old, o);
      else h.onAdd?.(o, false);
    }
  }

  update(obj: Readonly<T>): void {
    this.add(obj);
  }

  delete(obj: Readonly<T>, finalStateUnknown = false): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.delete(key);
    const o = old ?? freeze(obj);
    this.noteRV(obj);
    const delivered: Readonly<T> | DeletedFinalStateUnknown<T> = finalStateUnknown ? { key, obj: o, finalStateUnknown: true } : o;
    for (const h of [...this.handlers]) h.onDelete?.(delivered);
  }

  private put(o: Readonly<T>): Readonly<T> | undefined {
    const key = keyOf(o);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, o);
    for (const [name, fn] of this.indexers) for (const v of fn(o)) addTo(this.indices.get(name)!, v, key);
    this.noteRV(o);
    return old;
  }

  private unindex(key: string, o: Readonly<T>): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      for (const v of fn(o)) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }

  private noteRV(o: Readonly<T>): void {
    const rv = o.metadata.resourceVersion;
    if (rv && (this.rv === '' || Number(rv) >= Number(this.rv))) this.rv = rv;
  }
}

function addTo(idx: Map<string, Set<string>>, v: string, key: string): void {
  let set = idx.get(v);
  if (!set) idx.set(v, (set = new Set()));
  set.add(key);
}

function freeze<T>(o: Readonly<T>): Readonly<T> {
  return Object.isFrozen(o) ? o : deepFreeze(clone(o));
}

export class FakeInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, FakeSharedInformer<KObject>>();
  private source: FakeApiClient | undefined;

  /**
   * A factory mirroring `client`: informers start with the client's objects and follow
   * every write the client commits, synchronously.
   */
  static fromClient(client: FakeApiClient): FakeInformerFactory {
    const f = new FakeInformerFactory();
    f.source = client;
    client.onChange((res, type, obj) => {
      const inf = f.informers.get(resKey(res));
      if (!inf) return; // created later from client.objects(res)
      if (type === 'DELETED') inf.delete(obj);
      else inf.add(obj);
    });
    return f;
  }

  informerFor<T extends KObject = KObject>(res: ResourceRef): FakeSharedInformer<T> {
    const k = resKey(res);
    let inf = this.informers.get(k);
    if (!inf) {
      inf = new FakeSharedInformer<KObject>(res);
      this.informers.set(k, inf);
      if (this.source) for (const o of this.source.objects(res)) inf.prime(o);
    }
    return inf as unknown as FakeSharedInformer<T>;
  }

  /** Adds (or replaces, as an update) `obj`; handlers run before this returns. */
  add(res: ResourceRef, obj: Readonly<KObject>): void {
    this.informerFor(res).add(obj);
  }

  update(res: ResourceRef, obj: Readonly<KObject>): void {
    this.informerFor(res).update(obj);
  }

  /** Removes `obj`; with finalStateUnknown, handlers get a DeletedFinalStateUnknown tombstone. */
  delete(res: ResourceRef, obj: Readonly<KObject>, opts: { finalStateUnknown?: boolean } = {}): void {
    this.informerFor(res).delete(obj, opts.finalStateUnknown ?? false);
  }
}
