// One watch cache per stored resource (upstream's cacher): fed by a single storage watch,
// it holds every live object, and a ring of recent events so that watches can start from a
// recent resourceVersion. Lists and watches are served from here.
//
// Representation (issue 18, memory per stored object): an entry keeps the object's JSON (the
// bytes every GET, LIST and watcher sends) and a small selection view (name, namespace,
// labels and the kind's selectable fields: what label and field selectors read). The decoded
// tree is kept only while the entry is "hot": among the last HOT_ENTRIES entries this cache
// created or decoded (a just-written object is read again by its write's response, the
// admission of its next update, the Node authorizer's feed). A cold entry decodes its JSON on
// the next `obj` read. A decoded pod costs about 1.5× its JSON again in heap, so keeping trees
// for every object more than doubled the memory per stored object.
//
// Objects handed out are shared and must be treated as immutable. Each event keeps its encoded
// watch line, shared by all watchers.
//
// History: like upstream's dynamically sized cacher, the event window keeps at least the
// last 75 seconds of events (bounded by maxEvents) and at least minEvents, so a watcher
// that reconnects within that window resumes instead of relisting.
import type { KObject } from '../../api/types/index.js';
import { type Store, type StoreEvent, type WatchHandle, StorageError } from '../../storage/index.js';
import { logger } from '../../util/log.js';
import { encodeEnvelope, encodeMessageBytes, encodeWatchFrame, envelopeRawOffset, ENVELOPE_TAIL_BYTES, protobufMessageOf } from '../../api/schema/index.js';
import { ERR_STORAGE_UNAVAILABLE } from '../../util/error-codes.js';

const log = logger('apiserver/watch-cache');

/** Entries per cache that keep their decoded tree (and protobuf body) beside the JSON. */
export const HOT_ENTRIES = 1024;

/**
 * The bounded set of entries holding a decoded tree: a ring, the oldest member is cooled
 * (drops its tree) when a new one comes in. Members replaced in the cache by newer versions
 * simply age out.
 */
class HotSet {
  /** Grows to `size` (most resources hold a few objects), then wraps. */
  private readonly ring: CachedObject[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(c: CachedObject): void {
    if (this.ring.length < this.size) {
      this.ring.push(c);
      return;
    }
    const old = this.ring[this.next]!;
    if (old !== c) old.cool();
    this.ring[this.next] = c;
    this.next = (this.next + 1) % this.size;
  }
}

/**
 * A stored object as the cache keeps it. `bytes` (its JSON, UTF-8) is always there; `obj` decodes it on demand
 * (kept while hot); `view` answers selectors without decoding.
 */
export class CachedObject {
  /** The decoded tree while hot. */
  private tree: Readonly<KObject> | undefined;
  /** The protobuf body ("k8s\0" envelope), on first protobuf read while hot; null: the kind has none. */
  pb?: Buffer | null;
  /** Where the message bytes start inside `pb`. */
  pbRaw?: number;

  constructor(
    readonly key: string,
    readonly rv: number,
    /**
     * The object's JSON as UTF-8, shared by every response and watcher that sends it unchanged.
     * Kept outside the V8 heap: written to sockets as is, and the heap (whose growth headroom
     * scales with it) holds only the small view and the hot trees.
     */
    readonly bytes: Buffer,
    /** What label and field selectors of this kind read (see selectionView in api/selectors). */
    readonly view: Readonly<KObject>,
    tree: Readonly<KObject>,
    private readonly hot: HotSet,
  ) {
    this.tree = tree;
    hot.add(this);
  }

  /** The decoded object (shared: never mutate it). */
  get obj(): Readonly<KObject> {
    let t = this.tree;
    if (t === undefined) {
      t = this.tree = JSON.parse(this.bytes.toString()) as KObject;
      this.hot.add(this);
    }
    return t;
  }

  /** Drops what can be rebuilt from `bytes` (the hot set's eviction). */
  cool(): void {
    this.tree = undefined;
    this.pb = undefined;
    this.pbRaw = undefined;
  }
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  readonly type: CacheEventType;
  readonly cur: CachedObject;
  /** Previous state (MODIFIED, DELETED). */
  readonly prev?: CachedObject;
  readonly rv: number;
  /** When the cache applied it (ms), for time-based retention. */
  readonly at: number;
  /** Encoded `{"type":..,"object":..}\n` lines by event type, shared by all JSON watchers. */
  lines?: Partial<Record<CacheEventType, Buffer>>;
  /** Length-prefixed protobuf WatchEvent frames by event type, shared by all protobuf watchers. */
  frames?: Partial<Record<CacheEventType, Buffer | null>>;
  /** The line or frame as one HTTP/1.1 chunk (size line, bytes, CRLF), by encoding and type. */
  chunks?: Partial<Record<`${'json' | 'pb'}:${CacheEventType}`, Buffer | null>>;
}

/** The watch line for an event as `type` (selector transitions may report another type). */
export function eventLine(ev: CacheEvent, type: CacheEventType): Buffer {
  const lines = (ev.lines ??= {});
  return (lines[type] ??= watchLine(type, ev.cur));
}

/**
 * The event's watch line (JSON) or frame (protobuf; null when the kind has none) framed as one
 * HTTP/1.1 chunk, built once per event and shared by every chunked watch stream: a watcher's
 * socket gets it in a single write (one TLS record), with no per-watcher framing.
 */
export function eventChunk(ev: CacheEvent, type: CacheEventType, protobuf: boolean): Buffer | null {
  const chunks = (ev.chunks ??= {});
  const k = `${protobuf ? 'pb' : 'json'}:${type}` as const;
  let c = chunks[k];
  if (c === undefined) {
    const body = protobuf ? eventFrame(ev, type) : eventLine(ev, type);
    c = chunks[k] = body ? frameChunk(body) : null;
  }
  return c;
}

/** `bytes` as one chunk of a chunked HTTP/1.1 body. */
export function frameChunk(bytes: Buffer): Buffer {
  const head = `${bytes.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(head.length + bytes.length + 2);
  out.write(head, 0, 'latin1');
  bytes.copy(out, head.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * The protobuf watch frame for an event as `type`, or null when the kind has no protobuf
 * form. Encoded once per event and type, like the JSON line (STYLE §11).
 */
export function eventFrame(ev: CacheEvent, type: CacheEventType): Buffer | null {
  const frames = (ev.frames ??= {});
  let f = frames[type];
  if (f === undefined) {
    const env = encodeCachedEnvelope(ev.cur);
    f = frames[type] = env ? encodeWatchFrame(type, env) : null;
  }
  return f;
}

/**
 * The object's full protobuf body ("k8s\0" envelope; computed once and kept beside the JSON),
 * or null when its kind has none.
 */
export function encodeCachedEnvelope(c: CachedObject): Buffer | null {
  if (c.pb !== undefined) return c.pb;
  const apiVersion = c.obj.apiVersion ?? '';
  const kind = c.obj.kind ?? '';
  const name = protobufMessageOf(apiVersion, kind);
  if (!name) return (c.pb = null);
  const env = encodeEnvelope(apiVersion, kind, encodeMessageBytes(name, c.obj as unknown as Record<string, unknown>, 1024, encodeCached(c)));
  c.pbRaw = envelopeRawOffset(env);
  return (c.pb = env);
}

/** The object's protobuf message bytes (no envelope: list items), or null. */
export function encodeCachedProtobuf(c: CachedObject): Buffer | null {
  const env = encodeCachedEnvelope(c);
  return env ? env.subarray(c.pbRaw!, env.length - ENVELOPE_TAIL_BYTES) : null;
}

export interface WatchCacheOptions {
  /** Events always kept (default 1024). */
  minEvents?: number;
  /** Events never exceeded (default 102400). */
  maxEvents?: number;
  /** Keep events at least this long while under maxEvents (default 75 s). */
  retainMs?: number;
  /** Builds each entry's selection view (default: metadata name, namespace, labels). */
  view?: Viewer;
  /** Entries that keep their decoded tree (default HOT_ENTRIES). */
  hotEntries?: number;
}

/** The object's JSON as a string (decoded from the cached bytes; prefer encodeCachedBytes). */
export function encodeCached(c: CachedObject): string {
  return c.bytes.toString();
}

/** The object's JSON bytes (encoded once, when it entered the cache). */
export function encodeCachedBytes(c: CachedObject): Buffer {
  return c.bytes;
}

const LINE_TAIL = Buffer.from('}\n');

/** `{"type":TYPE,"object":<the cached JSON>}\n` as one buffer. */
export function watchLine(type: string, c: CachedObject): Buffer {
  const head = `{"type":"${type}","object":`;
  const out = Buffer.allocUnsafe(head.length + c.bytes.length + LINE_TAIL.length);
  out.write(head, 0, 'latin1');
  c.bytes.copy(out, head.length);
  LINE_TAIL.copy(out, head.length + c.bytes.length);
  return out;
}

export interface CacheWatcher {
  /** Return false to stop delivery (the watcher is removed). */
  onEvent(ev: CacheEvent): boolean | void;
  /** The cache stopped (its resource is no longer served, e.g. its CRD was deleted). */
  onStop?(): void;
}

export type Decoder = (key: string, value: string, rv: number) => KObject;
/** The selection view of a decoded object (see CachedObject.view). */
export type Viewer = (obj: Readonly<KObject>) => KObject;

/** Without a viewer: metadata name, namespace and labels (what every kind can be selected by). */
function metadataView(obj: Readonly<KObject>): KObject {
  const m = obj.metadata;
  return { metadata: { name: m.name, namespace: m.namespace, labels: m.labels } } as KObject;
}

export class WatchCache {
  private readonly items = new Map<string, CachedObject>();
  private sortedKeys: string[] | null = null;
  /** Slots before `head` are evicted and hold undefined (so their objects can be collected). */
  private events: Array<CacheEvent | undefined> = [];
  private head = 0;
  private readonly minEvents: number;
  private readonly maxEvents: number;
  private readonly retainMs: number;
  /** Every event with rv > oldestRv is in the ring (or none happened). */
  private oldestRv = 0;
  private revision = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly waiters: Array<{ rv: number; resolve: () => void }> = [];
  private handle?: WatchHandle;
  private ready = false;
  private readonly hot: HotSet;
  private readonly view: Viewer;

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly decode: Decoder,
    opts: WatchCacheOptions = {},
  ) {
    this.maxEvents = opts.maxEvents ?? 102_400;
    this.minEvents = Math.min(opts.minEvents ?? 1024, this.maxEvents);
    this.retainMs = opts.retainMs ?? 75_000;
    this.hot = new HotSet(Math.max(1, opts.hotEntries ?? HOT_ENTRIES));
    this.view = opts.view ?? metadataView;
  }

  /** Lists the prefix and starts the storage watch. */
  async start(): Promise<void> {
    let startAfter: string | undefined;
    let rev = 0;
    for (;;) {
      const page = await this.store.list(this.prefix, { limit: 5000, startAfter, revision: rev || undefined });
      rev = page.revision;
      for (const kv of page.items) this.items.set(kv.key, this.entry(kv.key, kv.value, kv.modRevision));
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    this.revision = rev;
    this.oldestRv = rev;
    this.handle = this.store.watch(this.prefix, {
      afterRevision: rev,
      onEvent: (ev) => this.apply(ev),
      onError: (err) => {
        // The storage watch died; a cache that silently stops would serve stale data forever.
        log.error(`${this.prefix}: storage watch failed: ${err.message}`);
      },
    });
    this.ready = true;
  }

  stop(): void {
    this.handle?.cancel();
    const ws = [...this.watchers];
    this.watchers.clear();
    for (const w of ws) w.onStop?.();
  }

  get currentRevision(): number {
    return Math.max(this.revision, this.store.currentRevision());
  }

  /** Revision the cache has caught up with (from its own prefix's point of view). */
  get cacheRevision(): number {
    return this.revision;
  }

  isReady(): boolean {
    return this.ready;
  }

  private entry(key: string, value: string, rv: number): CachedObject {
    const obj = this.decode(key, value, rv);
    return new CachedObject(key, rv, Buffer.from(JSON.stringify(obj)), this.view(obj), obj, this.hot);
  }

  private apply(ev: StoreEvent): void {
    let ce: CacheEvent;
    const at = Date.now();
    if (ev.type === 'put') {
      const cur = this.entry(ev.kv.key, ev.kv.value, ev.kv.modRevision);
      const prev = this.items.get(ev.kv.key);
      if (!prev && this.sortedKeys) insertSorted(this.sortedKeys, ev.kv.key);
      this.items.set(ev.kv.key, cur);
      ce = { type: prev ? 'MODIFIED' : 'ADDED', cur, prev, rv: ev.kv.modRevision, at };
    } else {
      const prev = this.items.get(ev.key) ?? this.entry(ev.key, ev.prev.value, ev.prev.modRevision);
      this.items.delete(ev.key);
      if (this.sortedKeys) removeSorted(this.sortedKeys, ev.key);
      // A deleted object is reported with the deletion's revision, as upstream does.
      const obj = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(ev.revision) } };
      const cur = new CachedObject(ev.key, ev.revision, Buffer.from(JSON.stringify(obj)), prev.view, obj, this.hot);
      ce = { type: 'DELETED', cur, prev, rv: ev.revision, at };
    }
    this.revision = ce.rv;
    this.push(ce);
    for (const w of this.watchers) {
      let keep: boolean | void;
      try {
        keep = w.onEvent(ce);
      } catch (e) {
        // A watcher that throws is a bug in its handler; it stops receiving, and says so once.
        log.error(`${this.prefix}: a watcher failed and was removed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        keep = false;
      }
      if (keep === false) this.watchers.delete(w);
    }
    // The shared encodings served this fan-out; a later replay re-encodes on demand.
    ce.lines = undefined;
    ce.frames = undefined;
    ce.chunks = undefined;
    this.wake();
  }

  private push(ev: CacheEvent): void {
    this.events.push(ev);
    const horizon = ev.at - this.retainMs;
    let len = this.events.length - this.head;
    while (len > this.maxEvents || (len > this.minEvents && this.events[this.head]!.at < horizon)) {
      this.oldestRv = this.events[this.head]!.rv;
      // Release the evicted event now: the slot itself goes only with the bulk slice below,
      // and until then it held the object and its encodings (fuzz: up to 4096 dead events per
      // resource stayed reachable, hundreds of MB under a write-heavy load).
      this.events[this.head] = undefined;
      this.head++;
      len--;
    }
    // Drop evicted slots in bulk so the array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const cur = Math.max(this.revision, this.store.currentRevision());
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].rv <= cur) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  /** Resolves once the cache reflects every write up to `rv`. */
  waitFor(rv: number, timeoutMs = 3000): Promise<void> {
    // Local stores deliver events synchronously after commit: once the store has passed rv,
    // this cache has applied every event of its prefix up to rv.
    if (this.revision >= rv || this.store.currentRevision() >= rv) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new StorageError(ERR_STORAGE_UNAVAILABLE, `Too large resource version: ${rv}, current: ${this.revision}`, undefined, rv));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ rv, resolve: done });
    });
  }

  get(key: string): CachedObject | undefined {
    return this.items.get(key);
  }

  get size(): number {
    return this.items.size;
  }

  /** Keys in lexical order starting with `keyPrefix`, after `startAfter`. */
  *scan(keyPrefix: string, startAfter?: string): Generator<CachedObject> {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    const keys = this.sortedKeys;
    const from = startAfter && startAfter > keyPrefix ? startAfter : keyPrefix;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < from || (startAfter !== undefined && keys[mid] === startAfter)) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys.length; i++) {
      const k = keys[i];
      if (!k.startsWith(keyPrefix)) break;
      const c = this.items.get(k);
      if (c) yield c;
    }
  }

  /** How many keys starting with `keyPrefix` sort after `afterKey` (binary searches: no scan). */
  countAfter(keyPrefix: string, afterKey: string): number {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    const keys = this.sortedKeys;
    const from = afterKey < keyPrefix ? lowerBound(keys, keyPrefix) : upperBound(keys, afterKey);
    const end = keyPrefix ? lowerBound(keys, prefixEnd(keyPrefix)) : keys.length;
    return Math.max(0, end - from);
  }

  /**
   * Registers a watcher for events after `afterRv`. Returns undefined if events that old
   * are no longer held (the caller answers 410 Gone). Replayed events are delivered
   * synchronously before this returns.
   */
  watchFrom(afterRv: number, w: CacheWatcher): { cancel(): void } | undefined {
    if (afterRv < this.oldestRv) return undefined;
    for (let i = this.head; i < this.events.length; i++) {
      const ev = this.events[i]!;
      if (ev.rv > afterRv && w.onEvent(ev) === false) return { cancel() {} };
    }
    this.watchers.add(w);
    return { cancel: () => void this.watchers.delete(w) };
  }

  /** Oldest resourceVersion a watch can start from. */
  get oldestWatchableRevision(): number {
    return this.oldestRv;
  }

  watcherCount(): number {
    return this.watchers.size;
  }
}

function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key greater than k. */
function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The least string greater than every string starting with `prefix` (its last code unit + 1). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function insertSorted(keys: string[], k: string): void {
  const i = lowerBound(keys, k);
  if (keys[i] !== k) keys.splice(i, 0, k);
}

function removeSorted(keys: string[], k: string): void {
  const i = lowerBound(keys, k);
  if (keys[i] === k) keys.splice(i, 1);
}
