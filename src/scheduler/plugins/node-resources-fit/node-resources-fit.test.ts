import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf, podRequests } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { NodeResourcesFitPlugin, leastRequestedScore } from './node-resources-fit.js';

const pl = new NodeResourcesFitPlugin();

test('reasons per short resource in upstream order', () => {
  const n = new NodeInfo(makeNode('n', { cpu: '1', memory: '1Gi', pods: '1' }));
  n.addPod(podInfoOf(makePod('x', { cpu: '500m' })));
  const s = pl.filter(new CycleState(), podInfoOf(makePod('p', { cpu: '1', memory: '2Gi' })), n);
  assert.equal(s.code, 'Unschedulable');
  assert.deepEqual(s.reasons, ['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
  assert.deepEqual(pl.filter(new CycleState(), podInfoOf(makePod('q')), n).reasons, ['Too many pods']);
});

test('extended resources', () => {
  const n = new NodeInfo(makeNode('n', { extra: { 'nvidia.com/gpu': '1' } }));
  const pod = makePod('p', { spec: { containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '2' } } }] } });
  assert.deepEqual(pl.filter(new CycleState(), podInfoOf(pod), n).reasons, ['Insufficient nvidia.com/gpu']);
});

test('requests: sum of containers, at least each init container, plus overhead', () => {
  const pod = makePod('p', {
    spec: {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }, { name: 'b', resources: { requests: { cpu: '200m', memory: '1Mi' } } }],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }],
      overhead: { cpu: '10m' },
    },
  });
  const r = podRequests(pod);
  assert.equal(r.milliCPU, 1010);
  assert.equal(r.memory, 1024 * 1024);
  const nz = podInfoOf(makePod('q'));
  assert.equal(nz.nonZeroCPU, 100);
  assert.equal(nz.nonZeroMemory, 200 * 1024 * 1024);
  assert.equal(nz.requestsNothing, true);
});

test('least allocated score', () => {
  assert.equal(leastRequestedScore(0, 4000), 100);
  assert.equal(leastRequestedScore(1000, 4000), 75);
  assert.equal(leastRequestedScore(5000, 4000), 0);
  const n = new NodeInfo(makeNode('n', { cpu: '4', memory: '8Gi' }));
  assert.equal(pl.score(new CycleState(), podInfoOf(makePod('p', { cpu: '1', memory: '2Gi' })), n), 75);
});
