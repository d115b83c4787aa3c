import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink } from '../util/log.js';
import { runLeaderElection, type LeaderElectionOptions } from './leader-election.js';
import { FakeApiClient } from './testing/fake-api-client.js';
import { fakeClock, type FakeClock } from './testing/fake-clock.js';
import { settle } from './testing/settle.js';
import { R } from './resources.js';
import { rfc3339Micro } from '../util/time.js';

interface Candidate {
  id: string;
  leading: boolean;
  started: number;
  stopped: number;
  leaderSignal?: AbortSignal;
  abort: AbortController;
  done: Promise<void>;
}

function candidate(client: FakeApiClient, clock: FakeClock, id: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const abort = new AbortController();
  const c: Candidate = { id, leading: false, started: 0, stopped: 0, abort, done: Promise.resolve() };
  c.done = runLeaderElection({
    client, clock, namespace: 'kube-system', name: 'kube-controller-manager', identity: id,
    leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, signal: abort.signal,
    onStartedLeading: (s) => {
      c.leading = true;
      c.started++;
      c.leaderSignal = s;
    },
    onStoppedLeading: () => {
      c.leading = false;
      c.stopped++;
    },
    ...extra,
  });
  return c;
}

async function step(clock: FakeClock, ms: number): Promise<void> {
  // Advance in retry-period steps so each candidate's loop runs between them.
  for (let t = 0; t < ms; t += 1000) {
    clock.advance(Math.min(1000, ms - t));
    await settle(10);
  }
}

const lease = (client: FakeApiClient) =>
  client.object(R.leases, 'kube-system', 'kube-controller-manager')?.spec as Record<string, unknown> | undefined;

test('two candidates: only one leads; when it stops, the other takes over', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const a = candidate(client, clock, 'a');
  const b = candidate(client, clock, 'b');
  await settle(10);
  assert.equal([a, b].filter((c) => c.leading).length, 1);
  assert.ok(a.leading, 'the first to create the lease leads');
  assert.equal(lease(client)?.holderIdentity, 'a');
  assert.equal(lease(client)?.leaseTransitions, 0);
  assert.match(String(lease(client)?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  await step(clock, 30_000);
  assert.ok(a.leading && !b.leading, 'renewals keep the lease');
  assert.equal(lease(client)?.renewTime, rfc3339Micro(clock.now()));

  a.abort.abort();
  await a.done;
  assert.equal(a.leaderSignal?.aborted, true);
  assert.equal(a.stopped, 1);
  assert.equal(lease(client)?.holderIdentity, undefined, 'released');

  await step(clock, 2000);
  assert.ok(b.leading);
  assert.equal(lease(client)?.holderIdentity, 'b');
  assert.equal(lease(client)?.leaseTransitions, 1);
  b.abort.abort();
  await b.done;
  assert.equal(clock.pendingTimers(), 0);
});

test('a leader that vanishes without releasing is replaced once the lease expires', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const a = candidate(client, clock, 'a', { releaseOnCancel: false });
  await settle(10);
  const b = candidate(client, clock, 'b');
  await settle(10);
  assert.ok(a.leading && !b.leading);
  a.abort.abort();
  await a.done;
  assert.equal(lease(client)?.holderIdentity, 'a');
  await step(clock, 14_000);
  assert.ok(!b.leading, 'lease not yet expired');
  await step(clock, 4000);
  assert.ok(b.leading);
  b.abort.abort();
  await b.done;
});

test('a candidate takes a dead leader\'s Lease the moment it expires, not at its next retry', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const a = candidate(client, clock, 'a', { releaseOnCancel: false });
  await settle(10);
  clock.advance(1500); // b's retries fall 1.5 s out of step with a's renewals
  await settle(10);
  const b = candidate(client, clock, 'b');
  await settle(10);
  await step(clock, 3000); // a renews at +2 s and +4 s (b sees it at 1.5 s + 2 s steps)
  a.abort.abort();
  await a.done;
  const renewed = Date.parse(String(lease(client)?.renewTime));
  // up to one tick before expiry: still a's; one millisecond after it: b's
  clock.advance(renewed + 15_000 - clock.now() - 1);
  await settle(10);
  assert.ok(!b.leading, 'not before the Lease expires');
  clock.advance(2);
  await settle(10);
  assert.ok(b.leading, 'taken at expiry');
  assert.equal(Date.parse(String(lease(client)?.acquireTime)), renewed + 15_001);
  b.abort.abort();
  await b.done;
});

test('a leader that sees another holder steps down and campaigns again', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const a = candidate(client, clock, 'a');
  await settle(10);
  assert.ok(a.leading);
  const cur = client.object(R.leases, 'kube-system', 'kube-controller-manager')!;
  await client.update(R.leases, 'kube-system', { ...cur, spec: { ...(cur.spec as object), holderIdentity: 'x', renewTime: rfc3339Micro(clock.now()) } });
  await step(clock, 2000);
  assert.equal(a.leading, false);
  assert.equal(a.leaderSignal?.aborted, true);
  assert.equal(a.stopped, 1);
  await step(clock, 16_000);
  assert.equal(a.leading, true, 'x did not renew, a takes the lease back');
  assert.equal(a.started, 2);
  a.abort.abort();
  await a.done;
});

test('a leader that cannot renew for renewDeadline steps down', async () => {
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  try {
    const clock = fakeClock();
    const client = new FakeApiClient({ clock });
    const a = candidate(client, clock, 'a');
    await settle(10);
    assert.ok(a.leading);
    const failing = client.addReactor('update', 'leases', () => {
      throw new Error('connection refused');
    });
    await step(clock, 8000);
    assert.ok(a.leading, 'still within the renew deadline');
    await step(clock, 2000);
    assert.equal(a.leading, false);
    assert.equal(lines.length, 1, 'failures logged once per streak');
    failing.dispose();
    await step(clock, 2000);
    assert.equal(a.leading, true, 'own, unexpired lease is renewed again');
    a.abort.abort();
    await a.done;
  } finally {
    setLogSink(prev);
  }
});

test('the leader renews with one update, without reading the Lease first; a conflicting write sends it back to the read', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const a = candidate(client, clock, 'a');
  await settle(10);
  assert.ok(a.leading);
  const from = client.actions.length;
  await step(clock, 10_000);
  const renewals = client.actions.slice(from).filter((x) => x.resource === 'leases');
  assert.ok(renewals.length >= 4, `renewed every retry period (${renewals.length})`);
  assert.deepEqual([...new Set(renewals.map((x) => x.verb))], ['update'], 'no get between renewals');
  // Someone else writes the Lease (as another candidate after an expiry would): the next
  // renewal conflicts, reads, and the leader steps down for the new holder.
  const cur = client.object(R.leases, 'kube-system', 'kube-controller-manager')!;
  await client.update(R.leases, 'kube-system', { ...cur, spec: { ...(cur.spec as object), holderIdentity: 'b', renewTime: rfc3339Micro(clock.now()) } });
  await step(clock, 3000);
  assert.equal(a.leading, false, 'the leader saw the other holder and stepped down');
  a.abort.abort();
  await a.done;
});
