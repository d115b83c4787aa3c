import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './queue.js';

test('duplicate adds of a waiting key collapse; order is first-add order', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('a key re-added while processing is queued again only after done', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'not handed to a second worker');
  let second: string | undefined;
  void q.get().then((v) => (second = v));
  await Promise.resolve();
  assert.equal(second, undefined);
  q.done('a');
  await Promise.resolve();
  assert.equal(second, 'a');
  q.done('a');
  assert.ok(q.isIdle());
});

test('get waits for an add; waiters are served in order', async () => {
  const q = new WorkQueue<number>();
  const p1 = q.get();
  const p2 = q.get();
  q.add(1);
  q.add(2);
  assert.deepEqual(await Promise.all([p1, p2]), [1, 2]);
});

test('shutDown releases waiters with undefined and ignores further adds', async () => {
  const q = new WorkQueue<string>();
  const p = q.get();
  q.add('x');
  assert.equal(await p, 'x');
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('y');
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), undefined);
});

test('shutDownWithDrain resolves once held keys are done', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  await q.get();
  let drained = false;
  const p = q.shutDownWithDrain().then(() => (drained = true));
  await Promise.resolve();
  assert.equal(drained, false);
  q.done('a');
  await p;
  assert.equal(drained, true);
});

test('metrics sink sees adds, depth, latency and work duration', async () => {
  let t = 0;
  const seen: string[] = [];
  const q = new WorkQueue<string>({
    name: 'm',
    clock: { now: () => t },
    metrics: {
      add: (n) => seen.push(`add ${n}`),
      latency: (_n, ms) => seen.push(`latency ${ms}`),
      workDuration: (_n, ms) => seen.push(`work ${ms}`),
    },
  });
  q.add('a');
  q.add('a');
  t = 5;
  await q.get();
  t = 12;
  q.done('a');
  assert.deepEqual(seen, ['add m', 'latency 5', 'work 7']);
});
