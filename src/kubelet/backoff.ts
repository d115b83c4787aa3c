// Per-key exponential back-off, as client-go's flowcontrol.Backoff: each `next` doubles the
// key's delay (initial → max); a key untouched for twice the max delay starts over. The
// kubelet uses one for container restarts (CrashLoopBackOff, key pod uid + container) and
// one for image pulls (ImagePullBackOff, key pod uid + image).
import type { Clock } from '../client/index.js';

export const CRASH_BACKOFF_INITIAL_MS = 10_000;
export const CRASH_BACKOFF_MAX_MS = 300_000;

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, readonly initialMs = CRASH_BACKOFF_INITIAL_MS, readonly maxMs = CRASH_BACKOFF_MAX_MS) {}

  private expired(eventTime: number, e: Entry): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }

  /** Records a failure now: the key's delay doubles (or starts at the initial delay). */
  next(key: string): number {
    const now = this.clock.now();
    const e = this.entries.get(key);
    const delayMs = !e || this.expired(now, e) ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  /** The key's current delay (0 when none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /**
   * Milliseconds left before an event at `eventTime` (e.g. a container's exit) may be
   * retried; 0 when not in back-off.
   */
  remainingSince(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(eventTime, e)) return 0;
    return Math.max(0, e.delayMs - (this.clock.now() - eventTime));
  }

  /** Milliseconds left since the last `next` for the key; 0 when not in back-off. */
  remainingSinceUpdate(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const now = this.clock.now();
    if (this.expired(now, e)) return 0;
    return Math.max(0, e.delayMs - (now - e.lastUpdate));
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets keys with this prefix (a pod's uid when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
