// Wall-clock time in an IANA zone, through Intl (no tz database of our own). A "naive"
// time is a wall-clock reading encoded as if it were UTC: Date.UTC(y, m, d, h, mi, s).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

const isUtc = (tz: string): boolean => tz === '' || tz === 'UTC' || tz === 'Etc/UTC';

// Offsets change only at transitions, and every transition falls on a quarter hour (UTC):
// the offset is constant within each aligned 15-minute bucket, so it is cached per bucket.
const BUCKET_MS = 15 * 60_000;
const offsetCache = new Map<string, number>();

/** UTC offset of `tz` at `instant`, in ms (wall clock minus UTC). */
export function offsetAt(instant: number, tz: string): number {
  if (isUtc(tz)) return 0;
  const bucket = Math.floor(instant / BUCKET_MS) * BUCKET_MS;
  const key = `${tz}|${bucket}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    const p: Record<string, number> = {};
    for (const part of formatter(tz).formatToParts(new Date(bucket))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) - bucket;
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, off);
  }
  return off;
}

/** The wall-clock reading of `instant` in `tz`, as a naive time (second precision). */
export function naiveAt(instant: number, tz: string): number {
  return Math.floor(instant / 1000) * 1000 + offsetAt(instant, tz);
}

/**
 * The instants whose wall-clock reading in `tz` is `naive`, ascending: none inside a
 * spring-forward gap, two inside a fall-back overlap, otherwise one.
 */
export function instantsFor(naive: number, tz: string): number[] {
  if (isUtc(tz)) return [naive];
  const out = new Set<number>();
  for (const probe of [naive - 12 * 3600_000, naive + 12 * 3600_000]) {
    const o = offsetAt(probe, tz);
    const t = naive - o;
    if (offsetAt(t, tz) === o) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** RFC 3339 of `instant` as seen in `tz` (Go's time.RFC3339: `Z` for a zero offset). */
export function rfc3339In(instant: number, tz: string): string {
  const naive = naiveAt(instant, tz);
  const off = Math.round((naive - Math.floor(instant / 1000) * 1000) / 60000);
  const base = new Date(naive).toISOString().slice(0, 19);
  if (off === 0) return `${base}Z`;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${base}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
