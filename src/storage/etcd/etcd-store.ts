// Store on a real etcd (v3 gRPC through the `etcd3` client, loaded only when this store is
// opened, so servers on SQLite never load gRPC).
//
// Keys are stored as `<prefix><key>` (our keys already look like upstream's /registry/…),
// values as given, revisions are etcd's own: a key's mod_revision is its resourceVersion.
//
//   create  = txn(create_revision(key) == 0) put
//   update  = txn(mod_revision(key) == expected ∧ create_revision(key) > 0) put, else range(key)
//   delete  = delete_range(key, prev_kv), or as txn(mod_revision == expected) with CAS
//   list    = range [prefix, prefixEnd) at a revision with limit; `remaining` from etcd's count
//   compact = etcd compaction (global to the etcd cluster, as upstream's compactor)
//
// One etcd watch stream per store covers the whole prefix, from the revision the store
// opened at, with prev_kv. Its events go into a bounded in-memory buffer and through a
// WatchHub, so Store.watch keeps the same contract as the local stores:
// - a write resolves only after the stream has delivered the write's own event (so every
//   watcher saw it first; bounded by the per-call deadline);
// - `currentRevision()` is the revision up to which the stream delivered events: exact for
//   this store's own writes; writes by other clients under the prefix show up as soon as
//   their events arrive (the staleness is the stream's delivery delay, plus at most etcd's
//   progress-notify interval for writes outside the prefix, which change none of our keys);
// - watches from a revision older than the buffer (or the compaction point) fail with
//   ERR_STORAGE_COMPACTED (410 Gone: the client lists again), as upstream's watch cache
//   answers for revisions older than its window. `compactedRevision()` is that floor.
// Every unary call carries a deadline (callTimeoutMs), so a lost quorum answers with
// ERR_STORAGE_UNAVAILABLE (a 5xx Status) instead of hanging; the stream reconnects by itself
// from the last delivered revision once etcd is back.
//
// A member that loses its leader drops the proposals it holds and answers them only after its
// request timeout (7 s with etcd's defaults), and a write sent to a member that dies gets no
// answer at all. Either may or may not have been applied. So each call is one or more tries of
// at most attemptTimeoutMs; a try that failed that way is sent again (to a random member)
// until the call's deadline. Resending is safe because every write is a compare-and-swap:
// a second try of an applied write fails its compare, and the store then reads the key back
// in the same transaction and reports success only when the stored value is exactly the one
// it wrote (a delete looks for its own event in the watch buffer).
//
// The watch stream has a client of its own: the etcd3 client closes every channel to a member
// after an error it deems recoverable, which would otherwise break the stream on each retry.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Etcd3Module from 'etcd3';
import type { Etcd3, IDuplexStream, IKeyValue, IRangeResponse, IWatchRequest, IWatchResponse } from 'etcd3';
import { DEFAULT_RETAIN_REVISIONS, startAutoCompaction, type AutoCompaction, type CompactionOptions } from '../auto-compaction.js';
import { closed, compacted, conflict, futureRevision, keyExists, keyNotFound, toError, unavailable } from '../storage-errors.js';
import { isStorageError, type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type WatchHandle, type WatchOptions } from '../types.js';
import { ERR_STORAGE_COMPACTED } from '../../util/error-codes.js';
import { eventRevision, WatchHub, type HistorySource } from '../watch-hub.js';
import { logger } from '../../util/log.js';
import type { EtcdSpec, EtcdTlsFiles } from './etcd-spec.js';

const log = logger('storage/etcd');

export const DEFAULT_ETCD_CALL_TIMEOUT_MS = 10_000;
/** One try of a call; etcd elects a new leader within ~1 s with its default election timeout. */
export const DEFAULT_ETCD_ATTEMPT_TIMEOUT_MS = 1500;
export const DEFAULT_ETCD_WATCH_BUFFER = 4096;

export interface EtcdStoreOptions extends CompactionOptions {
  tls?: EtcdTlsFiles;
  /** Deadline of each etcd call, and of a write's wait for its own watch event. Default 10 s. */
  callTimeoutMs?: number;
  /** Events kept in memory for watches from an older revision. Default 4096. */
  watchBuffer?: number;
  /** Deadline of one try of a call, within callTimeoutMs (see the file's comment). Default 1.5 s. */
  attemptTimeoutMs?: number;
}

/** A try failed without a definite answer: the member or its leader is gone, or it answered late. */
function retryable(e: unknown): boolean {
  return /UNAVAILABLE|DEADLINE_EXCEEDED|CANCELLED|Deadline exceeded|request timed out|leader changed|no leader|ECONNRESET|ECONNREFUSED|EPIPE|No connection established|circuit breaker is open|Connection dropped|Call cancelled/i.test(toError(e).message);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Stream = IDuplexStream<IWatchRequest, IWatchResponse>;

interface Waiter {
  rev: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const encoder = new TextEncoder();

/** The first key after every key starting with `p` (etcd's prefix range end). */
export function prefixEnd(p: Buffer): Buffer {
  const end = Buffer.from(p);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key
}

function loadEtcd3(): typeof Etcd3Module {
  return createRequire(import.meta.url)('etcd3') as typeof Etcd3Module;
}

export class EtcdStore implements Store, HistorySource {
  /** Resolves once etcd answered and the watch stream is up; rejects with one line saying what to do. */
  readonly ready: Promise<void>;
  private readonly client: Etcd3;
  /** The watch stream's own client (see the file's comment). */
  private readonly watchEtcd: Etcd3;
  private readonly hub = new WatchHub(this);
  /** Every event under the prefix with revision > bufferFloor, ascending (trimmed by compaction and size). */
  private buffer: StoreEvent[] = [];
  private bufferFloor = 0;
  private published = 0;
  private compactPoint = 0;
  private isClosed = false;
  private started = false;
  /** Revision whose event is being handed to watchers (0: none). */
  private delivering = 0;
  /** Writes started by watch handlers, with the revision whose delivery started them. */
  private readonly nested = new Set<{ origin: number; done: Promise<unknown> }>();
  private stream?: Stream;
  private streamWatchId?: string;
  private readonly waiters: Waiter[] = [];
  private readonly auto: AutoCompaction;
  private readonly callTimeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly maxBuffer: number;
  private readonly root: Buffer;
  private readonly rootEnd: Buffer;
  private reconnectDelay = 200;
  private readonly retain: number;
  /** etcd3's enum values for txn compares. */
  private readonly cmp: { mod: number; create: number; equal: number; greater: number };

  constructor(readonly spec: EtcdSpec, opts: EtcdStoreOptions = {}) {
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_ETCD_CALL_TIMEOUT_MS;
    this.attemptTimeoutMs = Math.min(this.callTimeoutMs, opts.attemptTimeoutMs ?? DEFAULT_ETCD_ATTEMPT_TIMEOUT_MS);
    this.retain = opts.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
    this.maxBuffer = Math.max(16, opts.watchBuffer ?? DEFAULT_ETCD_WATCH_BUFFER);
    // Our keys start with '/': a non-empty prefix P covers exactly the keys "P/…".
    this.root = Buffer.from(spec.prefix ? spec.prefix + '/' : '');
    this.rootEnd = prefixEnd(this.root);
    const lib = loadEtcd3();
    this.cmp = { mod: lib.CompareTarget.Mod, create: lib.CompareTarget.Create, equal: lib.CompareResult.Equal, greater: lib.CompareResult.Greater };
    this.client = createEtcdClient(spec, opts.tls);
    this.watchEtcd = createEtcdClient(spec, opts.tls);
    this.ready = this.start();
    // An unobserved failed start must not crash the process; callers await `ready`.
    this.ready.catch(() => undefined);
    this.auto = startAutoCompaction(() => this.autoCompact(), opts);
  }

  private callOpts(): { deadline: number } {
    return { deadline: Date.now() + this.callTimeoutMs };
  }

  /**
   * Runs `call` (one try, given its deadline and whether an earlier try may have been
   * applied) until it answers or fails with a definite error, sending it again after a lost
   * or late answer while callTimeoutMs lasts.
   */
  private async tries<T>(op: string, call: (opts: { deadline: number }, retried: boolean) => Promise<T>, revision?: number): Promise<T> {
    const end = Date.now() + this.callTimeoutMs;
    let retried = false;
    for (let n = 0; ; n++) {
      try {
        return await call({ deadline: Math.min(end, Date.now() + this.attemptTimeoutMs) }, retried);
      } catch (e) {
        if (isStorageError(e)) throw e;
        const pause = Math.min(500, 50 << n);
        if (this.isClosed || !retryable(e) || Date.now() + pause >= end) throw this.fail(e, op, revision);
        retried = true;
        await sleep(pause);
      }
    }
  }

  private async start(): Promise<void> {
    let res: IRangeResponse;
    try {
      res = await this.tries('start', (o) => this.client.kv.range({ key: this.root.length ? this.root : Buffer.from([0]), range_end: this.rootEnd, count_only: true }, o));
    } catch (e) {
      throw unavailable(describeStartError(this.spec, e as Error, this.callTimeoutMs), e);
    }
    const rev = Number(res.header.revision);
    this.published = rev;
    this.bufferFloor = rev;
    await this.openStream(rev);
    this.started = true;
  }

  /** Opens the store's watch stream from `after`+1; resolves when etcd created the watch. */
  private async openStream(after: number): Promise<void> {
    const stream = await this.watchEtcd.watchClient.watch({});
    if (this.isClosed) {
      stream.end();
      return;
    }
    this.stream = stream;
    this.streamWatchId = undefined;
    const created = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`etcd did not create the watch within ${this.callTimeoutMs} ms`, undefined)), this.callTimeoutMs);
      stream.on('data', (res: IWatchResponse) => {
        if (res.created && this.streamWatchId === undefined) {
          clearTimeout(timer);
          this.streamWatchId = res.watch_id;
          resolve();
        }
        this.onWatchResponse(stream, res);
      });
      stream.on('error', (e: Error) => {
        clearTimeout(timer);
        reject(e);
        this.onStreamEnd(stream, e);
      });
      stream.on('end', () => this.onStreamEnd(stream, new Error('etcd ended the watch stream')));
    });
    stream.write({
      create_request: {
        key: this.root.length ? this.root : Buffer.from([0]),
        range_end: this.rootEnd,
        start_revision: after + 1,
        prev_kv: true,
        progress_notify: true,
      },
    });
    await created;
  }

  private onWatchResponse(stream: Stream, res: IWatchResponse): void {
    if (stream !== this.stream || this.isClosed) return;
    if (res.canceled) {
      const compactRev = Number(res.compact_revision);
      if (compactRev > 0) {
        // History we had not delivered yet is gone: the watchers cannot continue gap-free.
        this.noteCompaction(compactRev - 1);
        log.warn(`etcd compacted past revision ${this.published} before this server saw it; watches restart (410)`);
        this.hub.endAll(compacted(this.published, compactRev));
        this.buffer = [];
        this.bufferFloor = compactRev;
        this.published = Math.max(this.published, compactRev);
      } else {
        log.warn(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`);
      }
      this.stream = undefined;
      stream.end();
      this.reconnect();
      return;
    }
    this.reconnectDelay = 200;
    if (res.events.length === 0) {
      // A progress notification (or the creation answer): every event up to header.revision
      // under the prefix has been sent on this stream.
      if (!res.created) this.advance(Number(res.header.revision));
      return;
    }
    for (const e of res.events) {
      const ev = this.toEvent(e.type, e.kv, e.prev_kv);
      const rev = eventRevision(ev);
      if (rev <= this.published) continue; // already delivered before a reconnect
      this.published = rev;
      this.buffer.push(ev);
      this.delivering = rev;
      try {
        this.hub.publish(ev);
      } finally {
        this.delivering = 0;
      }
    }
    if (this.buffer.length > this.maxBuffer) {
      const drop = this.buffer.length - this.maxBuffer;
      this.bufferFloor = eventRevision(this.buffer[drop - 1]!);
      this.buffer = this.buffer.slice(drop);
    }
    this.wake();
  }

  private advance(rev: number): void {
    if (rev > this.published) this.published = rev;
    this.wake();
  }

  private onStreamEnd(stream: Stream, err: Error): void {
    if (stream !== this.stream || this.isClosed) return;
    this.stream = undefined;
    log.warn(`etcd watch stream broke (${err.message}); reconnecting from revision ${this.published + 1}`);
    this.reconnect();
  }

  private reconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(5000, delay * 2);
    setTimeout(() => {
      if (this.isClosed || this.stream) return;
      this.openStream(this.published).catch((e: unknown) => {
        if (this.isClosed) return;
        log.warn(`etcd watch stream: ${toError(e).message}`);
        this.stream = undefined;
        this.reconnect();
      });
    }, delay).unref();
  }

  private toEvent(type: string, kv: IKeyValue, prevKv: IKeyValue | null | undefined): StoreEvent {
    const prev = prevKv && prevKv.key && prevKv.key.length ? this.toKv(prevKv) : undefined;
    if (type === 'DELETE' || type === 'Delete') {
      const key = this.fromKey(kv.key);
      return Object.freeze({ type: 'delete', key, revision: Number(kv.mod_revision), prev: prev ?? Object.freeze({ key, value: '', createRevision: 0, modRevision: 0 }) });
    }
    return Object.freeze(prev ? { type: 'put', kv: this.toKv(kv), prev } : { type: 'put', kv: this.toKv(kv) });
  }

  private toKv(kv: IKeyValue): KeyValue {
    return Object.freeze({ key: this.fromKey(kv.key), value: kv.value.toString('utf8'), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) });
  }

  private toKey(key: string): Buffer {
    return Buffer.from(this.spec.prefix + key);
  }

  private fromKey(b: Buffer): string {
    return b.toString('utf8').slice(this.spec.prefix.length);
  }

  private rangeOf(prefix: string): { key: Buffer; range_end: Buffer } {
    if (prefix === '') return { key: this.root.length ? this.root : Buffer.from([0]), range_end: this.rootEnd };
    const key = this.toKey(prefix);
    return { key, range_end: prefixEnd(key) };
  }

  /**
   * A write made by a watch handler is, for the write whose event the handler was given,
   * part of that event's delivery (the local stores queue it behind the event): the outer
   * write resolves only after such nested writes settled.
   */
  private track<T>(origin: number, p: Promise<T>): Promise<T> {
    if (origin > 0) {
      const entry = { origin, done: p.catch(() => undefined) };
      this.nested.add(entry);
      void entry.done.then(() => this.nested.delete(entry));
    }
    return p;
  }

  /**
   * Resolves once the stream delivered `rev` (every watcher saw it) and the writes handlers
   * started while events in (origin, rev] were delivered settled. `origin` is the revision
   * whose delivery started this write (0 for a top-level write); a nested write waits only
   * for writes nested deeper, so no two writes wait for each other.
   */
  private async waitPublished(rev: number, origin: number): Promise<void> {
    await this.waitDelivered(rev);
    for (;;) {
      const pending = [...this.nested].filter((n) => n.origin > origin && n.origin <= rev).map((n) => n.done);
      if (!pending.length) return;
      await Promise.all(pending);
    }
  }

  private waitDelivered(rev: number): Promise<void> {
    if (this.published >= rev) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(unavailable(`etcd committed revision ${rev} but its watch event did not arrive within ${this.callTimeoutMs} ms`, undefined));
      }, this.callTimeoutMs);
      this.waiters.push({ rev, resolve, reject, timer });
    });
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.rev <= this.published) {
        clearTimeout(w.timer);
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private async enter(): Promise<void> {
    if (this.isClosed) throw closed();
    await this.ready;
    if (this.isClosed) throw closed();
  }

  /** Maps an etcd/gRPC failure to a StorageError. */
  private fail(e: unknown, op: string, revision?: number): Error {
    if (this.isClosed) return closed();
    const msg = toError(e).message;
    if (/required revision has been compacted/.test(msg)) return compacted(revision ?? 0, Math.max(this.compactedRevision(), (revision ?? 0) + 1));
    if (/required revision is a future revision/.test(msg)) return futureRevision(revision ?? 0, this.published);
    return unavailable(`etcd ${op}: ${msg}`, e);
  }

  currentRevision(): number {
    return this.published;
  }

  compactedRevision(): number {
    return Math.max(this.compactPoint, this.bufferFloor) + 1;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    await this.enter();
    const res = await this.tries('get', (o) => this.client.kv.range({ key: this.toKey(key) }, o));
    const kv = res.kvs[0];
    return kv ? this.toKv(kv) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    await this.enter();
    const range = this.rangeOf(prefix);
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([this.toKey(opts.startAfter), Buffer.from([0])]);
      if (Buffer.compare(after, range.key) > 0) range.key = after;
    }
    const revision = opts.revision && opts.revision > 0 ? opts.revision : 0;
    if (revision > 0 && revision < this.compactPoint + 1) throw compacted(revision, this.compactPoint + 1);
    const res = await this.tries('list', (o) => this.client.kv.range({ ...range, revision, limit: opts.limit && opts.limit > 0 ? opts.limit : 0 }, o), revision);
    const items = res.kvs.map((kv) => this.toKv(kv));
    const count = Number(res.count);
    return { items, revision: revision || Number(res.header.revision), more: res.more, remaining: Math.max(0, count - items.length) };
  }

  async count(prefix: string): Promise<number> {
    await this.enter();
    const res = await this.tries('count', (o) => this.client.kv.range({ ...this.rangeOf(prefix), count_only: true }, o));
    return Number(res.count);
  }

  create(key: string, value: string): Promise<KeyValue> {
    const origin = this.delivering;
    return this.track(origin, this.createNow(origin, key, value));
  }

  private async createNow(origin: number, key: string, value: string): Promise<KeyValue> {
    await this.enter();
    const k = this.toKey(key);
    const bytes = Buffer.from(encoder.encode(value));
    const rev = await this.tries('create', async (o, retried) => {
      const res = await this.client.kv.txn(
        {
          compare: [{ key: k, target: this.cmp.create, result: this.cmp.equal, create_revision: 0 }],
          success: [{ request_put: { key: k, value: bytes } }],
          failure: [{ request_range: { key: k } }],
        },
        o,
      );
      if (res.succeeded) return Number(res.header.revision);
      // An earlier try was applied: the key holds exactly what we wrote, unchanged since.
      const cur = res.responses[0]?.response_range?.kvs[0];
      if (retried && cur && cur.create_revision === cur.mod_revision && bytes.equals(cur.value)) return Number(cur.mod_revision);
      throw keyExists(key);
    });
    await this.waitPublished(rev, origin);
    this.auto.wrote(this.published, this.compactPoint);
    return Object.freeze({ key, value, createRevision: rev, modRevision: rev });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const origin = this.delivering;
    return this.track(origin, this.updateNow(origin, key, value, expectedModRevision));
  }

  private async updateNow(origin: number, key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    await this.enter();
    const k = this.toKey(key);
    const bytes = Buffer.from(encoder.encode(value));
    const { rev, createRevision } = await this.tries('update', async (o, retried) => {
      const res = await this.client.kv.txn(
        {
          compare: [
            { key: k, target: this.cmp.mod, result: this.cmp.equal, mod_revision: expectedModRevision },
            { key: k, target: this.cmp.create, result: this.cmp.greater, create_revision: 0 },
          ],
          success: [{ request_put: { key: k, value: bytes, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        },
        o,
      );
      if (res.succeeded) {
        const r = Number(res.header.revision);
        return { rev: r, createRevision: Number(res.responses[0]?.response_put?.prev_kv?.create_revision ?? r) };
      }
      const cur = res.responses[0]?.response_range?.kvs[0];
      if (!cur) throw keyNotFound(key);
      // An earlier try was applied: the key holds exactly what we wrote, written after the
      // revision we expected.
      if (retried && Number(cur.mod_revision) > expectedModRevision && bytes.equals(cur.value)) {
        return { rev: Number(cur.mod_revision), createRevision: Number(cur.create_revision) };
      }
      throw conflict(key, expectedModRevision, Number(cur.mod_revision));
    });
    await this.waitPublished(rev, origin);
    this.auto.wrote(this.published, this.compactPoint);
    return Object.freeze({ key, value, createRevision, modRevision: rev });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const origin = this.delivering;
    return this.track(origin, this.deleteNow(origin, key, expectedModRevision));
  }

  private async deleteNow(origin: number, key: string, expectedModRevision?: number): Promise<KeyValue> {
    await this.enter();
    const k = this.toKey(key);
    const compare = expectedModRevision === undefined
      ? [{ key: k, target: this.cmp.create, result: this.cmp.greater, create_revision: 0 }]
      : [
          { key: k, target: this.cmp.mod, result: this.cmp.equal, mod_revision: expectedModRevision },
          { key: k, target: this.cmp.create, result: this.cmp.greater, create_revision: 0 },
        ];
    const startRev = this.published;
    const { rev, prev } = await this.tries('delete', async (o, retried) => {
      const res = await this.client.kv.txn(
        { compare, success: [{ request_delete_range: { key: k, prev_kv: true } }], failure: [{ request_range: { key: k } }] },
        o,
      );
      if (res.succeeded) {
        const deleted = res.responses[0]?.response_delete_range?.prev_kvs[0];
        if (!deleted) throw keyNotFound(key);
        return { rev: Number(res.header.revision), prev: this.toKv(deleted) };
      }
      const cur = res.responses[0]?.response_range?.kvs[0];
      if (!cur) {
        // An earlier try may have deleted it: its event (with the deleted value) is on the
        // stream once the stream reaches this answer's revision.
        const mine = retried ? await this.findDelete(key, startRev, Number(res.header.revision), expectedModRevision) : undefined;
        if (mine) return mine;
        throw keyNotFound(key);
      }
      throw conflict(key, expectedModRevision ?? 0, Number(cur.mod_revision));
    });
    await this.waitPublished(rev, origin);
    this.auto.wrote(this.published, this.compactPoint);
    return prev;
  }

  /** The delete of `key` after `after` (of the version `expected`, when given) among the buffered events up to `upTo`. */
  private async findDelete(key: string, after: number, upTo: number, expected?: number): Promise<{ rev: number; prev: KeyValue } | undefined> {
    await this.waitDelivered(upTo);
    for (const ev of this.readHistory(key, after, Number.MAX_SAFE_INTEGER)) {
      if (ev.type === 'delete' && ev.key === key && eventRevision(ev) <= upTo && (expected === undefined || ev.prev.modRevision === expected)) {
        return { rev: ev.revision, prev: ev.prev };
      }
    }
    return undefined;
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    if (this.isClosed) throw closed();
    return this.hub.watch(prefix, opts);
  }

  /** HistorySource: events from the buffer (the hub checked compactedRevision first). */
  readHistory(prefix: string, afterRevision: number, limit: number): readonly StoreEvent[] {
    const buf = this.buffer;
    let lo = 0;
    let hi = buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (eventRevision(buf[mid]!) <= afterRevision) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < buf.length && out.length < limit; i++) {
      const ev = buf[i]!;
      const key = ev.type === 'put' ? ev.kv.key : ev.key;
      if (key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  private noteCompaction(point: number): void {
    if (point <= this.compactPoint) return;
    this.compactPoint = point;
    let drop = 0;
    while (drop < this.buffer.length && eventRevision(this.buffer[drop]!) <= point) drop++;
    if (drop) this.buffer = this.buffer.slice(drop);
  }

  compact(revision: number): Promise<void> {
    if (this.isClosed) return Promise.reject(closed());
    if (!this.started) return this.ready.then(() => this.compact(revision));
    if (revision > this.published) return Promise.reject(futureRevision(revision, this.published));
    if (revision <= this.compactPoint) return Promise.resolve();
    // Local effect first, synchronously with the call (as in the local stores): replays the
    // compaction overtakes end with ERR_STORAGE_COMPACTED.
    this.noteCompaction(revision);
    return this.client.kv.compact({ revision, physical: false }, this.callOpts()).then(
      () => undefined,
      (e: unknown) => {
        const err = this.fail(e, 'compact', revision);
        // Another server compacted further already: the point we asked for is gone anyway.
        if (!isStorageError(err, ERR_STORAGE_COMPACTED)) throw err;
      },
    );
  }

  /** Automatic compaction (auto-compaction.ts): keep the last retainRevisions. */
  private async autoCompact(): Promise<void> {
    const target = this.published - this.retain;
    if (target > this.compactPoint) await this.compact(target);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.auto.stop();
    this.hub.endAll(closed());
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(closed());
    }
    const s = this.stream;
    this.stream = undefined;
    try {
      s?.end();
    } catch {
      // The stream may already be broken; closing the client tears it down anyway.
    }
    this.client.close();
    this.watchEtcd.close();
  }
}

/**
 * An etcd3 client for `spec` (etcd3 is loaded on the first call). Fault handling: a member
 * that failed a call is skipped for 2 s (a circuit breaker per host, so calls go to the other
 * members), and a call is tried again on another member only when it never reached the first
 * one (connection refused or not established), so a write is never sent twice behind our back.
 * Callers pass a deadline per call.
 */
export function createEtcdClient(spec: EtcdSpec, tls: EtcdTlsFiles = {}): Etcd3 {
  const lib = loadEtcd3();
  // cockatiel is etcd3's own dependency (its fault-handling policies).
  const c = createRequire(createRequire(import.meta.url).resolve('etcd3'))('cockatiel') as typeof import('cockatiel');
  const notSent = (e: Error): boolean => /No connection established|ECONNREFUSED|circuit breaker is open/i.test(e.message);
  const unreachable = (e: Error): boolean => /No connection established|ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|Connection dropped/i.test(e.message);
  const global = spec.endpoints.length > 1 ? c.retry(c.handleWhen(notSent), { maxAttempts: spec.endpoints.length - 1 }) : c.noop;
  return new lib.Etcd3({
    hosts: spec.endpoints,
    ...(spec.tls
      ? {
          credentials: {
            rootCertificate: readTlsFile(tls.caFile, '--etcd-cafile'),
            ...(tls.keyFile ? { privateKey: readTlsFile(tls.keyFile, '--etcd-keyfile') } : {}),
            ...(tls.certFile ? { certChain: readTlsFile(tls.certFile, '--etcd-certfile') } : {}),
          },
        }
      : {}),
    // Also keeps Node from warning about an IP address as TLS server name.
    ...(spec.tls && tls.serverName ? { grpcOptions: { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } } : {}),
    faultHandling: {
      global: global as never,
      // Only a member we cannot reach is skipped: "request timed out" or a late answer comes
      // from a live member whose leader is being replaced, and skipping every such member at
      // once would fail all calls for the breaker's 2 s.
      host: () => c.circuitBreaker(c.handleWhen(unreachable), { halfOpenAfter: 2000, breaker: new c.ConsecutiveBreaker(1) }) as never,
    },
  });
}

function readTlsFile(path: string | undefined, flag: string): Buffer {
  if (!path) throw new Error(`etcds:// needs ${flag}`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${flag} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** One line: what went wrong reaching etcd at start and what to do. */
export function describeStartError(spec: EtcdSpec, e: Error, timeoutMs: number): string {
  const where = spec.endpoints.join(',');
  const msg = e.message;
  if (/certificate|SSL|TLS|handshake|self.signed|unable to verify|alert/i.test(msg)) {
    return `TLS handshake with etcd at ${where} failed (${firstLine(msg)}): check --etcd-cafile, --etcd-certfile and --etcd-keyfile`;
  }
  if (/deadline|timed out|timeout/i.test(msg)) {
    return `etcd at ${where} did not answer within ${timeoutMs / 1000} s (${firstLine(msg)}): check that a quorum of etcd members is running and reachable`;
  }
  return `cannot reach etcd at ${where} (${firstLine(msg)}): start etcd there or fix --datastore`;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}
