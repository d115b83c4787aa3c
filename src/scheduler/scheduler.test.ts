import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTestContext, settle } from '../client/testing/index.js';
import { R } from '../client/resources.js';
import { startScheduler } from './index.js';
import { makeNode, makePod } from './testing/fixtures.js';
import type { Pod } from '../api/types/index.js';

async function setup() {
  const t = newTestContext();
  for (const n of ['n1', 'n2', 'n3']) await t.client.create(R.nodes, undefined, makeNode(n, { cpu: '2', memory: '4Gi' }));
  const sched = await startScheduler(t.ctx);
  return { ...t, sched };
}

async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await settle(1);
  assert.ok(cond(), 'condition not reached');
}

test('pods are bound through pods/binding and get a Scheduled event', async () => {
  const t = await setup();
  try {
    for (let i = 0; i < 5; i++) await t.client.create(R.pods, 'default', makePod(`p${i}`, { cpu: '500m' }));
    await until(() => t.sched.stats.scheduled === 5);
    const pods = (await t.client.list<Pod>(R.pods, 'default')).items;
    assert.ok(pods.every((p) => p.spec?.nodeName));
    const scheduled = t.recorder.events.filter((e) => e.reason === 'Scheduled');
    assert.equal(scheduled.length, 5);
    assert.match(scheduled[0].message, /^Successfully assigned default\/p\d to n\d$/);
    assert.equal(scheduled[0].component, 'default-scheduler');
  } finally {
    t.abort();
  }
});

test('an impossible pod: FailedScheduling event and PodScheduled=False, once per attempt', async () => {
  const t = await setup();
  try {
    await t.client.create(R.pods, 'default', makePod('huge', { cpu: '64' }));
    await until(() => t.recorder.events.some((e) => e.reason === 'FailedScheduling'));
    await until(() => !!(t.informers.informerFor<Pod>(R.pods).lister.get('default', 'huge')?.status?.conditions?.length));
    const ev = t.recorder.events.filter((e) => e.reason === 'FailedScheduling');
    assert.equal(ev.length, 1);
    assert.equal(ev[0].type, 'Warning');
    assert.equal(
      ev[0].message,
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..',
    );
    const pod = await t.client.get<Pod>(R.pods, 'default', 'huge');
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.equal(cond?.message, ev[0].message);
    assert.equal(t.sched.queue.stats().unschedulable, 1);
    // Adding a big node wakes it up and it lands there.
    await t.client.create(R.nodes, undefined, makeNode('big', { cpu: '128', memory: '256Gi' }));
    await settle();
    assert.equal(t.sched.stats.scheduled, 0, 'still backing off');
    t.clock.advance(1000);
    await until(() => t.sched.stats.scheduled === 1, 5000);
    assert.equal((await t.client.get<Pod>(R.pods, 'default', 'huge')).spec?.nodeName, 'big');
  } finally {
    t.abort();
  }
});

test('a higher-priority pod preempts a lower-priority one', async () => {
  const t = newTestContext();
  try {
    await t.client.create(R.nodes, undefined, makeNode('only', { cpu: '2', memory: '4Gi' }));
    await t.client.create(R.pods, 'default', makePod('low', { cpu: '1500m', priority: 10, nodeName: 'only' }));
    const sched = await startScheduler(t.ctx);
    await t.client.create(R.pods, 'default', makePod('high', { cpu: '1', priority: 1000 }));
    await until(() => t.recorder.events.some((e) => e.reason === 'Preempted'));
    const pre = t.recorder.events.find((e) => e.reason === 'Preempted');
    assert.equal(pre?.object.name, 'low');
    assert.match(pre?.message ?? '', /^Preempted by pod [0-9a-f-]+ on node only$/);
    const fs = t.recorder.events.find((e) => e.reason === 'FailedScheduling');
    assert.equal(fs?.message, '0/1 nodes are available: 1 Insufficient cpu.');
    t.clock.advance(1000);
    await until(() => sched.stats.scheduled === 1, 5000);
    const high = await t.client.get<Pod>(R.pods, 'default', 'high');
    assert.equal(high.spec?.nodeName, 'only');
    await assert.rejects(t.client.get(R.pods, 'default', 'low'));
  } finally {
    t.abort();
  }
});
