// Object history: the record of one revision, segments of records as stored, and the pure
// functions the API serves from them (changed paths, changed field managers).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { fnv1, fnv1a } from '../../util/hash.js';

/** What happened at a revision. */
export type HistoryOperation = 'Create' | 'Update' | 'Delete';

/**
 * One revision of one object. Field names are short: segments hold many of them.
 * `v` is the object as stored at `rv` (for a Delete: the last value before the delete).
 */
export interface HistoryRecord {
  /** Storage key, /registry/<group>/<resource>/[<namespace>/]<name>. */
  k: string;
  /** The revision of the write (for a Delete: the delete's revision). */
  rv: number;
  op: HistoryOperation;
  /** Milliseconds since the epoch when the recorder saw the change. */
  t: number;
  /** The request user, when the write came through the API server's write path. */
  u?: string;
  /** Field managers whose managedFields entry this write added or changed. */
  m?: string[];
  v: string;
  /** In memory only (never stored): a Delete's deleted-value revision, to match its writer. */
  pr?: number;
}

const SEGMENT_MAGIC = 'h2:';

/**
 * A segment's value: `h2:<bloom, base64>:<records as JSON, deflated, base64>` (Store values are
 * strings). The bloom filter holds each record's key, its namespace dir and its resource dir
 * (probeKeys), so a query reads only the segments that may hold what it asks for.
 */
export function encodeSegment(records: readonly HistoryRecord[]): string {
  const bloom = buildBloom(records.flatMap((r) => probeKeys(r.k)));
  return `${SEGMENT_MAGIC}${Buffer.from(bloom).toString('base64')}:${deflateRawSync(Buffer.from(JSON.stringify(records))).toString('base64')}`;
}

export function decodeSegment(value: string): HistoryRecord[] {
  if (!value.startsWith(SEGMENT_MAGIC)) return [];
  const sep = value.indexOf(':', SEGMENT_MAGIC.length);
  try {
    const out: unknown = JSON.parse(inflateRawSync(Buffer.from(value.slice(sep + 1), 'base64')).toString('utf8'));
    return Array.isArray(out) ? (out as HistoryRecord[]) : [];
  } catch {
    return [];
  }
}

/** The bloom filter in a segment's value, without decoding its records. */
export function segmentBloom(value: string): Uint8Array | undefined {
  if (!value.startsWith(SEGMENT_MAGIC)) return undefined;
  const sep = value.indexOf(':', SEGMENT_MAGIC.length);
  return sep < 0 ? undefined : new Uint8Array(Buffer.from(value.slice(SEGMENT_MAGIC.length, sep), 'base64'));
}

/** What a query may probe a segment for: the key, its namespace dir and its resource dir (no trailing slash). */
export function probeKeys(key: string): string[] {
  const parts = key.split('/');
  return [key, key.slice(0, key.lastIndexOf('/')), parts.slice(0, 4).join('/')];
}

const BLOOM_HASHES = 4;

function bloomPositions(s: string, bits: number): number[] {
  const bytes = Buffer.from(s);
  const h1 = fnv1a(bytes);
  const h2 = fnv1(bytes) | 1;
  return Array.from({ length: BLOOM_HASHES }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % bits);
}

/** About 10 bits per distinct entry (~1 % false positives), a power of two from 256 bits to 1 Mibit. Pure. */
export function buildBloom(entries: readonly string[]): Uint8Array {
  const distinct = new Set(entries);
  let bits = 256;
  while (bits < distinct.size * 10 && bits < 1 << 20) bits *= 2;
  const out = new Uint8Array(bits / 8);
  for (const e of distinct) for (const p of bloomPositions(e, bits)) out[p >> 3] |= 1 << (p & 7);
  return out;
}

export function bloomMayHave(bloom: Uint8Array, s: string): boolean {
  const bits = bloom.length * 8;
  if (!bits) return true;
  return bloomPositions(s, bits).every((p) => (bloom[p >> 3] & (1 << (p & 7))) !== 0);
}

/** Segment keys sort by their first revision: <prefix><first, 20 digits>-<last>-<time of last record, ms>. */
export function segmentKey(prefix: string, records: readonly HistoryRecord[]): string {
  const first = records[0].rv;
  const last = records[records.length - 1];
  return `${prefix}${String(first).padStart(20, '0')}-${last.rv}-${last.t}`;
}

export interface SegmentInfo {
  key: string;
  firstRev: number;
  lastRev: number;
  /** Time of the segment's last record (ms). */
  lastTime: number;
  bytes: number;
  /** Which keys and dirs the segment may hold (probeKeys); undefined: read it for any query. */
  bloom?: Uint8Array;
}

export function parseSegmentKey(prefix: string, key: string, bytes: number): SegmentInfo | undefined {
  const m = /^(\d{20})-(\d+)-(\d+)$/.exec(key.slice(prefix.length));
  if (!key.startsWith(prefix) || !m) return undefined;
  return { key, firstRev: Number(m[1]), lastRev: Number(m[2]), lastTime: Number(m[3]), bytes };
}

/**
 * The managers of an object's newest managedFields entries (latest `time`): the best guess of
 * who wrote a revision when the write path did not say (the write path's manager wins).
 */
export function latestManagers(value: string): string[] {
  try {
    const mf = (JSON.parse(value) as { metadata?: { managedFields?: unknown } }).metadata?.managedFields;
    if (!Array.isArray(mf)) return [];
    const entries = mf as Array<{ manager?: unknown; time?: unknown }>;
    const latest = entries.reduce((t, e) => (typeof e.time === 'string' && e.time > t ? e.time : t), '');
    return [...new Set(entries.filter((e) => e.time === latest && typeof e.manager === 'string').map((e) => e.manager as string))];
  } catch {
    return [];
  }
}

/** Metadata every write changes or that only the server keeps: left out of paths and diffs. */
const NOISE = new Set(['metadata.resourceVersion', 'metadata.managedFields', 'metadata.generation']);

/**
 * Dotted paths of the leaves that differ between two objects (lists by index, `[i]`), at
 * most `max` of them, server-kept metadata left out. Pure.
 */
export function changedPaths(a: unknown, b: unknown, max = 8): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length > max || NOISE.has(path)) return;
    if (x === y) return;
    const xo = x !== null && typeof x === 'object';
    const yo = y !== null && typeof y === 'object';
    if (!xo || !yo || Array.isArray(x) !== Array.isArray(y)) {
      out.push(path || '.');
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`);
      return;
    }
    const xr = x as Record<string, unknown>;
    const yr = y as Record<string, unknown>;
    for (const k of new Set([...Object.keys(xr), ...Object.keys(yr)])) walk(xr[k], yr[k], path ? `${path}.${k}` : k);
  };
  walk(a, b, '');
  return out.length > max ? [...out.slice(0, max), '…'] : out;
}

/** Secrets' values never enter the history: each data/stringData value becomes "<redacted>". */
export function redactSecret(value: string): string {
  try {
    const o = JSON.parse(value) as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
    for (const f of ['data', 'stringData'] as const) {
      const m = o[f];
      if (m && typeof m === 'object') for (const k of Object.keys(m)) m[k] = '<redacted>';
    }
    return JSON.stringify(o);
  } catch {
    return '{}';
  }
}

/** Only apiVersion, kind and metadata of a stored object ('{}' when it does not parse). */
export function metadataOnly(value: string): string {
  try {
    const o = JSON.parse(value) as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
    return JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata });
  } catch {
    return '{}';
  }
}

/** `/registry/<group|core>/<resource>/...` → `<resource>.<group>` (`pods` for core), or undefined. */
export function resourceOfKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length < 5 || parts[1] !== 'registry') return undefined;
  return parts[2] === 'core' ? parts[3] : `${parts[3]}.${parts[2]}`;
}
