import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, enqueueObject, enqueueOwner, isRealUpdate } from './controller.js';
import { conflict, notFound } from '../api/status.js';
import { fakeClock } from './testing/fake-clock.js';
import { waitForIdle, settle } from './testing/settle.js';
import type { KObject } from '../api/types.js';

function silenceErrors(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const m = mock.method(console, 'error', (line: string) => void lines.push(line));
  return { lines, restore: () => m.mock.restore() };
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
    assert.deepEqual(log.lines, ['controller rs: reconcile default/x failed: replicasets.apps "x" not found']);
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
    assert.equal(log.lines.length, 2);
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
    assert.match(log.lines[0], /^controller c: reconcile b failed: .*\(at .*\)$/);
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
