import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../../util/time.js';
import { podDeletionCost, podsToDelete } from './pod-ranking.js';
import type { ContainerStatus, Pod, PodSpec } from '../../api/types/index.js';

const NOW = Date.UTC(2024, 0, 1, 12);

function pod(name: string, o: { node?: string; phase?: string; readyAgo?: number; restarts?: number; createdAgo?: number; cost?: string } = {}): Pod {
  const p: Pod = {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: rfc3339(NOW - (o.createdAgo ?? 3600) * 1000) },
    spec: (o.node ? { nodeName: o.node } : {}) as PodSpec,
    status: { phase: o.phase ?? 'Running', containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 } as ContainerStatus] },
  };
  if (o.readyAgo !== undefined) p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(NOW - o.readyAgo * 1000) }];
  if (o.cost !== undefined) p.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': o.cost };
  return p;
}

const names = (ps: readonly Readonly<Pod>[]) => ps.map((p) => p.metadata.name);

test('unscheduled before scheduled', () => {
  const a = pod('a', { node: 'n1', readyAgo: 100 });
  const b = pod('b', { phase: 'Pending' });
  assert.deepEqual(names(podsToDelete([a, b], [a, b], 1, NOW)), ['b']);
});

test('pending before unknown before running', () => {
  const run = pod('run', { node: 'n1' });
  const unk = pod('unk', { node: 'n1', phase: 'Unknown' });
  const pend = pod('pend', { node: 'n1', phase: 'Pending' });
  assert.deepEqual(names(podsToDelete([run, unk, pend], [], 2, NOW)), ['pend', 'unk']);
});

test('not ready before ready', () => {
  const ready = pod('ready', { node: 'n1', readyAgo: 50 });
  const notReady = pod('notready', { node: 'n1' });
  assert.deepEqual(names(podsToDelete([ready, notReady], [], 1, NOW)), ['notready']);
});

test('lower deletion cost first', () => {
  const cheap = pod('cheap', { node: 'n1', readyAgo: 1000, cost: '-5' });
  const dear = pod('dear', { node: 'n1', readyAgo: 10, cost: '100' });
  assert.deepEqual(names(podsToDelete([dear, cheap], [], 1, NOW)), ['cheap']);
  assert.equal(podDeletionCost(pod('x', { cost: 'abc' })), 0);
});

test('pods on crowded nodes first', () => {
  const a = pod('a', { node: 'n1', readyAgo: 1000 });
  const b = pod('b', { node: 'n2', readyAgo: 1000 });
  const other = pod('other', { node: 'n2', readyAgo: 1000 });
  assert.deepEqual(names(podsToDelete([a, b], [a, b, other], 1, NOW)), ['b']);
});

test('more recently ready first (different log2 buckets)', () => {
  const old = pod('old', { node: 'n1', readyAgo: 3600 });
  const fresh = pod('fresh', { node: 'n1', readyAgo: 10 });
  assert.deepEqual(names(podsToDelete([old, fresh], [], 1, NOW)), ['fresh']);
});

test('more restarts first, then newer', () => {
  const calm = pod('calm', { node: 'n1', readyAgo: 100, restarts: 0 });
  const flappy = pod('flappy', { node: 'n1', readyAgo: 100, restarts: 7 });
  assert.deepEqual(names(podsToDelete([calm, flappy], [], 1, NOW)), ['flappy']);
  const older = pod('older', { node: 'n1', createdAgo: 86400 });
  const newer = pod('newer', { node: 'n1', createdAgo: 5 });
  assert.deepEqual(names(podsToDelete([older, newer], [], 1, NOW)), ['newer']);
});

test('count at least the number of pods returns them all', () => {
  const a = pod('a');
  assert.deepEqual(names(podsToDelete([a], [], 3, NOW)), ['a']);
});
