// Create/delete expectations (upstream controller.ControllerExpectations), shared by the
// DaemonSet and Job controllers. Before issuing N creates, a controller records that it
// expects to observe N pod additions; the informer handlers count them down. Until the
// count reaches zero the controller does not trust its cache for scaling decisions, so it
// never creates twice for one gap. Expectations expire after 5 minutes, in case a watch
// event was lost.
import type { Clock } from '../../client/index.js';

const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  dels: number;
  at: number;
}

export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** Replaces the expectation for `key`. */
  expect(key: string, adds: number, dels: number): void {
    this.map.set(key, { adds, dels, at: this.clock.now() });
  }

  expectCreations(key: string, n: number): void {
    this.expect(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.expect(key, 0, n);
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string): void {
    const e = this.map.get(key);
    if (e) e.dels--;
  }

  /** A create that failed will never be observed. */
  lowerCreations(key: string, n = 1): void {
    const e = this.map.get(key);
    if (e) e.adds -= n;
  }

  lowerDeletions(key: string, n = 1): void {
    const e = this.map.get(key);
    if (e) e.dels -= n;
  }

  /** True when nothing is pending for `key` (or the record expired or never existed). */
  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels <= 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/**
 * Runs `fn` for `count` items in batches of 1, 2, 4, ... (upstream slowStartBatch), so a
 * request that fails for every item (quota, a bad template) fails once, not N times.
 * Returns how many calls succeeded, how many were attempted, and the first error.
 */
export async function slowStartBatch(count: number, fn: (i: number) => Promise<void>, initial = 1): Promise<{ done: number; attempted: number; error?: unknown }> {
  let done = 0;
  let next = 0;
  for (let size = Math.min(initial, count); size > 0; size = Math.min(2 * size, count - next)) {
    const results = await Promise.allSettled(Array.from({ length: size }, (_, k) => fn(next + k)));
    next += size;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    done += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { done, attempted: next, error: failed.reason };
  }
  return { done, attempted: next };
}
