// RateLimitingQueue: a DelayingQueue whose failed keys come back after a delay chosen by
// a RateLimiter. Workers call addRateLimited(key) when processing failed and forget(key)
// when it succeeded (resetting the key's back-off).
import { DelayingQueue } from './delaying-queue.js';
import type { WorkQueueOptions } from './queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

export interface RateLimitingQueueOptions<K> extends WorkQueueOptions {
  /** Defaults to defaultControllerRateLimiter(clock). */
  rateLimiter?: RateLimiter<K>;
}

export class RateLimitingQueue<K> extends DelayingQueue<K> {
  private readonly limiter: RateLimiter<K>;

  constructor(opts: RateLimitingQueueOptions<K> = {}) {
    super(opts);
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** Re-adds `key` once the rate limiter allows it. */
  addRateLimited(key: K): void {
    if (this.shuttingDownNow()) return;
    this.metrics?.retry?.(this.name);
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the back-off of `key`; does not remove it from the queue. */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }
}
