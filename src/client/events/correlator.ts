// Decides whether an event is new (create an Event object) or a repeat of one recorded
// recently (patch its count and lastTimestamp), as client-go's EventCorrelator does for
// identical events. Pure bookkeeping: no I/O, time passed in.
import { LruCache } from './lru-cache.js';

/** Repeats within this window are folded into the existing Event. */
export const AGGREGATION_WINDOW_MS = 10 * 60 * 1000;
export const DEFAULT_CACHE_SIZE = 4096;

export interface EventIdentity {
  /** involvedObject kind, namespace, name, uid, apiVersion. */
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  type: string;
  reason: string;
  message: string;
  component: string;
  host: string;
}

export interface SeenEvent {
  /** The Event object's name and namespace. */
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
}

export type Correlation =
  | { kind: 'create'; seen: SeenEvent }
  | { kind: 'repeat'; seen: SeenEvent };

export class EventCorrelator {
  private readonly cache: LruCache<string, SeenEvent>;

  constructor(cacheSize = DEFAULT_CACHE_SIZE) {
    this.cache = new LruCache(cacheSize);
  }

  /**
   * Records one occurrence. `fresh` names the Event object to create when this is not a
   * repeat. The returned SeenEvent is a snapshot (count already incremented).
   */
  observe(id: EventIdentity, nowMs: number, fresh: () => Omit<SeenEvent, 'count' | 'lastSeenMs'>): Correlation {
    const key = keyOf(id);
    const prev = this.cache.get(key);
    if (prev && nowMs - prev.lastSeenMs <= AGGREGATION_WINDOW_MS) {
      const seen = { ...prev, count: prev.count + 1, lastSeenMs: nowMs };
      this.cache.set(key, seen);
      return { kind: 'repeat', seen };
    }
    const seen = { ...fresh(), count: 1, lastSeenMs: nowMs };
    this.cache.set(key, seen);
    return { kind: 'create', seen };
  }

  /** Forgets the event if the cache still refers to the Event object `name` (its write failed). */
  forget(id: EventIdentity, name: string): void {
    const key = keyOf(id);
    if (this.cache.get(key)?.name === name) this.cache.delete(key);
  }
}

function keyOf(id: EventIdentity): string {
  return JSON.stringify([id.component, id.host, id.kind, id.namespace, id.name, id.uid, id.apiVersion, id.type, id.reason, id.message]);
}
