import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitingQueue } from './rate-limiting-queue.js';
import {
  bucketRateLimiter, defaultControllerRateLimiter, exponentialFailureRateLimiter, fastSlowRateLimiter, maxOf,
} from './rate-limiters.js';
import { fakeClock } from '../testing/fake-clock.js';

test('exponential limiter: 5 ms doubling, capped at 1000 s, reset by forget', () => {
  const l = exponentialFailureRateLimiter<string>();
  assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('b')], [5, 10, 20, 5]);
  assert.equal(l.numRequeues('a'), 3);
  for (let i = 0; i < 100; i++) l.when('a');
  assert.equal(l.when('a'), 1000_000);
  l.forget('a');
  assert.equal(l.numRequeues('a'), 0);
  assert.equal(l.when('a'), 5);
});

test('bucket limiter: burst is free, then one token per 1/qps', () => {
  const clock = fakeClock(0);
  const l = bucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([l.when('x'), l.when('x'), l.when('x')], [0, 0, 0]);
  assert.equal(l.when('x'), 100);
  assert.equal(l.when('x'), 200);
  clock.advance(1000);
  // 1 s refills 10 tokens, minus the 2 reserved, capped at burst 3.
  assert.equal(l.when('x'), 0);
});

test('maxOf takes the longest delay and forwards forget', () => {
  const a = fastSlowRateLimiter<string>(1, 1000, 2);
  const b = exponentialFailureRateLimiter<string>(5, 100);
  const m = maxOf(a, b);
  assert.deepEqual([m.when('k'), m.when('k'), m.when('k')], [5, 10, 1000]);
  assert.equal(m.numRequeues('k'), 3);
  m.forget('k');
  assert.equal(m.numRequeues('k'), 0);
  assert.equal(m.when('k'), 5);
});

test('addRateLimited backs off per key; forget resets', async () => {
  const clock = fakeClock(0);
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: defaultControllerRateLimiter(clock) });
  q.addRateLimited('k');
  assert.equal(q.len(), 0);
  clock.advance(5);
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.addRateLimited('k');
  clock.advance(9);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  assert.equal(q.numRequeues('k'), 2);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  q.shutDown();
  assert.equal(clock.pendingTimers(), 0);
});
