// Event helpers: the events about one object, newest first, as one evidence line each.
import type { Event, KObject } from '../api/types/index.js';

/** Events whose involvedObject is `obj` (by uid when both have one, else by kind and name), newest first. */
export function eventsFor(events: readonly Event[], obj: KObject, kind: string): Event[] {
  const uid = obj.metadata.uid;
  return events
    .filter((e) => {
      const io = e.involvedObject ?? {};
      if (uid && io.uid) return io.uid === uid;
      return io.kind === kind && io.name === obj.metadata.name && (io.namespace ?? '') === (obj.metadata.namespace ?? '');
    })
    .sort((a, b) => eventTime(b) - eventTime(a));
}

function eventTime(e: Event): number {
  const t = e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return t ? Date.parse(String(t)) || 0 : 0;
}

export function eventCount(e: Event): number {
  return e.series?.count ?? e.count ?? 1;
}

/** "event Unhealthy (x4): Readiness probe failed: ..." */
export function eventLine(e: Event): string {
  const n = eventCount(e);
  return `event ${e.reason ?? '?'}${n > 1 ? ` (x${n})` : ''}: ${(e.message ?? '').trim()}`;
}

/** The newest events of `reasons`, warnings first. */
export function eventsWithReason(events: readonly Event[], reasons: readonly string[]): Event[] {
  return events.filter((e) => reasons.includes(e.reason ?? ''));
}
