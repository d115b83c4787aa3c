import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink } from '../../util/log.js';
import { ClientEventRecorder } from './recorder.js';
import { FakeApiClient } from '../testing/fake-api-client.js';
import { fakeClock } from '../testing/fake-clock.js';
import { R } from '../resources.js';
import type { KObject } from '../../api/types/index.js';

const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1', resourceVersion: '7' } };
const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n' } };

test('writes a core/v1 Event that kubectl describe can find', async () => {
  const clock = fakeClock(Date.UTC(2024, 0, 1));
  const client = new FakeApiClient({ clock });
  const r = new ClientEventRecorder(client, 'default-scheduler', { clock, host: 'h1' });
  r.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  await r.flush();
  const [ev] = client.objects(R.events);
  assert.match(ev.metadata.name!, /^web-1\.[0-9a-f]{16}$/);
  assert.equal(ev.metadata.name, `web-1.${(BigInt(clock.now()) * 1_000_000n).toString(16)}`);
  assert.equal(ev.metadata.namespace, 'prod');
  assert.deepEqual(ev.involvedObject, { kind: 'Pod', namespace: 'prod', name: 'web-1', uid: 'u-1', apiVersion: 'v1', resourceVersion: '7' });
  assert.deepEqual(ev.source, { component: 'default-scheduler', host: 'h1' });
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.reason, 'FailedScheduling');
  assert.equal(ev.count, 1);
  assert.equal(ev.firstTimestamp, '2024-01-01T00:00:00Z');
  assert.equal(ev.lastTimestamp, '2024-01-01T00:00:00Z');
  assert.equal(ev.eventTime, null);
  assert.equal(ev.reportingComponent, 'default-scheduler');
  assert.equal(ev.reportingInstance, 'h1');
});

test('cluster-scoped objects get their events in default', async () => {
  const client = new FakeApiClient();
  const r = new ClientEventRecorder(client, 'node-controller');
  r.event(node, 'Normal', 'RegisteredNode', 'Node n1 event: Registered Node n1');
  await r.flush();
  const [ev] = client.objects(R.events);
  assert.equal(ev.metadata.namespace, 'default');
  assert.equal((ev.involvedObject as { namespace?: string }).namespace, undefined);
  assert.deepEqual(ev.source, { component: 'node-controller' });
});

test('repeats within 10 minutes patch count and lastTimestamp; later ones start anew', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const r = new ClientEventRecorder(client, 'kubelet', { clock });
  r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  clock.advance(60_000);
  r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  clock.advance(60_000);
  r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  r.event(pod, 'Normal', 'Pulled', 'Container image "x" already present on machine');
  await r.flush();
  let events = client.objects(R.events);
  assert.equal(events.length, 2);
  const backoff = events.find((e) => e.reason === 'BackOff')!;
  assert.equal(backoff.count, 3);
  assert.equal(backoff.lastTimestamp, '2024-01-01T00:02:00Z');
  assert.equal(backoff.firstTimestamp, '2024-01-01T00:00:00Z');
  assert.deepEqual(client.actions.map((a) => `${a.verb} ${a.patchType ?? ''}`.trim()), ['create', 'patch merge', 'patch merge', 'create']);

  clock.advance(11 * 60_000);
  r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await r.flush();
  events = client.objects(R.events);
  assert.equal(events.filter((e) => e.reason === 'BackOff').length, 2);
});

test('a repeat of a deleted Event recreates it with the running count', async () => {
  const client = new FakeApiClient();
  const r = new ClientEventRecorder(client, 'c');
  r.event(pod, 'Normal', 'X', 'm');
  await r.flush();
  const [ev] = client.objects(R.events);
  await client.delete(R.events, 'prod', ev.metadata.name!);
  r.event(pod, 'Normal', 'X', 'm');
  await r.flush();
  const [again] = client.objects(R.events);
  assert.equal(again.metadata.name, ev.metadata.name);
  assert.equal(again.count, 2);
});

test('failures never reach the caller and are logged once per outage', async () => {
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  try {
    const client = new FakeApiClient();
    const failing = client.addReactor('create', 'events', () => {
      throw new Error('connection refused');
    });
    const r = new ClientEventRecorder(client, 'c');
    for (let i = 0; i < 5; i++) r.event(pod, 'Normal', 'X', `m${i}`);
    await r.flush();
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^E.* event-recorder\] c: writing event prod\/web-1\.\w+ failed: connection refused\n$/);
    failing.dispose();
    r.event(pod, 'Normal', 'X', 'm0');
    await r.flush();
    assert.equal(client.objects(R.events).length, 1, 'a failed event is not treated as a repeat');
    assert.equal(client.objects(R.events)[0].count, 1);
  } finally {
    setLogSink(prev);
  }
});

test('pending writes are bounded; extra events are dropped and counted', async () => {
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  try {
    const client = new FakeApiClient();
    const r = new ClientEventRecorder(client, 'c', { maxQueued: 10 });
    // The first event starts writing at once; 10 more fill the queue.
    for (let i = 0; i < 50; i++) r.event(pod, 'Normal', 'X', `m${i}`);
    assert.equal(r.dropped, 39);
    assert.equal(lines.length, 1);
    await r.flush();
    assert.equal(client.objects(R.events).length, 11);
  } finally {
    setLogSink(prev);
  }
});
