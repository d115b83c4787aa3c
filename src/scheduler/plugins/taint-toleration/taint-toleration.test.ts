import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { TaintTolerationPlugin, toleratesTaint } from './taint-toleration.js';

const pl = new TaintTolerationPlugin();

test('untolerated NoSchedule/NoExecute taints reject, naming the first', () => {
  const n = new NodeInfo(makeNode('n', { taints: [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  const s = pl.filter(new CycleState(), podInfoOf(makePod('p')), n);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  const ok = pl.filter(new CycleState(), podInfoOf(makePod('q', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] })), n);
  assert.equal(ok.code, 'Success');
});

test('toleration matching rules', () => {
  assert.ok(toleratesTaint({ operator: 'Exists' }, { key: 'x', effect: 'NoExecute' }));
  assert.ok(toleratesTaint({ key: 'x', value: 'v', effect: 'NoSchedule' }, { key: 'x', value: 'v', effect: 'NoSchedule' }));
  assert.ok(!toleratesTaint({ key: 'x', value: 'v', effect: 'NoExecute' }, { key: 'x', value: 'v', effect: 'NoSchedule' }));
  assert.ok(!toleratesTaint({ key: 'x', value: 'w' }, { key: 'x', value: 'v', effect: 'NoSchedule' }));
});

test('score: fewer untolerated PreferNoSchedule taints is better', () => {
  const nodes = [new NodeInfo(makeNode('a')), new NodeInfo(makeNode('b', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }))];
  const c = new CycleState();
  const pod = podInfoOf(makePod('p'));
  assert.equal(pl.preScore(c, pod, nodes).code, 'Success');
  const scores = Float64Array.from(nodes.map((n) => pl.score(c, pod, n)));
  pl.normalize(c, pod, scores, 2);
  assert.deepEqual([...scores], [100, 0]);
});
