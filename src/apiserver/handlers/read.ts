// GET, LIST and WATCH, all served from the watch cache.
import type { KObject } from '../../api/types/index.js';
import { apiVersionOf } from '../../api/registry/index.js';
import { badRequest, gone, notAcceptable, StatusError } from '../../api/status.js';
import { writeJson, writeRaw } from '../http-util.js';
import { parseListQuery, type ListQuery } from '../query.js';
import { encodeK8sProtobufObject, encodeListParts, encodeMessageBytes, encodeWatchFrame, protobufMessageOf, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../api/schema/index.js';
import { encodeCachedBytes, encodeCachedEnvelope, encodeCachedProtobuf, eventChunk, watchLine, eventFrame, eventLine, type CacheEvent, type CacheEventType, type CachedObject } from '../cache/watch-cache.js';
import { compileSelectors } from '../api-hooks.js';
import { buildTable, includeObjectOf, needsConversion, partialMetadata, toExternal, writeCached, writeWarnings, type ResourceRequest } from './shared.js';
import { watchTimeoutSeconds } from '../limits/limits.js';

export function handleGet(r: ResourceRequest): void {
  const c = r.rs.get(r.info.namespace, r.info.name!);
  writeCached(r, 200, c);
}

function parseRv(s: string | null): number | undefined {
  if (s === null || s === '') return undefined;
  if (!/^\d+$/.test(s)) throw badRequest(`invalid resource version "${s}": must be a non-negative integer`);
  return Number(s);
}

function listFilter(r: ResourceRequest, lq: ListQuery): ((o: Readonly<KObject>) => boolean) | undefined {
  return compileSelectors(r.rs.def, lq.labelSelector, lq.fieldSelector);
}

function tooLargeResourceVersion(r: ResourceRequest, rv: number): StatusError {
  return new StatusError({ code: 504, reason: 'Timeout', message: `Too large resource version: ${rv}, current: ${r.rs.cache.currentRevision}`, details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 } });
}

export async function handleList(r: ResourceRequest): Promise<void> {
  const lq = parseListQuery(r.url.searchParams);
  const rv = parseRv(lq.resourceVersion);
  const match = lq.resourceVersionMatch;
  if (match === 'Exact' && rv !== undefined && rv !== r.rs.cache.currentRevision && rv < r.rs.cache.oldestWatchableRevision) {
    throw gone(`The provided resourceVersion ${rv} is too old; the current resource version is ${r.rs.cache.currentRevision}`);
  }
  if (rv && rv > 0) await r.rs.cache.waitFor(rv).catch(() => {
    throw tooLargeResourceVersion(r, rv);
  });
  const page = r.rs.list({ namespace: r.info.namespace, filter: listFilter(r, lq), limit: lq.limit, continueToken: lq.continue });
  const meta: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) {
    meta.continue = page.continueToken;
    meta.remainingItemCount = page.remaining;
  }
  writeWarnings(r);
  if (r.accept.table) {
    const objs = page.items.map((c) => toExternal(r, c.obj));
    const { resourceVersion: _rv, ...rest } = meta;
    writeJson(r.res, 200, buildTable(r, objs, page.revision, rest));
    return;
  }
  const apiVersion = apiVersionOf(r.def.group, r.def.version);
  if (r.accept.partial) {
    writeJson(r.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: page.items.map((c) => partialMetadata(c.obj)) });
    return;
  }
  // Items are joined from their cached encodings: no per-request re-serialization.
  const convert = needsConversion(r);
  if (r.accept.protobuf) {
    const items: Buffer[] = [];
    for (const c of page.items) {
      const pb = convert ? protobufOf(toExternal(r, c.obj)) : encodeCachedProtobuf(c);
      if (!pb) break;
      items.push(pb);
    }
    if (items.length === page.items.length && protobufMessageOf(apiVersion, r.def.listKind)) {
      await writeParts(r, encodeListParts(apiVersion, r.def.listKind, meta, items));
      return;
    }
    if (!r.accept.jsonOk) throw notAcceptable(`only the following media types are accepted for ${r.def.listKind}: application/json, application/yaml`);
  }
  const head = JSON.stringify({ kind: r.def.listKind, apiVersion, metadata: meta });
  await writeItems(r, `${head.slice(0, -1)},"items":[`, page.items.length, (i) => (convert ? Buffer.from(JSON.stringify(toExternal(r, page.items[i].obj))) : encodeCachedBytes(page.items[i])), ']}');
}

const STREAM_CHUNK_BYTES = 256 * 1024;

function protobufOf(obj: Readonly<KObject>): Buffer | null {
  const name = protobufMessageOf(obj.apiVersion ?? '', obj.kind ?? '');
  return name ? encodeMessageBytes(name, obj as unknown as Record<string, unknown>) : null;
}

/** Writes a protobuf body given in parts: one piece when small, else chunks with backpressure. */
async function writeParts(r: ResourceRequest, parts: Buffer[]): Promise<void> {
  const res = r.res;
  let total = 0;
  for (const p of parts) total += p.length;
  if (total <= STREAM_CHUNK_BYTES) {
    writeRaw(res, 200, Buffer.concat(parts, total), PROTOBUF_MEDIA_TYPE);
    return;
  }
  res.writeHead(200, { 'Content-Type': PROTOBUF_MEDIA_TYPE, 'Content-Length': total, 'Cache-Control': 'no-cache, private' });
  let batch: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < parts.length; i++) {
    batch.push(parts[i]!);
    size += parts[i]!.length;
    if (size < STREAM_CHUNK_BYTES && i < parts.length - 1) continue;
    if (res.destroyed) return;
    const ok = res.write(Buffer.concat(batch, size));
    batch = [];
    size = 0;
    if (!ok && !res.destroyed) await drained(res);
  }
  res.end();
}

function drained(res: ResourceRequest['res']): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes `prefix item,item,... suffix`. Small bodies go out in one piece with a length;
 * large ones are streamed in chunks, waiting for the socket to drain, so a 10k-pod list
 * never exists as one buffer and the first byte leaves early. Items are bytes (the cached
 * encodings), copied once into each outgoing piece.
 */
async function writeItems(r: ResourceRequest, prefix: string, n: number, item: (i: number) => Buffer, suffix: string): Promise<void> {
  const res = r.res;
  const parts: Buffer[] = [];
  let size = 0;
  let i = 0;
  for (; i < n && size < STREAM_CHUNK_BYTES; i++) {
    if (i > 0) parts.push(COMMA);
    const b = item(i);
    parts.push(b);
    size += b.length + 1;
  }
  if (i >= n) {
    parts.unshift(Buffer.from(prefix));
    parts.push(Buffer.from(suffix));
    writeRaw(res, 200, Buffer.concat(parts), 'application/json');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  parts.unshift(Buffer.from(prefix));
  const flush = async (): Promise<void> => {
    const ok = res.write(Buffer.concat(parts));
    parts.length = 0;
    size = 0;
    if (!ok && !res.destroyed) await drained(res);
  };
  await flush();
  for (; i < n; i++) {
    if (res.destroyed) return;
    const b = item(i);
    parts.push(COMMA, b);
    size += b.length + 1;
    if (size >= STREAM_CHUNK_BYTES) await flush();
  }
  if (parts.length) await flush();
  res.end(suffix);
}

const COMMA = Buffer.from(',');

/** Shared coarse timer for watch timeouts and bookmarks (no per-watch timers). */
const BOOKMARK_INTERVAL_MS = 60_000;

interface ActiveWatch {
  deadline: number;
  bookmarks: boolean;
  lastBookmark: number;
  sendBookmark(): void;
  close(): void;
}

const active = new Set<ActiveWatch>();
let ticker: NodeJS.Timeout | undefined;

function ensureTicker(): void {
  if (ticker) return;
  ticker = setInterval(() => {
    const now = Date.now();
    for (const w of active) {
      if (now >= w.deadline) w.close();
      else if (w.bookmarks && now - w.lastBookmark >= BOOKMARK_INTERVAL_MS) {
        w.lastBookmark = now;
        w.sendBookmark();
      }
    }
    if (active.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }, 1000);
  ticker.unref();
}

/** Per-watcher buffer limit: a client that stops reading is disconnected, not buffered. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** The annotation on the bookmark that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/**
 * A watch, always answered as a chunked stream once its options are valid. Where it starts:
 * - sendInitialEvents=true (watch-list; resourceVersionMatch=NotOlderThan): ADDED for every
 *   object in a state not older than resourceVersion ("" and "0": the current state), then,
 *   with allowWatchBookmarks, a BOOKMARK annotated k8s.io/initial-events-end, then changes;
 * - sendInitialEvents=false: changes only, after resourceVersion (or from now);
 * - unset (the classic watch): resourceVersion "" or "0" sends the current state as ADDED
 *   first; any other resourceVersion streams the changes after it (410 when compacted).
 * A single-object watch (`/watch/.../{name}` or a named path) selects metadata.name=NAME.
 */
export async function handleWatch(r: ResourceRequest): Promise<void> {
  const lq = parseListQuery(r.url.searchParams, true);
  const rv = parseRv(lq.resourceVersion);
  const filter = listFilter(r, lq);
  const ns = r.def.namespaced ? r.info.namespace : undefined;
  const nsPrefix = ns ? `${r.rs.prefix}${ns}/` : undefined;
  const nameFilter = r.info.name;
  const matches = (c: CachedObject): boolean => {
    if (nsPrefix && !c.key.startsWith(nsPrefix)) return false;
    if (nameFilter && c.view.metadata.name !== nameFilter) return false;
    return !filter || filter(c.view);
  };
  // Without timeoutSeconds a watch still ends, at a random time in [min, 2·min) (--min-request-timeout).
  const timeoutS = lq.timeoutSeconds || watchTimeoutSeconds(r.core.limits);
  const bookmarks = lq.allowWatchBookmarks;
  // An invalid includeObject is refused before the stream starts.
  includeObjectOf(r.url);
  if (lq.sendInitialEvents && rv !== undefined && rv > 0) await r.rs.cache.waitFor(rv).catch(() => {
    throw tooLargeResourceVersion(r, rv);
  });
  const table = r.accept.table;
  const convert = needsConversion(r);
  const res = r.res;
  let sentColumns = false;
  let closed = false;

  // Protobuf streams (client-go): length-prefixed WatchEvent frames; Tables stay JSON.
  const pbKind = r.accept.protobuf && !table && !r.accept.partial && protobufMessageOf(apiVersionOf(r.def.group, r.def.version), r.def.kind) !== undefined;
  if (r.accept.protobuf && !pbKind && !r.accept.jsonOk) throw notAcceptable(`only the following media types are accepted for ${r.def.kind}: application/json, application/yaml`);
  const frameOf = (type: string, obj: Readonly<object>): Buffer => encodeWatchFrame(type, encodeK8sProtobufObject(obj as Record<string, unknown>)!);
  const bookmark = (rv: number, initialEventsEnd: boolean): Buffer | string => {
    const obj = bookmarkObject(r, rv, initialEventsEnd);
    return pbKind ? frameOf('BOOKMARK', obj) : `{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`;
  };

  const encode = (type: string, c: CachedObject): string | Buffer => {
    if (pbKind) return convert ? frameOf(type, toExternal(r, c.obj)) : encodeWatchFrame(type, encodeCachedEnvelope(c)!);
    if (table) {
      const obj = toExternal(r, c.obj);
      const t = buildTable(r, [obj], c.rv, undefined, !sentColumns);
      sentColumns = true;
      return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
    }
    if (r.accept.partial) return `{"type":"${type}","object":${JSON.stringify(partialMetadata(c.obj))}}\n`;
    return convert ? `{"type":"${type}","object":${JSON.stringify(toExternal(r, c.obj))}}\n` : watchLine(type, c);
  };

  const watch: ActiveWatch = {
    deadline: timeoutS > 0 ? Date.now() + timeoutS * 1000 : Number.POSITIVE_INFINITY,
    bookmarks,
    lastBookmark: Date.now(),
    sendBookmark: () => write(bookmark(r.rs.cache.cacheRevision, false)),
    close: () => {
      if (closed) return;
      closed = true;
      active.delete(watch);
      handle?.cancel();
      res.end();
    },
  };

  const write = (s: string | Buffer): boolean => {
    if (closed) return false;
    res.write(s);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      watch.close();
      return false;
    }
    return true;
  };

  // Watchers of the storage version (JSON or protobuf) share one encoding per event. On a
  // chunked HTTP/1.1 response it goes to the socket as one pre-framed chunk, shared too: a
  // single write (one TLS record) per watcher and event. The socket is the response's own, so
  // these writes stay in order with the response's (headers, bookmarks, its final chunk).
  const shared = !table && !r.accept.partial && !convert;
  const writeShared = (ev: CacheEvent, type: CacheEventType): boolean => {
    const sock = res.chunkedEncoding ? res.socket : null;
    if (!sock || sock.destroyed || closed) return write(pbKind ? eventFrame(ev, type)! : eventLine(ev, type));
    sock.write(eventChunk(ev, type, pbKind === true)!);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      watch.close();
      return false;
    }
    return true;
  };
  const send = (ev: CacheEvent, type: CacheEventType): boolean => (shared ? writeShared(ev, type) : write(encode(type, ev.cur)));
  const onEvent = (ev: CacheEvent): boolean => {
    if (closed) return false;
    const now = matches(ev.cur);
    const before = ev.prev ? matches(ev.prev) : false;
    if (ev.type === 'ADDED') return now ? send(ev, 'ADDED') : true;
    if (ev.type === 'DELETED') return before ? send(ev, 'DELETED') : true;
    // An object entering or leaving the selection is reported as ADDED or DELETED.
    if (now && before) return send(ev, 'MODIFIED');
    if (now) return send(ev, 'ADDED');
    if (before) return send(ev, 'DELETED');
    return true;
  };

  res.writeHead(200, { 'Content-Type': pbKind ? PROTOBUF_WATCH_MEDIA_TYPE : 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let handle: { cancel(): void } | undefined;
  // A resource that stops being served (its CRD deleted) ends its watches, as upstream.
  const onStop = (): void => watch.close();
  const initialEvents = lq.sendInitialEvents ?? (rv === undefined || rv === 0);
  if (initialEvents) {
    // Synthetic ADDED events for the current state, then changes after it.
    const start = r.rs.cache.cacheRevision;
    const keyPrefix = nsPrefix ?? r.rs.prefix;
    for (const c of r.rs.cache.scan(keyPrefix)) if (matches(c)) write(encode('ADDED', c));
    if (lq.sendInitialEvents && bookmarks) write(bookmark(start, true));
    handle = r.rs.cache.watchFrom(start, { onEvent, onStop });
  } else if (rv === undefined || rv === 0) {
    handle = r.rs.cache.watchFrom(r.rs.cache.cacheRevision, { onEvent, onStop });
  } else {
    handle = r.rs.cache.watchFrom(rv, { onEvent, onStop });
    if (!handle) {
      const st = gone(`too old resource version: ${rv} (${r.rs.cache.oldestWatchableRevision})`).status;
      write(pbKind ? frameOf('ERROR', st) : `{"type":"ERROR","object":${JSON.stringify(st)}}\n`);
      closed = true;
      res.end();
      return;
    }
  }
  active.add(watch);
  ensureTicker();
  r.req.on('close', () => watch.close());
  res.on('error', () => watch.close());
}

function bookmarkObject(r: ResourceRequest, rv: number, initialEventsEnd: boolean): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
  const kind = r.accept.partial ? 'PartialObjectMetadata' : r.def.kind;
  const apiVersion = r.accept.partial ? 'meta.k8s.io/v1' : apiVersionOf(r.def.group, r.def.version);
  return { kind, apiVersion, metadata };
}
