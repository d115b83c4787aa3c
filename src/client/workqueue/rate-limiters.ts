// Rate limiters: small strategy objects deciding how long a failed key waits before it is
// retried. They combine with maxOf(...). Defaults match client-go's controller limiter:
// per-key exponential back-off (5 ms doubling up to 1000 s) combined with an overall token
// bucket (10 qps, burst 100) that only matters when very many keys fail at once.
import type { Clock } from '../controller-types.js';
import { realClock } from '../controller-types.js';

export interface RateLimiter<K = string> {
  /** Delay in ms before `key` may be retried; records a failure of `key`. */
  when(key: K): number;
  /** Stops tracking `key` (it succeeded, or was given up on). */
  forget(key: K): void;
  /** Failures recorded for `key` since it was last forgotten. */
  numRequeues(key: K): number;
}

/** base·2^failures ms, capped at maxMs. */
export function exponentialFailureRateLimiter<K = string>(baseMs = 5, maxMs = 1000_000): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2^n overflows to Infinity for large n, which the cap absorbs.
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/**
 * Token bucket shared by all keys: `qps` tokens per second, at most `burst` stored. Each
 * when() takes a token, reserving a future one when the bucket is empty (the returned delay
 * is how long until that token exists), as golang.org/x/time/rate's Reserve does.
 */
export function bucketRateLimiter<K = string>(qps = 10, burst = 100, clock: Clock = realClock): RateLimiter<K> {
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      if (now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
        last = now;
      }
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps;
    },
    forget() {},
    numRequeues: () => 0,
  };
}

/** Fast delay for the first `maxFastAttempts` failures of a key, then the slow delay. */
export function fastSlowRateLimiter<K = string>(fastMs: number, slowMs: number, maxFastAttempts: number): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      return n <= maxFastAttempts ? fastMs : slowMs;
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** The longest delay of all limiters; every limiter records every failure. */
export function maxOf<K = string>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when(key) {
      let d = 0;
      for (const l of limiters) d = Math.max(d, l.when(key));
      return d;
    },
    forget(key) {
      for (const l of limiters) l.forget(key);
    },
    numRequeues(key) {
      let n = 0;
      for (const l of limiters) n = Math.max(n, l.numRequeues(key));
      return n;
    },
  };
}

/** client-go's DefaultControllerRateLimiter. */
export function defaultControllerRateLimiter<K = string>(clock: Clock = realClock): RateLimiter<K> {
  return maxOf<K>(exponentialFailureRateLimiter<K>(5, 1000_000), bucketRateLimiter<K>(10, 100, clock));
}
