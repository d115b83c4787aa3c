import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, enqueueObject, enqueueOwner, isRealUpdate } from './controller.js';
import { conflict, notFound } from '../api/status.js';
import { fakeClock } from './testing/fake-clock.js';
import { waitForIdle, settle } from './testing/settle.js';
import type { KObject } from '../api/types/index.js';
import { setLogSink } from '../util/log.js';
import { BugError } from '../util/bug-error.js';

/** Captures log lines, without the klog header (severity, time, pid). */
function silenceErrors(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const prev = setLogSink((line) => void lines.push(line.replace(/^[IWE]\d{4} [\d:.]+ +\d+ /, '').trimEnd()));
  return { lines, restore: () => void setLogSink(prev) };
}

test('reconciles each enqueued key; success forgets the key', async () => {
  const abort = new AbortController();
  const seen: string[] = [];
  const c = new Controller({ name: 't', signal: abort.signal, clock: fakeClock(), reconcile: async (k) => void seen.push(k) });
  c.enqueue('ns/a');
  c.enqueue('ns/b');
  c.enqueue('ns/a');
  c.run();
  await waitForIdle(c.queue);
  assert.deepEqual(seen, ['ns/a', 'ns/b']);
  assert.equal(c.queue.numRequeues('ns/a'), 0);
  abort.abort();
});

test('a failure is logged on one line and retried with back-off', async () => {
  const log = silenceErrors();
  try {
    const abort = new AbortController();
    const clock = fakeClock();
    let calls = 0;
    const c = new Controller({
      name: 'rs', signal: abort.signal, clock,
      reconcile: async () => {
        calls++;
        if (calls < 3) throw notFound({ group: 'apps', resource: 'replicasets' }, 'x');
      },
    });
    c.enqueue('default/x');
    c.run();
    await waitForIdle(c.queue);
    assert.equal(calls, 1);
    assert.equal(c.queue.numRequeues('default/x'), 1);
    assert.deepEqual(log.lines, ['controller/rs] reconcile default/x failed: replicasets.apps "x" not found']);
    clock.advance(5);
    await waitForIdle(c.queue);
    assert.equal(calls, 2);
    clock.advance(9);
    await waitForIdle(c.queue);
    assert.equal(calls, 2, 'second retry waits 10 ms');
    clock.advance(1);
    await waitForIdle(c.queue);
    assert.equal(calls, 3);
    assert.equal(c.queue.numRequeues('default/x'), 0, 'forgotten after success');
    assert.equal(log.lines.length, 2, 'the 2nd failure is logged (a power of two)');
    assert.match(log.lines[1], /attempt 2/);
    abort.abort();
  } finally {
    log.restore();
  }
});

test('conflicts are retried but not logged; bugs carry a stack frame', async () => {
  const log = silenceErrors();
  try {
    const abort = new AbortController();
    const c = new Controller({
      name: 'c', signal: abort.signal, clock: fakeClock(),
      reconcile: async (k) => {
        if (k === 'a') throw conflict({ group: '', resource: 'pods' }, 'a');
        (undefined as unknown as { x: number }).x;
      },
    });
    c.enqueue('a');
    c.enqueue('b');
    c.run();
    await waitForIdle(c.queue);
    assert.equal(c.queue.numRequeues('a'), 1);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0], /^controller\/c\] reconcile b failed: .*\(at .*\)$/);
    abort.abort();
  } finally {
    log.restore();
  }
});

test('a BugError is logged with its stack frame and retried; a plain Error gets no frame', async () => {
  const log = silenceErrors();
  try {
    const abort = new AbortController();
    const c = new Controller({
      name: 'b', signal: abort.signal, clock: fakeClock(),
      reconcile: async (k) => {
        if (k === 'bug') throw new BugError('unknown claim decision "x"');
        throw new Error('registry unreachable');
      },
    });
    c.enqueue('bug');
    c.enqueue('plain');
    c.run();
    await waitForIdle(c.queue);
    assert.equal(c.queue.numRequeues('bug'), 1, 'a bug is still retried with back-off');
    assert.equal(c.queue.numRequeues('plain'), 1);
    assert.equal(log.lines.length, 2);
    assert.match(log.lines[0], /^controller\/b\] reconcile bug failed: unknown claim decision "x" \(at .*\)$/);
    assert.equal(log.lines[1], 'controller/b] reconcile plain failed: registry unreachable');
    abort.abort();
  } finally {
    log.restore();
  }
});

test('with several workers a key is never reconciled twice at once', async () => {
  const abort = new AbortController();
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  const gates: (() => void)[] = [];
  const c = new Controller({
    name: 'w', workers: 4, signal: abort.signal, clock: fakeClock(),
    reconcile: async (k) => {
      if (k !== 'same') return;
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => gates.push(r));
      active--;
    },
  });
  c.run();
  c.enqueue('same');
  await settle(3);
  c.enqueue('same');
  c.enqueue('other');
  await settle(3);
  assert.equal(calls, 1);
  gates.shift()!();
  await settle(3);
  assert.equal(calls, 2, 're-added key runs again after done');
  gates.shift()!();
  await waitForIdle(c.queue);
  assert.equal(maxActive, 1);
  abort.abort();
});

test('aborting the signal stops the workers and shuts the queue down', async () => {
  const abort = new AbortController();
  const clock = fakeClock();
  const c = new Controller({ name: 'a', signal: abort.signal, clock, reconcile: async () => { throw new Error('x'); } });
  const log = silenceErrors();
  try {
    c.enqueue('k');
    c.run();
    await waitForIdle(c.queue);
    assert.equal(clock.pendingTimers(), 1);
    abort.abort();
    assert.ok(c.queue.shuttingDownNow());
    assert.equal(clock.pendingTimers(), 0);
    c.enqueue('k2');
    assert.equal(c.queue.len(), 0);
  } finally {
    log.restore();
  }
});

const pod = (owner?: { kind: string; name: string; controller?: boolean }): KObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name: 'p', namespace: 'ns', resourceVersion: '1',
    ownerReferences: owner ? [{ apiVersion: 'apps/v1', uid: 'u', controller: true, ...owner }] : undefined,
  },
});

test('enqueueOwner follows the controller ownerReference of the given kind', async () => {
  const abort = new AbortController();
  const c = new Controller({ name: 'o', signal: abort.signal, clock: fakeClock(), reconcile: async () => {} });
  assert.equal(enqueueOwner(c, pod({ kind: 'ReplicaSet', name: 'rs1' }), 'ReplicaSet'), true);
  assert.equal(enqueueOwner(c, pod({ kind: 'StatefulSet', name: 'ss' }), 'ReplicaSet'), false);
  assert.equal(enqueueOwner(c, pod({ kind: 'ReplicaSet', name: 'rs2', controller: false }), 'ReplicaSet'), false);
  assert.equal(enqueueOwner(c, pod(), 'ReplicaSet'), false);
  assert.equal(
    enqueueOwner(c, { key: 'ns/p', obj: pod({ kind: 'ReplicaSet', name: 'rs3' }), finalStateUnknown: true }, 'ReplicaSet'),
    true,
  );
  enqueueObject(c, pod());
  enqueueObject(c, { key: 'ns/gone', obj: pod(), finalStateUnknown: true });
  assert.deepEqual([await c.queue.get(), await c.queue.get(), await c.queue.get(), await c.queue.get()], ['ns/rs1', 'ns/rs3', 'ns/p', 'ns/gone']);
  assert.equal(isRealUpdate(pod(), pod()), false);
  abort.abort();
});

test('workers start only once the caches in waitFor have synced', async () => {
  const abort = new AbortController();
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  const seen: string[] = [];
  const c = new Controller({
    name: 'sync', signal: abort.signal, clock: fakeClock(), waitFor: [{ whenSynced: () => synced }],
    reconcile: async (k) => void seen.push(k),
  });
  c.enqueue('ns/a');
  c.run();
  await settle(10);
  assert.deepEqual(seen, [], 'no reconcile on a cache that is still listing');
  assert.equal(c.hasSynced(), false);
  markSynced();
  await waitForIdle(c.queue);
  assert.deepEqual(seen, ['ns/a']);
  assert.equal(c.hasSynced(), true);
  abort.abort();
});

test('a reconcile that re-adds its own key without I/O does not starve timers', { timeout: 5000 }, async () => {
  const abort = new AbortController();
  let calls = 0;
  const c = new Controller({
    name: 'hot', workers: 2, signal: abort.signal, clock: fakeClock(),
    reconcile: async (k) => {
      calls++;
      c.enqueue(k); // the pathological "look again now", answered from warm caches
    },
  });
  c.enqueue('ns/spin');
  c.run();
  // Before the fix neither of these waits ever returned: the chain of microtasks never ended.
  for (let i = 0; i < 1000 && calls < 3; i++) await new Promise<void>((r) => setImmediate(r));
  assert.ok(calls >= 3);
  const before = calls;
  await new Promise<void>((r) => setTimeout(r, 0));
  abort.abort();
  assert.ok(calls > before, 'the key keeps being reconciled, and timers still fire between reconciles');
});

test('requeueRateLimited backs off like a failure, quietly, and a plain return resets it', async () => {
  const log = silenceErrors();
  try {
    const abort = new AbortController();
    const clock = fakeClock();
    let calls = 0;
    let ask = true;
    const c = new Controller({
      name: 'rq', signal: abort.signal, clock,
      reconcile: async (k) => {
        calls++;
        if (ask) c.requeueRateLimited(k);
      },
    });
    c.enqueue('k');
    c.run();
    await waitForIdle(c.queue);
    assert.equal(calls, 1);
    assert.equal(c.queue.len(), 0, 'never requeued immediately');
    clock.advance(5);
    await waitForIdle(c.queue);
    assert.equal(calls, 2);
    clock.advance(9);
    await waitForIdle(c.queue);
    assert.equal(calls, 2, 'the second requeue waits 10 ms: the back-off grows');
    ask = false;
    clock.advance(1);
    await waitForIdle(c.queue);
    assert.equal(calls, 3);
    assert.equal(c.queue.numRequeues('k'), 0, 'forgotten after a reconcile that did not ask');
    assert.deepEqual(log.lines, []);
    abort.abort();
  } finally {
    log.restore();
  }
});

test('a key failing with the same error is logged at its 1st, 2nd, 4th, 8th... failure and when the error changes', async () => {
  const log = silenceErrors();
  try {
    const abort = new AbortController();
    const clock = fakeClock();
    let calls = 0;
    let message = 'boom';
    const c = new Controller({
      name: 'f', signal: abort.signal, clock, rateLimiter: { when: () => 1, forget: () => {}, numRequeues: () => calls - 1 },
      reconcile: async () => {
        calls++;
        if (calls === 10) message = 'other';
        throw new Error(message);
      },
    });
    c.enqueue('k');
    c.run();
    for (let i = 0; i < 11; i++) {
      await waitForIdle(c.queue);
      clock.advance(1);
    }
    await waitForIdle(c.queue);
    assert.ok(calls >= 11);
    const attempts = log.lines.map((l) => Number(/attempt (\d+)/.exec(l)?.[1] ?? 1));
    assert.deepEqual(attempts.slice(0, 5), [1, 2, 4, 8, 10]);
    assert.match(log.lines[4], /other$/);
    abort.abort();
  } finally {
    log.restore();
  }
});

test('the queue reports upstream work-queue metrics labelled with the controller name', async () => {
  const { registry } = await import('../util/metrics.js');
  const abort = new AbortController();
  let release!: () => void;
  const c = new Controller({
    name: 'metrics-test', signal: abort.signal, clock: fakeClock(),
    reconcile: async (k) => { if (k === 'slow') await new Promise<void>((r) => (release = r)); },
  });
  c.enqueue('a');
  c.enqueue('slow');
  c.run();
  await settle(10);
  const text = await registry.metrics();
  const value = (metric: string): number => Number(new RegExp(`^${metric}\\{name="metrics-test"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(value('workqueue_adds_total'), 2);
  assert.equal(value('workqueue_depth'), 0);
  assert.equal(value('workqueue_queue_duration_seconds_count'), 2);
  assert.equal(value('workqueue_work_duration_seconds_count'), 1, 'the slow key is still being processed');
  assert.ok(value('workqueue_unfinished_work_seconds') >= 0);
  assert.ok(value('workqueue_longest_running_processor_seconds') >= 0);
  assert.equal(value('workqueue_retries_total'), 0);
  release();
  await waitForIdle(c.queue);
  abort.abort();
  const after = await registry.metrics();
  assert.doesNotMatch(after, /workqueue_unfinished_work_seconds\{name="metrics-test"\}/, 'a stopped controller leaves the in-flight gauges');
});

test('enqueueAfter(key, 0) from inside the key\'s own reconcile backs off instead of looping', async () => {
  const abort = new AbortController();
  const clock = fakeClock();
  let calls = 0;
  const seen: string[] = [];
  const c = new Controller({
    name: 'self', signal: abort.signal, clock,
    reconcile: async (k) => {
      if (k === 'other') return void seen.push(k);
      calls++;
      c.enqueueAfter(k, 0);
    },
  });
  c.enqueue('k');
  c.run();
  await waitForIdle(c.queue);
  assert.equal(calls, 1);
  clock.advance(5);
  await waitForIdle(c.queue);
  assert.equal(calls, 2);
  c.enqueueAfter('other', 0);
  await waitForIdle(c.queue);
  assert.deepEqual(seen, ['other'], 'from outside its reconcile, 0 still means now');
  abort.abort();
});
