import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from '../../cache.js';
import { fitErrorMessage, newCursor, schedulePod } from '../../core.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { defaultProfile } from '../../profile.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { DefaultPreemptionPlugin } from './default-preemption.js';

function preempt(cache: SchedulerCache, pod: ReturnType<typeof makePod>) {
  const profile = defaultProfile({ random: () => 0 });
  const r = schedulePod(pod, cache, profile, newCursor());
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') throw new Error();
  const out = new DefaultPreemptionPlugin(() => 0).postFilter(r.cycle, r.podInfo, cache, r.diagnosis.nodeToStatus, profile);
  return { ...out, message: fitErrorMessage(r.numAllNodes, r.diagnosis, out.message) };
}

test('picks the node whose victims have the lowest priority, and as few as needed', () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a', { cpu: '2' }));
  cache.addNode(makeNode('b', { cpu: '2' }));
  cache.addPod(makePod('a-mid', { nodeName: 'a', cpu: '1500m', priority: 50 }));
  cache.addPod(makePod('b-low1', { nodeName: 'b', cpu: '1', priority: 10 }));
  cache.addPod(makePod('b-low2', { nodeName: 'b', cpu: '1', priority: 5 }));
  const r = preempt(cache, makePod('hi', { cpu: '1', priority: 100 }));
  assert.equal(r.code, 'Success');
  assert.equal(r.result?.nominatedNodeName, 'b');
  assert.deepEqual(r.result?.victims?.map((v) => v.name), ['b-low2']);
  assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu.');
});

test('no victims, not helpful, and preemptionPolicy Never', () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a', { cpu: '1' }));
  cache.addNode(makeNode('b', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }));
  cache.addNode(makeNode('c', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }));
  assert.equal(
    preempt(cache, makePod('p', { cpu: '2', priority: 100 })).message,
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. ' +
      'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..',
  );
  const never = makePod('q', { cpu: '2', priority: 100, spec: { preemptionPolicy: 'Never' } });
  assert.match(preempt(cache, never).message, / preemption: not eligible due to preemptionPolicy=Never\.\.$/);
});

test('victims with equal or higher priority are never chosen', () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a', { cpu: '1' }));
  cache.addPod(makePod('same', { nodeName: 'a', cpu: '1', priority: 100 }));
  const r = preempt(cache, makePod('p', { cpu: '1', priority: 100 }));
  assert.equal(r.result?.victims, undefined);
  assert.ok(podInfoOf(makePod('x')).priority === 0);
});
