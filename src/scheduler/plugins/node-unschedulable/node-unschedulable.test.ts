import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { NodeUnschedulablePlugin } from './node-unschedulable.js';

test('cordoned nodes reject pods unless they tolerate the unschedulable taint', () => {
  const pl = new NodeUnschedulablePlugin();
  const n = new NodeInfo(makeNode('n', { unschedulable: true }));
  const s = pl.filter(new CycleState(), podInfoOf(makePod('p')), n);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, ['node(s) were unschedulable']);
  const tol = makePod('q', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
  assert.equal(pl.filter(new CycleState(), podInfoOf(tol), n).code, 'Success');
  assert.equal(pl.filter(new CycleState(), podInfoOf(makePod('r')), new NodeInfo(makeNode('m'))).code, 'Success');
});
