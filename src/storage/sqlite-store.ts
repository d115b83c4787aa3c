// SqliteStore: the Store contract on one SQLite file (better-sqlite3, synchronous).
// Schema and SQL: sqlite-schema.ts. Model and vocabulary: README.md.
//
// Concurrency: one process owns the file (locking_mode=EXCLUSIVE; a second process gets
// ERR_STORAGE_UNAVAILABLE at open). The revision counter lives in memory and watchers are
// in-process, so a second writer could not be supported anyway. better-sqlite3 is
// synchronous, so "read, check, write" inside one method call is atomic with respect to
// every other call.
//
// Group commit: a write checks its precondition and takes its revision at once (against the
// committed rows plus the writes still pending), then joins the current batch; the batch is
// one SQLite transaction, run on the next turn of the event loop (setImmediate), so the
// writes of all requests that reached the store in one turn share one commit. Only after
// that commit does the store advance currentRevision(), publish the batch's events in
// revision order and resolve each write's promise: nothing is acknowledged or visible
// before it is in the WAL, as with one transaction per write. A failed commit rejects every
// write of its batch (ERR_STORAGE_UNAVAILABLE) and takes back their revisions.
//
// Durability: journal_mode=WAL with synchronous=NORMAL. A commit is a write() of the
// frames into the WAL file, i.e. into the OS page cache, before the promise resolves;
// kill -9 of this process cannot lose it (test/storage/kill9.test.ts). Only an OS crash or
// power loss can drop the last commits (the database stays consistent). Use
// `synchronous: 'FULL'` to fsync every commit when that matters more than throughput.

import Database from 'better-sqlite3';
import {
  autoCompactionTarget,
  DEFAULT_RETAIN_REVISIONS,
  startAutoCompaction,
  type AutoCompaction,
  type CompactionOptions,
} from './auto-compaction.js';
import { lowerBound, prefixEnd } from './key-range.js';
import { INITIAL_REVISION } from './memory-store.js';
import {
  CREATE_SCHEMA,
  SCHEMA_VERSION,
  SQL,
  type CurrentRow,
  type HistoryRow,
  type ListRow,
} from './sqlite-schema.js';
import {
  closed,
  compacted,
  conflict,
  futureRevision,
  keyExists,
  keyNotFound,
  unavailable,
} from './storage-errors.js';
import {
  isStorageError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type WatchHandle,
  type WatchOptions,
} from './types.js';
import { WatchHub } from './watch-hub.js';
import { logger } from '../util/log.js';

const log = logger('storage');

export interface SqliteStoreOptions extends CompactionOptions {
  /** 'NORMAL' (default) survives a process crash; 'FULL' also survives power loss. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long to wait for a lock held by another process at open. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Revisions compacted per transaction; the event loop runs between chunks. Default 10000. */
  compactChunk?: number;
}

export interface SqliteStoreStats {
  logRows: number;
  liveKeys: number;
  pageCount: number;
  freelistCount: number;
}

/** An upper key bound greater than every TEXT key (see sqlite-schema.ts). */
const NO_UPPER_BOUND = Buffer.from([0xff]);
/** SQLite's "no limit". */
const NO_LIMIT = -1;

type KeyBound = string | Buffer;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private rev: number;
  private point: number;
  private isClosed = false;
  private readonly hub: WatchHub;
  private readonly retain: number;
  private readonly chunk: number;
  private readonly autoCompaction: AutoCompaction;
  /** Serialises compactions (manual and automatic). */
  private compactTail: Promise<void> = Promise.resolve();
  private pendingCompactions = 0;

  private readonly getCurrent: Database.Statement<[string], CurrentRow>;
  private readonly insertLog: Database.Statement<[number, string, string, number, number | null, number]>;
  private readonly insertCurrent: Database.Statement<[string, number]>;
  private readonly updateCurrent: Database.Statement<[number, string]>;
  private readonly deleteCurrent: Database.Statement<[string]>;
  private readonly listCurrentFrom: Database.Statement<[string, KeyBound, number], ListRow>;
  private readonly listCurrentAfter: Database.Statement<[string, KeyBound, number], ListRow>;
  private readonly countCurrentFrom: Database.Statement<[string, KeyBound], number>;
  private readonly countCurrentAfter: Database.Statement<[string, KeyBound], number>;
  private readonly listAtFrom: Database.Statement<[string, KeyBound, number, number], ListRow>;
  private readonly listAtAfter: Database.Statement<[string, KeyBound, number, number], ListRow>;
  private readonly countAtAfter: Database.Statement<[string, KeyBound, number], number>;
  private readonly history: Database.Statement<[number, string, KeyBound, number], HistoryRow>;
  private readonly setMeta: Database.Statement<[string, number]>;

  private readonly txBatch: (ops: readonly PendingWrite[]) => void;
  private readonly txCompact: (from: number, to: number) => void;
  /** Writes taken but not yet committed, in revision order; `pendingRev` is the last one's. */
  private batch: PendingWrite[] = [];
  private pendingRev: number;
  /** The state of each key as the pending writes leave it (null: deleted), over the committed rows. */
  private readonly pendingKeys = new Map<string, CurrentRow | null>();
  private flushScheduled = false;

  constructor(readonly path: string, opts: SqliteStoreOptions = {}) {
    try {
      this.db = new Database(path);
    } catch (e) {
      throw unavailable(`cannot open datastore ${path}: ${String(e)}`, e);
    }
    try {
      const db = this.db;
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
      // Before WAL is entered: exclusive mode keeps the WAL index in heap memory (no -shm
      // file) and holds the lock for the life of the connection.
      db.pragma('locking_mode = EXCLUSIVE');
      // Only takes effect on a new database (before the first table): lets compaction
      // return freed pages to the file system with incremental_vacuum.
      db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      // Checkpoints (every 1000 pages) reuse the WAL from the start; this trims it back after
      // a burst, and compaction truncates it (see reclaimSpace).
      db.pragma('journal_size_limit = 16777216');
      db.transaction(() => {
        db.exec(CREATE_SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
      // A database created before auto_vacuum was set cannot give pages back: convert it once.
      if (db.pragma('auto_vacuum', { simple: true }) === 0) {
        const t0 = Date.now();
        db.exec('VACUUM');
        log.info(`${path}: converted to auto_vacuum=INCREMENTAL (VACUUM, ${Date.now() - t0} ms), so compaction can give space back`);
      }
    } catch (e) {
      this.db.close();
      if (e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY')) {
        throw unavailable(`datastore ${path} is locked by another process`, e);
      }
      throw unavailable(`cannot initialise datastore ${path}: ${String(e)}`, e);
    }
    const db = this.db;
    this.getCurrent = db.prepare(SQL.getCurrent);
    this.insertLog = db.prepare(SQL.insertLog);
    this.insertCurrent = db.prepare(SQL.insertCurrent);
    this.updateCurrent = db.prepare(SQL.updateCurrent);
    this.deleteCurrent = db.prepare(SQL.deleteCurrent);
    this.listCurrentFrom = db.prepare<[string, KeyBound, number], ListRow>(SQL.listCurrentFrom);
    this.listCurrentAfter = db.prepare<[string, KeyBound, number], ListRow>(SQL.listCurrentAfter);
    this.countCurrentFrom = db.prepare<[string, KeyBound], number>(SQL.countCurrentFrom).pluck();
    this.countCurrentAfter = db.prepare<[string, KeyBound], number>(SQL.countCurrentAfter).pluck();
    this.listAtFrom = db.prepare<[string, KeyBound, number, number], ListRow>(SQL.listAtFrom);
    this.listAtAfter = db.prepare<[string, KeyBound, number, number], ListRow>(SQL.listAtAfter);
    this.countAtAfter = db.prepare<[string, KeyBound, number], number>(SQL.countAtAfter).pluck();
    this.history = db.prepare<[number, string, KeyBound, number], HistoryRow>(SQL.history);
    this.setMeta = db.prepare(SQL.setMeta);
    const compactSuperseded = db.prepare<[number, number]>(SQL.compactSuperseded);
    const compactTombstones = db.prepare<[number, number]>(SQL.compactTombstones);

    this.txBatch = db.transaction((ops: readonly PendingWrite[]) => {
      for (const op of ops) {
        if (op.deleted) {
          this.insertLog.run(op.rev, op.key, op.value, op.create, op.prev, 1);
          this.deleteCurrent.run(op.key);
        } else {
          this.insertLog.run(op.rev, op.key, op.value, op.create, op.prev, 0);
          if (op.prev === null) this.insertCurrent.run(op.key, op.rev);
          else this.updateCurrent.run(op.rev, op.key);
        }
      }
    });
    this.txCompact = db.transaction((from: number, to: number) => {
      compactSuperseded.run(from, to);
      compactTombstones.run(from, to);
      this.setMeta.run('compacted', to);
      // The newest write may be a tombstone removed just now: remember the revision.
      this.setMeta.run('revision', this.rev);
    });

    const getMeta = db.prepare<[string], number>(SQL.getMeta).pluck();
    const maxLog = db.prepare<[], number | null>(SQL.maxRevision).pluck().get() ?? 0;
    this.rev = Math.max(INITIAL_REVISION, maxLog, getMeta.get('revision') ?? 0);
    this.point = getMeta.get('compacted') ?? 0;
    this.pendingRev = this.rev;

    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.point + 1,
      readHistory: (prefix, after, limit) => this.readHistory(prefix, after, limit),
    });
    this.retain = opts.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
    this.chunk = Math.max(1, opts.compactChunk ?? 10_000);
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
    const row = this.guard(() => this.getCurrent.get(key));
    return row && { key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const revision = this.readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const lb = lowerBound(prefix, opts.startAfter);
    const hi: KeyBound = prefixEnd(prefix) ?? NO_UPPER_BOUND;
    const atCurrent = revision === this.rev;
    return this.guard(() => {
      // One extra row tells whether there is more.
      const sqlLimit = limit ? limit + 1 : NO_LIMIT;
      const rows = atCurrent
        ? (lb.exclusive ? this.listCurrentAfter : this.listCurrentFrom).all(lb.key, hi, sqlLimit)
        : (lb.exclusive ? this.listAtAfter : this.listAtFrom).all(lb.key, hi, revision, sqlLimit);
      const more = limit > 0 && rows.length > limit;
      if (more) rows.length = limit;
      const items = rows.map(toKeyValue);
      let remaining = 0;
      if (more) {
        const last = items[items.length - 1]!.key;
        remaining = atCurrent
          ? this.countCurrentAfter.get(last, hi)!
          : this.countAtAfter.get(last, hi, revision)!;
      }
      return { items, revision, more, remaining };
    });
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    return this.guard(() => this.countCurrentFrom.get(prefix, prefixEnd(prefix) ?? NO_UPPER_BOUND)!);
  }

  create(key: string, value: string): Promise<KeyValue> {
    try {
      this.ensureOpen();
      if (this.latest(key) !== undefined) throw keyExists(key);
      const rev = this.pendingRev + 1;
      const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
      return this.enqueue({ key, value, rev, create: rev, prev: null, deleted: false }, Object.freeze({ type: 'put', kv: Object.freeze(kv) }), kv);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    try {
      this.ensureOpen();
      const row = this.latest(key);
      if (row === undefined) throw keyNotFound(key);
      if (row.revision !== expectedModRevision) throw conflict(key, expectedModRevision, row.revision);
      const rev = this.pendingRev + 1;
      const kv: KeyValue = { key, value, createRevision: row.create_revision, modRevision: rev };
      const prev: KeyValue = { key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
      const ev: StoreEvent = Object.freeze({ type: 'put', kv: Object.freeze(kv), prev: Object.freeze(prev) });
      return this.enqueue({ key, value, rev, create: row.create_revision, prev: row.revision, deleted: false }, ev, kv);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    try {
      this.ensureOpen();
      const row = this.latest(key);
      if (row === undefined) throw keyNotFound(key);
      if (expectedModRevision !== undefined && row.revision !== expectedModRevision) {
        throw conflict(key, expectedModRevision, row.revision);
      }
      const rev = this.pendingRev + 1;
      const prev: KeyValue = { key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
      const ev: StoreEvent = Object.freeze({ type: 'delete', key, revision: rev, prev: Object.freeze(prev) });
      return this.enqueue({ key, value: row.value, rev, create: row.create_revision, prev: row.revision, deleted: true }, ev, prev);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The key's live row as the pending writes leave it, else as committed. */
  private latest(key: string): CurrentRow | undefined {
    const p = this.pendingKeys.get(key);
    if (p !== undefined) return p ?? undefined;
    return this.guard(() => this.getCurrent.get(key));
  }

  /** Adds a checked write to the batch; resolves with `result` once the batch committed. */
  private enqueue(op: Omit<PendingWrite, 'event' | 'resolve' | 'reject'>, event: StoreEvent, result: KeyValue): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      this.batch.push({ ...op, event, resolve: () => resolve(result), reject });
      this.pendingRev = op.rev;
      this.pendingKeys.set(op.key, op.deleted ? null : { value: op.value, revision: op.rev, create_revision: op.create });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits the batch in one transaction, then publishes and acknowledges its writes in order. */
  private flush(): void {
    this.flushScheduled = false;
    const ops = this.batch;
    if (ops.length === 0) return;
    this.batch = [];
    this.pendingKeys.clear();
    try {
      this.guard(() => this.txBatch(ops));
    } catch (e) {
      // Nothing of the batch is stored: its revisions are free again.
      this.pendingRev = this.rev;
      for (const op of ops) op.reject(e);
      return;
    }
    // Writes issued by watch handlers during publish() join the next batch.
    for (const op of ops) this.commit(op.rev, op.event);
    for (const op of ops) op.resolve();
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    this.ensureOpen();
    return this.hub.watch(prefix, opts);
  }

  /**
   * Compacts in chunks of `compactChunk` revisions, one transaction each, letting the event
   * loop run in between; compactedRevision() advances chunk by chunk.
   */
  compact(revision: number): Promise<void> {
    // When idle, the first chunk runs synchronously (like every other write), so a
    // compaction is visible to reads and watches issued right after the call.
    const run = this.pendingCompactions === 0
      ? this.compactChunks(revision)
      : this.compactTail.then(() => this.compactChunks(revision));
    this.pendingCompactions++;
    this.compactTail = run.catch(() => undefined).finally(() => {
      this.pendingCompactions--;
    });
    return run;
  }

  /** One step of automatic compaction; returns the compaction point afterwards. */
  async autoCompact(): Promise<number> {
    this.ensureOpen();
    const target = autoCompactionTarget(this.rev, this.point, this.retain);
    if (target !== undefined) await this.compact(target);
    return this.point;
  }

  stats(): SqliteStoreStats {
    this.ensureOpen();
    const one = (sql: string): number => this.db.prepare<[], number>(sql).pluck().get() ?? 0;
    return {
      logRows: one('SELECT count(*) FROM log'),
      liveKeys: one('SELECT count(*) FROM current'),
      pageCount: one('PRAGMA page_count'),
      freelistCount: one('PRAGMA freelist_count'),
    };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    // Writes already taken are committed (and acknowledged) before the file closes.
    this.flush();
    this.isClosed = true;
    this.autoCompaction.stop();
    this.hub.endAll(closed());
    await this.compactTail;
    this.db.close();
  }

  private async compactChunks(target: number): Promise<void> {
    this.ensureOpen();
    if (target > this.rev) throw futureRevision(target, this.rev);
    while (this.point < target) {
      const to = Math.min(target, this.point + this.chunk);
      this.guard(() => this.txCompact(this.point, to));
      this.point = to;
      if (to < target) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.isClosed) return;
      }
    }
    this.reclaimSpace();
  }

  /**
   * After a compaction: gives free pages back to the file system once they are a sizeable share
   * of the file (fewer stay free for the next writes to reuse), and truncates the WAL, which a
   * compaction's large transactions grow past its usual 1000 pages.
   */
  private reclaimSpace(): void {
    this.guard(() => {
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      if (free >= 256 && free * 4 >= pages) this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      if (log.enabled(2)) log.v(2, `compacted to revision ${this.point}: ${pages} pages, ${free} were free`);
    });
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

  private commit(rev: number, ev: StoreEvent): void {
    this.rev = rev;
    this.hub.publish(ev);
    this.autoCompaction.wrote(rev, this.point);
  }

  /** Runs SQLite work, mapping driver failures (I/O, disk full, ...) to ERR_STORAGE_UNAVAILABLE. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (isStorageError(e)) throw e;
      throw unavailable(`datastore ${this.path}: ${String(e)}`, e);
    }
  }

  private readHistory(prefix: string, after: number, limit: number): StoreEvent[] {
    const rows = this.history.all(after, prefix, prefixEnd(prefix) ?? NO_UPPER_BOUND, limit);
    return rows.map(toEvent);
  }
}

/** A write checked and given its revision, waiting for its batch's commit. */
interface PendingWrite {
  readonly key: string;
  /** The new value; a delete's tombstone keeps the deleted value. */
  readonly value: string;
  readonly rev: number;
  readonly create: number;
  /** The key's previous revision (NULL for a create). */
  readonly prev: number | null;
  readonly deleted: boolean;
  readonly event: StoreEvent;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

function toKeyValue(r: ListRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
}

function toEvent(r: HistoryRow): StoreEvent {
  if (r.deleted) {
    // A delete row carries the deleted value; its prev_revision is the deleted modRevision.
    const prev: KeyValue = { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.prev_revision! };
    return { type: 'delete', key: r.key, revision: r.revision, prev };
  }
  const kv: KeyValue = { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
  if (r.prev_revision === null || r.prev_value === null) return { type: 'put', kv };
  const prev: KeyValue = {
    key: r.key,
    value: r.prev_value,
    createRevision: r.prev_create_revision!,
    modRevision: r.prev_revision,
  };
  return { type: 'put', kv, prev };
}
