import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '../client/testing/index.js';
import { SchedulingQueue } from './queue.js';
import { makePod } from './testing/fixtures.js';

test('activeQ orders by priority, then arrival', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(makePod('a', { priority: 1 }));
  clock.advance(1);
  q.add(makePod('b', { priority: 5 }));
  clock.advance(1);
  q.add(makePod('c', { priority: 1 }));
  assert.deepEqual([q.tryPop()?.key, q.tryPop()?.key, q.tryPop()?.key], ['default/b', 'default/a', 'default/c']);
});

test('back-off doubles from 1 s to at most 10 s', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(makePod('a'));
  const info = q.tryPop()!;
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    seen.push(q.backoffDuration(info));
    info.attempts++;
  }
  assert.deepEqual(seen, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('unschedulable pods wait for a helpful event, then honour their back-off', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(makePod('a'));
  const info = q.tryPop()!;
  q.addUnschedulable(info, q.schedulingCycle, new Set(['NodeResourcesFit']));
  assert.equal(q.stats().unschedulable, 1);
  q.moveAllToActiveOrBackoff({ type: 'AssignedPodAdd' });
  assert.equal(q.stats().unschedulable, 1, 'a pod add does not help a resource failure');
  q.moveAllToActiveOrBackoff({ type: 'NodeAdd' });
  assert.equal(q.stats().backoff, 1, 'still backing off');
  assert.equal(q.tryPop(), undefined);
  clock.advance(1000);
  q.flushBackoffCompleted();
  assert.equal(q.tryPop()?.key, 'default/a');
});

test('an event during the attempt sends the pod to back-off instead of waiting', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(makePod('a'));
  const info = q.tryPop()!;
  const cycle = q.schedulingCycle;
  q.moveAllToActiveOrBackoff({ type: 'NodeAdd' });
  q.addUnschedulable(info, cycle, new Set(['NodeResourcesFit']));
  assert.equal(q.stats().backoff, 1);
});

test('status-only updates leave an unschedulable pod waiting; spec changes wake it', () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ clock });
  const p = makePod('a');
  q.add(p);
  q.addUnschedulable(q.tryPop()!, q.schedulingCycle, new Set(['NodeResourcesFit']));
  const p2 = { ...p, metadata: { ...p.metadata, resourceVersion: '2' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } };
  q.update(p, p2);
  assert.equal(q.stats().unschedulable, 1);
  clock.advance(5000);
  const p3 = { ...p2, metadata: { ...p2.metadata, labels: { x: 'y' } } };
  q.update(p2, p3);
  assert.equal(q.stats().active, 1);
});

test('pop waits for an add and returns undefined after close', async () => {
  const q = new SchedulingQueue({ clock: fakeClock() });
  const waiting = q.pop();
  q.add(makePod('a'));
  assert.equal((await waiting)?.key, 'default/a');
  const w2 = q.pop();
  q.close();
  assert.equal(await w2, undefined);
});
