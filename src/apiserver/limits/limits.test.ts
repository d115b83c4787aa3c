import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLimiter, checkStoredSize, isHealthPath, isLongRunning, watchTimeoutSeconds, parseGoDuration, requestDeadlineMs, DEFAULT_API_LIMITS, MAX_STORED_OBJECT_BYTES } from './limits.js';
import { StatusError } from '../../api/status.js';

function code(fn: () => unknown): number | string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError);
    return e.status.code;
  }
  return 'ok';
}

test('read-only and mutating requests are counted apart; past the cap 429 with Retry-After 1', () => {
  const l = new RequestLimiter({ ...DEFAULT_API_LIMITS, maxRequestsInflight: 2, maxMutatingRequestsInflight: 1 });
  const r1 = l.acquireInflight(false);
  l.acquireInflight(false);
  const m1 = l.acquireInflight(true);
  assert.equal(code(() => l.acquireInflight(false)), 429);
  assert.equal(code(() => l.acquireInflight(true)), 429);
  try {
    l.acquireInflight(true);
  } catch (e) {
    assert.equal((e as StatusError).status.reason, 'TooManyRequests');
    assert.equal((e as StatusError).status.details?.retryAfterSeconds, 1);
  }
  r1();
  r1(); // a release counts once
  assert.deepEqual(l.counts(), { readOnly: 1, mutating: 1, watches: 0 });
  l.acquireInflight(false);
  m1();
  l.acquireInflight(true);
});

test('watches: a cap per user and in all; exempt users are counted but never refused', () => {
  const l = new RequestLimiter({ ...DEFAULT_API_LIMITS, maxWatchesPerUser: 2, maxWatches: 3 });
  const a1 = l.acquireWatch('alice', false);
  l.acquireWatch('alice', false);
  assert.equal(code(() => l.acquireWatch('alice', false)), 429);
  l.acquireWatch('bob', false);
  assert.equal(code(() => l.acquireWatch('carol', false)), 429);
  l.acquireWatch('admin', true);
  assert.equal(l.counts().watches, 4);
  a1();
  assert.equal(code(() => l.acquireWatch('alice', false)), 429); // still 3 non-admin + admin ≥ total
});

test('watch timeouts fall in [min, 2·min); long-running requests are watches and streams', () => {
  assert.equal(watchTimeoutSeconds({ minRequestTimeoutS: 1800 }, () => 0), 1800);
  assert.equal(watchTimeoutSeconds({ minRequestTimeoutS: 1800 }, () => 0.999999), 3599);
  assert.ok(isLongRunning('watch', undefined));
  for (const s of ['log', 'exec', 'attach', 'portforward', 'proxy']) assert.ok(isLongRunning('get', s));
  assert.ok(!isLongRunning('get', 'status'));
  assert.ok(!isLongRunning('list', undefined));
  assert.ok(isHealthPath('/healthz') && isHealthPath('/readyz/ping') && isHealthPath('/livez'));
  assert.ok(!isHealthPath('/healthzx') && !isHealthPath('/version'));
});

test('stored objects over 1.5 MiB are refused with 413', () => {
  assert.equal(code(() => checkStoredSize('x'.repeat(MAX_STORED_OBJECT_BYTES))), 'ok');
  assert.equal(code(() => checkStoredSize('x'.repeat(MAX_STORED_OBJECT_BYTES + 1))), 413);
  // Counted in bytes: 600 Ki three-byte characters are 1.8 MiB.
  assert.equal(code(() => checkStoredSize('€'.repeat(600 * 1024))), 413);
});

test('?timeout= is a Go duration that can only shorten --request-timeout; a bad one is 400', () => {
  assert.equal(parseGoDuration('32s'), 32_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-1s'), -1000);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(parseGoDuration('abc'), undefined);
  const lim = { requestTimeoutMs: 60_000 };
  assert.equal(requestDeadlineMs(new URLSearchParams(''), lim), 60_000);
  assert.equal(requestDeadlineMs(new URLSearchParams('timeout=5s'), lim), 5000);
  assert.equal(requestDeadlineMs(new URLSearchParams('timeout=5m'), lim), 60_000);
  assert.equal(requestDeadlineMs(new URLSearchParams('timeout=0s'), lim), 60_000);
  assert.equal(code(() => requestDeadlineMs(new URLSearchParams('timeout=soon'), lim)), 400);
});
