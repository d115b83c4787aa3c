import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.js';
import { fitErrorMessage, newCursor, numFeasibleNodesToFind, schedulePod } from './core.js';
import { defaultProfile } from './profile.js';
import { podInfoOf } from './framework/pod-info.js';
import { makeNode, makePod } from './testing/fixtures.js';

const unreachable = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }];

function cacheWith(...nodes: ReturnType<typeof makeNode>[]): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addNode(n);
  return c;
}

test('FailedScheduling message: reasons counted per node and sorted as upstream', () => {
  const cache = cacheWith(makeNode('a', { cpu: '1' }), makeNode('b', { taints: unreachable }), makeNode('c', { taints: unreachable }));
  const r = schedulePod(makePod('p', { cpu: '2' }), cache, defaultProfile(), newCursor());
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') return;
  assert.equal(
    fitErrorMessage(r.numAllNodes, r.diagnosis),
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.',
  );
});

test('several reasons on one node all count; sort is by the "N reason" string', () => {
  const nodes = [makeNode('a', { cpu: '1', memory: '1Gi' })];
  for (let i = 0; i < 10; i++) nodes.push(makeNode(`u${i}`, { unschedulable: true }));
  const cache = cacheWith(...nodes);
  const r = schedulePod(makePod('p', { cpu: '2', memory: '2Gi' }), cache, defaultProfile(), newCursor());
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') return;
  assert.equal(
    fitErrorMessage(r.numAllNodes, r.diagnosis),
    '0/11 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 10 node(s) were unschedulable.',
  );
});

test('no nodes at all', () => {
  const r = schedulePod(makePod('p'), new SchedulerCache(), defaultProfile(), newCursor());
  assert.equal(r.kind, 'unschedulable');
  assert.equal(r.kind === 'unschedulable' && r.noNodes, true);
});

test('numFeasibleNodesToFind follows upstream', () => {
  assert.equal(numFeasibleNodesToFind(0, 50), 50);
  assert.equal(numFeasibleNodesToFind(0, 100), 100);
  assert.equal(numFeasibleNodesToFind(0, 1000), 420);
  assert.equal(numFeasibleNodesToFind(0, 5000), 500);
  assert.equal(numFeasibleNodesToFind(0, 6000), 300);
  assert.equal(numFeasibleNodesToFind(0, 1500), 570);
  assert.equal(numFeasibleNodesToFind(0, 200), 100);
  assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
});

test('least allocated: the emptier node wins', () => {
  const cache = cacheWith(makeNode('busy'), makeNode('idle'));
  cache.addPod(makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'busy' }));
  const r = schedulePod(makePod('p', { cpu: '100m', memory: '100Mi' }), cache, defaultProfile(), newCursor());
  assert.equal(r.kind === 'scheduled' && r.node, 'idle');
});

test('assumed pods count at once: pods spread over equal nodes', () => {
  const cache = cacheWith(makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' }), makeNode('c', { cpu: '2' }));
  const cursor = newCursor(() => 0.5);
  const counts = new Map<string, number>();
  for (let i = 0; i < 6; i++) {
    const pod = makePod(`p${i}`, { cpu: '500m' });
    const r = schedulePod(pod, cache, defaultProfile(), cursor);
    assert.equal(r.kind, 'scheduled');
    if (r.kind !== 'scheduled') return;
    cache.assumePod(podInfoOf(pod), r.node);
    counts.set(r.node, (counts.get(r.node) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()].sort(), [2, 2, 2]);
  // A seventh 1.5-cpu pod no longer fits anywhere.
  const r = schedulePod(makePod('big', { cpu: '1500m' }), cache, defaultProfile(), cursor);
  assert.equal(r.kind, 'unschedulable');
});


test('round-robin start index stops after enough feasible nodes', () => {
  const nodes = [];
  for (let i = 0; i < 1000; i++) nodes.push(makeNode(`n${i}`));
  const cache = cacheWith(...nodes);
  const cursor = newCursor();
  const r = schedulePod(makePod('p'), cache, defaultProfile(), cursor);
  assert.equal(r.kind === 'scheduled' && r.evaluatedNodes, 420);
  assert.equal(cursor.next, 420);
  schedulePod(makePod('q'), cache, defaultProfile(), cursor);
  assert.equal(cursor.next, 840);
});

test('nominated node is tried first', () => {
  const cache = cacheWith(makeNode('a'), makeNode('b'));
  const pod = makePod('p');
  pod.status = { phase: 'Pending', nominatedNodeName: 'b' };
  const r = schedulePod(pod, cache, defaultProfile(), newCursor());
  assert.equal(r.kind === 'scheduled' && r.node, 'b');
});

test('a PreFilter rejection names no nodes: NodeAffinity metadata.name pins', () => {
  const cache = cacheWith(makeNode('a'), makeNode('b'), makeNode('c'));
  const pod = makePod('p', {
    spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }] } } } },
  });
  const r = schedulePod(pod, cache, defaultProfile(), newCursor());
  assert.equal(r.kind === 'scheduled' && r.node, 'b');
  const big = makePod('big', {
    cpu: '10',
    spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }] } } } },
  });
  const r2 = schedulePod(big, cache, defaultProfile(), newCursor());
  assert.equal(r2.kind, 'unschedulable');
  if (r2.kind !== 'unschedulable') return;
  assert.equal(fitErrorMessage(r2.numAllNodes, r2.diagnosis), "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].");
});
