import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPECTATIONS_TIMEOUT_MS, PodExpectations } from './expectations.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

test('never-recorded expectations are satisfied', () => {
  assert.equal(new PodExpectations(clock()).satisfied('ns/rs'), true);
});

test('creations in flight block until each is observed', () => {
  const e = new PodExpectations(clock());
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('a pod observed deleted twice counts once', () => {
  const e = new PodExpectations(clock());
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  assert.equal(e.satisfied('ns/rs'), false);
  assert.deepEqual(e.pending('ns/rs'), { add: 0, del: 1 });
  e.deletionObserved('ns/rs', 'ns/unrelated');
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('expectations expire after the timeout', () => {
  const c = clock();
  const e = new PodExpectations(c);
  e.expectCreations('ns/rs', 3);
  assert.equal(e.expiresIn('ns/rs'), EXPECTATIONS_TIMEOUT_MS);
  c.advance(EXPECTATIONS_TIMEOUT_MS);
  assert.equal(e.satisfied('ns/rs'), false);
  c.advance(1);
  assert.equal(e.satisfied('ns/rs'), true);
});

test('delete forgets a key', () => {
  const e = new PodExpectations(clock());
  e.expectCreations('ns/rs', 1);
  e.delete('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
  assert.equal(e.pending('ns/rs'), undefined);
});
