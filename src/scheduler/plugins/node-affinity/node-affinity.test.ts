import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { NodeAffinityPlugin } from './node-affinity.js';

const pl = new NodeAffinityPlugin();

function run(pod: ReturnType<typeof makePod>, node: ReturnType<typeof makeNode>): string {
  const c = new CycleState();
  const pi = podInfoOf(pod);
  const pre = pl.preFilter(c, pi);
  if ('code' in pre && pre.code === 'Skip') return 'Success';
  return pl.filter(c, pi, new NodeInfo(node)).code;
}

test('nodeSelector must match all labels', () => {
  const pod = makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } });
  assert.equal(run(pod, makeNode('a', { labels: { disk: 'ssd' } })), 'Success');
  assert.equal(run(pod, makeNode('b', { labels: { disk: 'hdd' } })), 'UnschedulableAndUnresolvable');
});

test('required terms are ORed, expressions ANDed; Gt/NotIn/DoesNotExist', () => {
  const pod = makePod('p', {
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }, { key: 'zone', operator: 'NotIn', values: ['z1'] }] },
              { matchExpressions: [{ key: 'special', operator: 'Exists' }] },
            ],
          },
        },
      },
    },
  });
  assert.equal(run(pod, makeNode('a', { labels: { cores: '16', zone: 'z2' } })), 'Success');
  assert.equal(run(pod, makeNode('b', { labels: { cores: '16', zone: 'z1' } })), 'UnschedulableAndUnresolvable');
  assert.equal(run(pod, makeNode('c', { labels: { cores: '4' } })), 'UnschedulableAndUnresolvable');
  assert.equal(run(pod, makeNode('d', { labels: { special: '' } })), 'Success');
});

test('preferred terms score by summed weight, normalized', () => {
  const pod = podInfoOf(makePod('p', {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'b', operator: 'Exists' }] } },
          ],
        },
      },
    },
  }));
  const nodes = [makeNode('x', { labels: { a: '' } }), makeNode('y', { labels: { a: '', b: '' } }), makeNode('z')].map((n) => new NodeInfo(n));
  const c = new CycleState();
  assert.equal(pl.preScore(c, pod).code, 'Success');
  const s = Float64Array.from(nodes.map((n) => pl.score(c, pod, n)));
  pl.normalize(c, pod, s, 3);
  assert.deepEqual([...s], [25, 100, 0]);
});
