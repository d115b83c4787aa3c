import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from '../../cache.js';
import { CycleState } from '../../framework/types.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { PodTopologySpreadPlugin } from './pod-topology-spread.js';

const pl = new PodTopologySpreadPlugin();

test('DoNotSchedule: skew over the least-loaded domain', () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a', { labels: { zone: 'z1' } }));
  cache.addNode(makeNode('b', { labels: { zone: 'z2' } }));
  cache.addNode(makeNode('c'));
  cache.addPod(makePod('x1', { nodeName: 'a', labels: { app: 'w' } }));
  const pod = podInfoOf(makePod('p', {
    labels: { app: 'w' },
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'w' } } }] },
  }));
  const c = new CycleState();
  assert.equal(pl.preFilter(c, pod, cache).code, 'Success');
  const got = cache.nodeInfos().map((n) => pl.filter(c, pod, n).reasons[0] ?? 'ok');
  assert.deepEqual(got, [
    "node(s) didn't match pod topology spread constraints",
    'ok',
    "node(s) didn't match pod topology spread constraints (missing required label)",
  ]);
});

test('ScheduleAnyway: fewer matching pods in the domain scores higher', () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a'));
  cache.addNode(makeNode('b'));
  cache.addPod(makePod('x1', { nodeName: 'a', labels: { app: 'w' } }));
  cache.addPod(makePod('x2', { nodeName: 'a', labels: { app: 'w' } }));
  const pod = podInfoOf(makePod('p', {
    labels: { app: 'w' },
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'w' } } }] },
  }));
  const c = new CycleState();
  const nodes = cache.nodeInfos();
  assert.equal(pl.preScore(c, pod, nodes, cache).code, 'Success');
  const s = Float64Array.from(nodes.map((n) => pl.score(c, pod, n)));
  pl.normalize(c, pod, s, 2);
  assert.ok(s[1] > s[0]);
  assert.equal(s[1], 100);
});
