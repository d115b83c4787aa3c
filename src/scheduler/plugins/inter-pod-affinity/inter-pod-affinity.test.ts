import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from '../../cache.js';
import { CycleState } from '../../framework/types.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { InterPodAffinityPlugin } from './inter-pod-affinity.js';

const pl = new InterPodAffinityPlugin();
const term = (app: string) => ({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } });

function setup() {
  const cache = new SchedulerCache();
  cache.addNode(makeNode('a'));
  cache.addNode(makeNode('b'));
  cache.addPod(makePod('db', { nodeName: 'a', labels: { app: 'db' } }));
  return cache;
}

function filter(cache: SchedulerCache, pod: ReturnType<typeof makePod>): Record<string, string> {
  const c = new CycleState();
  const pi = podInfoOf(pod);
  const pre = pl.preFilter(c, pi, cache);
  const out: Record<string, string> = {};
  for (const n of cache.nodeInfos()) out[n.name] = pre.code === 'Skip' ? 'ok' : pl.filter(c, pi, n).reasons[0] ?? 'ok';
  return out;
}

test('required affinity and anti-affinity', () => {
  const cache = setup();
  const aff = makePod('web', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
  assert.deepEqual(filter(cache, aff), { a: 'ok', b: "node(s) didn't match pod affinity rules" });
  const anti = makePod('web2', { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
  assert.deepEqual(filter(cache, anti), { a: "node(s) didn't match pod anti-affinity rules", b: 'ok' });
});

test("existing pods' anti-affinity keeps matching pods away", () => {
  const cache = setup();
  cache.addPod(makePod('lonely', { nodeName: 'b', labels: { app: 'lonely' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } } }));
  assert.deepEqual(filter(cache, makePod('w', { labels: { app: 'web' } })), { a: 'ok', b: "node(s) didn't satisfy existing pods anti-affinity rules" });
});

test('the first pod of a self-affine group may go anywhere', () => {
  const cache = setup();
  const self = makePod('s', { labels: { app: 'grp' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('grp')] } } } });
  assert.deepEqual(filter(cache, self), { a: 'ok', b: 'ok' });
});

test('preferred anti-affinity scores away from matching pods', () => {
  const cache = setup();
  const pod = podInfoOf(makePod('w', { spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term('db') }] } } } }));
  const c = new CycleState();
  const nodes = cache.nodeInfos();
  assert.equal(pl.preScore(c, pod, nodes, cache).code, 'Success');
  const s = Float64Array.from(nodes.map((n) => pl.score(c, pod, n)));
  pl.normalize(c, pod, s, nodes.length);
  assert.deepEqual([...s], [0, 100]);
});
