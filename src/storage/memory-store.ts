// MemoryStore: the Store contract in memory, with full MVCC history until compaction.
// For tests and `--datastore memory`; nothing survives the process.
//
// State:
//   history  key → versions ascending by revision; a version with kv === undefined is a
//            delete tombstone. list at revision R takes the latest version <= R.
//   keys     every key that has history, sorted (binary-searched for prefix scans).
//   events   every committed event with revision > compaction point, ascending
//            (watch replay).
// Returned KeyValues and events are frozen and shared: callers must not mutate them.

import {
  autoCompactionTarget,
  DEFAULT_RETAIN_REVISIONS,
  startAutoCompaction,
  type AutoCompaction,
  type CompactionOptions,
} from './auto-compaction.js';
import { lowerBound, prefixEnd, searchSorted } from './key-range.js';
import { closed, compacted, conflict, futureRevision, keyExists, keyNotFound } from './storage-errors.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchHandle, WatchOptions } from './types.js';
import { eventRevision, WatchHub } from './watch-hub.js';

interface Version {
  readonly revision: number;
  /** undefined: the key was deleted at `revision`. */
  readonly kv: KeyValue | undefined;
}

export type MemoryStoreOptions = CompactionOptions;

/** Revision of an empty store, as in etcd: the first write gets revision 2. */
export const INITIAL_REVISION = 1;

export class MemoryStore implements Store {
  private rev = INITIAL_REVISION;
  /** Revisions <= point are compacted; compactedRevision() = point + 1. */
  private point = 0;
  private readonly history = new Map<string, Version[]>();
  private keys: string[] = [];
  private events: StoreEvent[] = [];
  private readonly hub: WatchHub;
  private readonly autoCompaction: AutoCompaction;
  private readonly retain: number;
  private isClosed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.point + 1,
      readHistory: (prefix, after, limit) => this.readHistory(prefix, after, limit),
    });
    this.retain = opts.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
    this.autoCompaction = startAutoCompaction(() => this.autoCompact(), opts);
  }

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.point + 1;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.ensureOpen();
    return latest(this.history.get(key));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const revision = this.readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const lb = lowerBound(prefix, opts.startAfter);
    const end = prefixEnd(prefix);
    const items: KeyValue[] = [];
    let remaining = 0;
    for (let i = searchSorted(this.keys, lb.key, lb.exclusive); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (end !== undefined ? key >= end : !key.startsWith(prefix)) break;
      const kv = this.at(key, revision);
      if (kv === undefined) continue;
      if (items.length < limit) items.push(kv);
      else remaining++;
    }
    return { items, revision, more: remaining > 0, remaining };
  }

  async count(prefix: string): Promise<number> {
    const { items } = await this.list(prefix);
    return items.length;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.ensureOpen();
    const versions = this.history.get(key);
    if (latest(versions) !== undefined) throw keyExists(key);
    const rev = this.rev + 1;
    const kv = freezeKv(key, value, rev, rev);
    this.append(key, versions, kv, rev);
    this.commit(Object.freeze({ type: 'put', kv }));
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.ensureOpen();
    const versions = this.history.get(key);
    const prev = latest(versions);
    if (prev === undefined) throw keyNotFound(key);
    if (prev.modRevision !== expectedModRevision) throw conflict(key, expectedModRevision, prev.modRevision);
    const rev = this.rev + 1;
    const kv = freezeKv(key, value, prev.createRevision, rev);
    this.append(key, versions, kv, rev);
    this.commit(Object.freeze({ type: 'put', kv, prev }));
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.ensureOpen();
    const versions = this.history.get(key);
    const prev = latest(versions);
    if (prev === undefined) throw keyNotFound(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw conflict(key, expectedModRevision, prev.modRevision);
    }
    const rev = this.rev + 1;
    this.append(key, versions, undefined, rev);
    this.commit(Object.freeze({ type: 'delete', key, revision: rev, prev }));
    return prev;
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    this.ensureOpen();
    return this.hub.watch(prefix, opts);
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision > this.rev) throw futureRevision(revision, this.rev);
    if (revision <= this.point) return;
    const kept: string[] = [];
    for (const key of this.keys) {
      const versions = this.history.get(key)!;
      // Keep the latest version <= revision (what reads in (revision, now] need) unless
      // it is a tombstone, and everything newer.
      let j = versions.length - 1;
      while (j >= 0 && versions[j]!.revision > revision) j--;
      if (j >= 0) versions.splice(0, versions[j]!.kv === undefined ? j + 1 : j);
      if (versions.length > 0) kept.push(key);
      else this.history.delete(key);
    }
    this.keys = kept;
    let e = 0;
    while (e < this.events.length && eventRevision(this.events[e]!) <= revision) e++;
    this.events = this.events.slice(e);
    this.point = revision;
  }

  /** One step of automatic compaction; returns the compaction point afterwards. */
  async autoCompact(): Promise<number> {
    const target = autoCompactionTarget(this.rev, this.point, this.retain);
    if (target !== undefined) await this.compact(target);
    return this.point;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.autoCompaction.stop();
    this.hub.endAll(closed());
  }

  private ensureOpen(): void {
    if (this.isClosed) throw closed();
  }

  /** Validates a requested read revision; 0/undefined means current. */
  private readRevision(requested: number | undefined): number {
    if (!requested) return this.rev;
    if (requested > this.rev) throw futureRevision(requested, this.rev);
    if (requested <= this.point) throw compacted(requested, this.point + 1);
    return requested;
  }

  private at(key: string, revision: number): KeyValue | undefined {
    const versions = this.history.get(key)!;
    if (revision >= this.rev) return versions[versions.length - 1]!.kv;
    for (let j = versions.length - 1; j >= 0; j--) {
      const v = versions[j]!;
      if (v.revision <= revision) return v.kv;
    }
    return undefined;
  }

  private append(key: string, versions: Version[] | undefined, kv: KeyValue | undefined, rev: number): void {
    const v: Version = { revision: rev, kv };
    if (versions !== undefined) {
      versions.push(v);
      return;
    }
    this.history.set(key, [v]);
    this.keys.splice(searchSorted(this.keys, key), 0, key);
  }

  private commit(ev: StoreEvent): void {
    this.rev = eventRevision(ev);
    this.events.push(ev);
    this.hub.publish(ev);
    this.autoCompaction.wrote(this.rev, this.point);
  }

  private readHistory(prefix: string, after: number, limit: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    // events is sorted by revision: binary search the first one > after.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (eventRevision(this.events[mid]!) <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.events.length && out.length < limit; i++) {
      const ev = this.events[i]!;
      if ((ev.type === 'put' ? ev.kv.key : ev.key).startsWith(prefix)) out.push(ev);
    }
    return out;
  }
}

function latest(versions: readonly Version[] | undefined): KeyValue | undefined {
  return versions?.[versions.length - 1]?.kv;
}

function freezeKv(key: string, value: string, createRevision: number, modRevision: number): KeyValue {
  return Object.freeze({ key, value, createRevision, modRevision });
}
