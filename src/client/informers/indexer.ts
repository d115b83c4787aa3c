// A keyed object cache with named secondary indexes (client-go's ThreadSafeStore/Indexer).
// TL;DR caveats: objects are shared with every reader — never mutate them; index values
// are recomputed on every replace, so index functions must be cheap and pure.
import type { KObject } from '../../api/types/index.js';
import { keyOf, type IndexFunc, type Lister } from '../informer-types.js';

export const NAMESPACE_INDEX = 'namespace';

export class Indexer<T extends KObject = KObject> implements Lister<T> {
  private readonly items = new Map<string, Readonly<T>>();
  private readonly indexFns = new Map<string, IndexFunc<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly namespaced: boolean) {
    this.addIndex(NAMESPACE_INDEX, (o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexFns.has(name)) return;
    this.indexFns.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [k, o] of this.items) for (const v of fn(o)) addTo(idx, v, k);
  }

  get size(): number {
    return this.items.size;
  }

  getByKey(key: string): Readonly<T> | undefined {
    return this.items.get(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: Readonly<T>): Readonly<T> | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFns) {
      const idx = this.indexes.get(name)!;
      if (old) for (const v of fn(old)) removeFrom(idx, v, key);
      for (const v of fn(obj)) addTo(idx, v, key);
    }
    return old;
  }

  remove(key: string): Readonly<T> | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    for (const [name, fn] of this.indexFns) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(old)) removeFrom(idx, v, key);
    }
    return old;
  }

  get(namespace: string | undefined, name: string): Readonly<T> | undefined {
    return this.items.get(this.namespaced && namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string, predicate?: (o: Readonly<T>) => boolean): Readonly<T>[] {
    const out: Readonly<T>[] = [];
    if (namespace !== undefined && this.namespaced) {
      for (const k of this.indexes.get(NAMESPACE_INDEX)!.get(namespace) ?? []) {
        const o = this.items.get(k);
        if (o && (!predicate || predicate(o))) out.push(o);
      }
      return out;
    }
    for (const o of this.items.values()) if (!predicate || predicate(o)) out.push(o);
    return out;
  }

  byIndex(indexName: string, value: string): Readonly<T>[] {
    const idx = this.indexes.get(indexName);
    if (!idx) throw new Error(`no index named ${indexName}`);
    const out: Readonly<T>[] = [];
    for (const k of idx.get(value) ?? []) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }
}

function addTo(idx: Map<string, Set<string>>, v: string, key: string): void {
  let s = idx.get(v);
  if (!s) idx.set(v, (s = new Set()));
  s.add(key);
}

function removeFrom(idx: Map<string, Set<string>>, v: string, key: string): void {
  const s = idx.get(v);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) idx.delete(v);
}
