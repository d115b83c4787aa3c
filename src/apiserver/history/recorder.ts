// The history recorder: one Store watch on /registry/ feeds records into a bounded in-memory
// batch; the batch is flushed as one segment key under /k8ts-history/ a few seconds after the
// first change (never while nothing changes, so a steady cluster writes nothing); a coarse
// timer prunes segments older than the retention and, oldest first, beyond the size bound.
//
// Contracts:
// - Every put/delete under /registry/ is recorded except excluded resources (events always;
//   leases by default) and non-object keys (/registry/ranges/).
// - A crash loses at most the unflushed batch (flushInterval, default 5 s); on restart the
//   recorder resumes after the last flushed revision when storage still has it (not compacted).
// - Who made a change: the API server's write path calls noteWriter(key, revision, user) after
//   each successful write; users are attached at flush time (the watch may deliver the event
//   before the write returns). Deletes are noted by the deleted value's revision.
import type { Store, StoreEvent, WatchHandle } from '../../storage/index.js';
import { isStorageError } from '../../storage/index.js';
import { ERR_STORAGE_CLOSED } from '../../util/error-codes.js';
import { logger, errorMessage } from '../../util/log.js';
import { ENCRYPTED_PREFIX } from '../encryption/transformer.js';
import { bloomMayHave, latestManagers, decodeSegment, segmentBloom, encodeSegment, metadataOnly, parseSegmentKey, redactSecret, resourceOfKey, segmentKey, type HistoryRecord, type SegmentInfo } from './records.js';

const log = logger('history');

export const HISTORY_PREFIX = '/k8ts-history/';

export interface HistoryOptions {
  /** How long revisions are kept (ms; default 24 h). */
  retentionMs?: number;
  /** Bound on the stored segments' total size (bytes; default 64 MiB). */
  maxBytes?: number;
  /** Resources not recorded, as `<resource>.<group>` (`pods` for core); events are never recorded. Default: leases.coordination.k8s.io. */
  exclude?: readonly string[];
  /** Delay from the first unflushed change to the flush (ms; default 5000). */
  flushIntervalMs?: number;
  /** A batch this large (bytes of values) is flushed at once (default 1 MiB). */
  maxBatchBytes?: number;
  /**
   * Reads a value stored encrypted at rest (the server passes its encryption config's
   * transformers); throws when it cannot. Without it, encrypted values are kept as `{}`.
   */
  decrypt?: (key: string, stored: string) => string;
  /** How often pruning runs (ms; default 60 s). */
  pruneIntervalMs?: number;
  now?: () => number;
}

export const DEFAULT_HISTORY_EXCLUDE = ['leases.coordination.k8s.io'];
const ALWAYS_EXCLUDED = ['events'];
/** Writers noted but not yet matched to a record are dropped past this many (a bound, not a target). */
const MAX_PENDING_WRITERS = 20_000;

/** The request's user and field manager; the manager named by the request wins over the managedFields guess. */
function setWriter(r: HistoryRecord, w: { user: string; manager?: string }): void {
  r.u = w.user;
  if (w.manager) r.m = [w.manager];
}

export class HistoryRecorder {
  private readonly retentionMs: number;
  readonly maxBytes: number;
  private readonly excluded: Set<string>;
  private readonly flushIntervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly pruneIntervalMs: number;
  private readonly now: () => number;
  private batch: HistoryRecord[] = [];
  private batchBytes = 0;
  private readonly writers = new Map<string, { user: string; manager?: string }>();
  private segments: SegmentInfo[] = [];
  private watch?: WatchHandle;
  private flushTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** Revision from which history is complete (the recorder's start, or the oldest kept segment). */
  private since = 0;
  private stopped = false;
  /** The newest revision the watch delivered (where a resumed watch starts). */
  private lastSeen = 0;

  private readonly decrypt?: (key: string, stored: string) => string;

  constructor(private readonly store: Store, o: HistoryOptions = {}) {
    this.retentionMs = o.retentionMs ?? 24 * 3600_000;
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.excluded = new Set([...ALWAYS_EXCLUDED, ...(o.exclude ?? DEFAULT_HISTORY_EXCLUDE)]);
    this.flushIntervalMs = o.flushIntervalMs ?? 5000;
    this.maxBatchBytes = o.maxBatchBytes ?? 1024 * 1024;
    this.pruneIntervalMs = o.pruneIntervalMs ?? 60_000;
    this.decrypt = o.decrypt;
    this.now = o.now ?? Date.now;
  }

  /** Loads the segment index and starts watching. */
  async start(): Promise<void> {
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.store.list(HISTORY_PREFIX, { limit: 64, startAfter });
      for (const kv of page.items) {
        const s = parseSegmentKey(HISTORY_PREFIX, kv.key, kv.value.length);
        if (s) this.segments.push({ ...s, bloom: segmentBloom(kv.value) });
      }
      if (!page.more || !page.items.length) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    const last = this.segments.at(-1)?.lastRev ?? 0;
    let after = this.store.currentRevision();
    if (last && last < after && last + 1 >= this.store.compactedRevision()) after = last;
    this.since = this.segments[0]?.firstRev ?? after + 1;
    this.lastSeen = after;
    this.watchFrom(after);
    this.pruneTimer = setInterval(() => void this.prune().catch((e: unknown) => log.error(`history prune: ${errorMessage(e)}`)), this.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.cancel();
    clearInterval(this.pruneTimer);
    clearTimeout(this.flushTimer);
    await this.flush();
  }

  /**
   * Watches /registry/ after `rev`. A watch that ends (a backend hiccup) is resumed after the
   * last revision seen, a second later; when storage compacted past it, from the current one
   * (the gap is logged: those revisions are not in the history).
   */
  private watchFrom(rev: number): void {
    if (this.stopped) return;
    const onError = (e: Error): void => {
      if (this.stopped || isStorageError(e, ERR_STORAGE_CLOSED)) return;
      log.warn(`history watch ended (${errorMessage(e)}); resuming after revision ${this.lastSeen}`);
      const t = setTimeout(() => {
        try {
          this.watchFrom(this.lastSeen);
        } catch (err) {
          log.error(`history: cannot resume the watch, the history stops recording: ${errorMessage(err)}`);
        }
      }, 1000);
      t.unref();
    };
    try {
      this.watch = this.store.watch('/registry/', { afterRevision: rev, onEvent: (ev) => this.onEvent(ev), onError });
    } catch (e) {
      if (!isStorageError(e)) throw e;
      const cur = this.store.currentRevision();
      log.warn(`history: revisions ${rev + 1}..${cur} were compacted before they were recorded`);
      this.lastSeen = cur;
      this.watch = this.store.watch('/registry/', { afterRevision: cur, onEvent: (ev) => this.onEvent(ev), onError });
    }
  }

  /** Is this storage key's resource recorded? */
  records(key: string): boolean {
    const r = resourceOfKey(key);
    return r !== undefined && !key.startsWith('/registry/ranges/') && !this.excluded.has(r);
  }

  /**
   * The write path's hook: `user` wrote `key` at `revision` (a delete: the deleted value's
   * revision) as field manager `manager` (none for deletes).
   */
  noteWriter(key: string, revision: number, user: string, manager: string | undefined, deleted = false): void {
    if (!this.records(key)) return;
    if (this.writers.size >= MAX_PENDING_WRITERS) this.writers.delete(this.writers.keys().next().value as string);
    this.writers.set(`${deleted ? 'd' : 'p'}${revision}${key}`, { user, manager });
  }

  private onEvent(ev: StoreEvent): void {
    const key = ev.type === 'put' ? ev.kv.key : ev.key;
    this.lastSeen = ev.type === 'put' ? ev.kv.modRevision : ev.revision;
    if (!this.records(key)) return;
    const secret = key.startsWith('/registry/core/secrets/');
    let rec: HistoryRecord;
    if (ev.type === 'put') {
      // No parsing here (the hot path): the writer comes from the write path, matched at flush.
      rec = { k: key, rv: ev.kv.modRevision, op: ev.prev ? 'Update' : 'Create', t: this.now(), v: this.kept(key, ev.kv.value, secret) };
    } else {
      rec = { k: key, rv: ev.revision, op: 'Delete', t: this.now(), v: this.kept(key, ev.prev.value, secret) };
      // Deletes are noted by the deleted value's revision (what the write path knows).
      rec.pr = ev.prev.modRevision;
    }
    this.batch.push(rec);
    this.batchBytes += rec.v.length + key.length;
    if (this.batchBytes >= this.maxBatchBytes) this.scheduleFlush(0);
    else this.scheduleFlush(this.flushIntervalMs);
  }

  /**
   * The value as the history keeps it. Secrets keep their keys with redacted values. A value
   * encrypted at rest is read through `decrypt`, and what was encrypted is not copied into the
   * history in plaintext: a Secret is redacted as always, anything else keeps only its metadata.
   */
  private kept(key: string, stored: string, secret: boolean): string {
    let v = stored;
    if (v.startsWith(ENCRYPTED_PREFIX)) {
      try {
        v = this.decrypt ? this.decrypt(key, v) : '{}';
      } catch {
        v = '{}';
      }
      if (!secret) v = metadataOnly(v);
    }
    return secret ? redactSecret(v) : v;
  }

  private scheduleFlush(delay: number): void {
    if (this.flushTimer && delay > 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch((e: unknown) => log.error(`history flush: ${errorMessage(e)}`));
    }, delay);
    this.flushTimer.unref();
  }

  /** Writes the batch as one segment (no write when the batch is empty). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    if (!this.batch.length) return;
    const records = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.attachWriters(records);
    for (const r of records) delete r.pr;
    const key = segmentKey(HISTORY_PREFIX, records);
    const value = encodeSegment(records);
    try {
      await this.store.create(key, value);
      this.segments.push({ key, firstRev: records[0].rv, lastRev: records[records.length - 1].rv, lastTime: records[records.length - 1].t, bytes: value.length, bloom: segmentBloom(value) });
    } catch (e) {
      log.error(`history: cannot write segment ${key} (${records.length} revisions lost): ${errorMessage(e)}`);
    }
    if (this.segments.reduce((n, s) => n + s.bytes, 0) > this.maxBytes) await this.prune();
  }

  private attachWriters(records: HistoryRecord[]): void {
    for (const r of records) {
      const id = r.op === 'Delete' ? `d${r.pr}${r.k}` : `p${r.rv}${r.k}`;
      const w = this.writers.get(id);
      if (w !== undefined) {
        setWriter(r, w);
        this.writers.delete(id);
      } else if (r.op !== 'Delete') {
        const m = latestManagers(r.v);
        if (m.length) r.m = m;
      }
    }
    // Writers whose change was never recorded (a failed watch, an excluded write) age out.
    if (this.writers.size > MAX_PENDING_WRITERS / 2) this.writers.clear();
  }

  /** Drops segments past the retention, then the oldest while over the size bound. */
  async prune(): Promise<void> {
    const cutoff = this.now() - this.retentionMs;
    let total = this.segments.reduce((n, s) => n + s.bytes, 0);
    while (this.segments.length && (this.segments[0].lastTime < cutoff || total > this.maxBytes)) {
      const s = this.segments[0];
      try {
        await this.store.delete(s.key);
      } catch (e) {
        if (!isStorageError(e)) throw e;
      }
      this.segments.shift();
      total -= s.bytes;
      this.since = this.segments[0]?.firstRev ?? s.lastRev + 1;
    }
  }

  /** The oldest revision the history still holds completely. */
  retainedSince(): number {
    return this.since;
  }

  /** Stored bytes of history (segments), for the benchmark and metrics. */
  storedBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /**
   * Records (oldest first) whose key passes `match`: the stored segments, then the unflushed
   * batch. Reads one segment at a time, so memory stays one segment plus the matches; with
   * `probe` (a key, a namespace dir or a resource dir: records.ts probeKeys) only segments
   * whose bloom filter may hold it are read.
   */
  async query(match: (key: string) => boolean, probe?: string): Promise<HistoryRecord[]> {
    const out: HistoryRecord[] = [];
    for (const s of [...this.segments]) {
      if (probe !== undefined && s.bloom && !bloomMayHave(s.bloom, probe)) continue;
      const kv = await this.store.get(s.key);
      if (!kv) continue;
      for (const r of decodeSegment(kv.value)) if (match(r.k)) out.push(r);
    }
    const pending = this.batch.filter((r) => match(r.k)).map((r) => ({ ...r }));
    this.attachWritersPeek(pending);
    for (const r of pending) delete r.pr;
    return out.concat(pending);
  }

  private attachWritersPeek(records: HistoryRecord[]): void {
    for (const r of records) {
      const id = r.op === 'Delete' ? `d${r.pr}${r.k}` : `p${r.rv}${r.k}`;
      const w = this.writers.get(id);
      if (w !== undefined) setWriter(r, w);
    }
  }
}
