import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayingQueue } from './delaying-queue.js';
import { fakeClock } from '../testing/fake-clock.js';

test('addAfter adds once the delay has passed, in ready-time order', async () => {
  const clock = fakeClock(0);
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('late', 100);
  q.addAfter('early', 10);
  q.addAfter('now', 0);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'now');
  clock.advance(9);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  clock.advance(90);
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'early');
  assert.equal(await q.get(), 'late');
});

test('one shared timer, whatever the number of waiting keys', () => {
  const clock = fakeClock(0);
  const q = new DelayingQueue<number>({ clock });
  for (let i = 0; i < 1000; i++) q.addAfter(i, 1000 - i);
  assert.equal(clock.pendingTimers(), 1);
  assert.equal(q.numWaiting(), 1000);
  clock.advance(500);
  assert.equal(q.len(), 500);
  assert.equal(clock.pendingTimers(), 1);
  clock.advance(500);
  assert.equal(q.len(), 1000);
  assert.equal(clock.pendingTimers(), 0);
});

test('a key waiting twice keeps the earlier ready time', () => {
  const clock = fakeClock(0);
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 50);
  q.addAfter('a', 100);
  q.addAfter('a', 20);
  assert.equal(q.numWaiting(), 1);
  clock.advance(20);
  assert.equal(q.len(), 1);
  clock.advance(200);
  assert.equal(q.len(), 1, 'stale entries do not re-add');
});

test('shutDown clears the timer and waiting keys', () => {
  const clock = fakeClock(0);
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 50);
  q.shutDown();
  assert.equal(clock.pendingTimers(), 0);
  q.addAfter('b', 10);
  clock.advance(100);
  assert.equal(q.len(), 0);
});

test('real timers are unref\'d and cleared on shutDown', () => {
  const q = new DelayingQueue<string>();
  q.addAfter('a', 60_000);
  // An unref'd timer does not keep the test process alive; shutDown clears it.
  q.shutDown();
  assert.equal(q.numWaiting(), 0);
});
