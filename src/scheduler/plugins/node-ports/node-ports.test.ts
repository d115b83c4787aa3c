import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { NodePortsPlugin } from './node-ports.js';

test('host port conflicts; freed when the pod leaves', () => {
  const pl = new NodePortsPlugin();
  const n = new NodeInfo(makeNode('n'));
  const a = podInfoOf(makePod('a', { hostPort: 8080 }));
  n.addPod(a);
  const b = podInfoOf(makePod('b', { hostPort: 8080 }));
  const c = new CycleState();
  assert.equal(pl.preFilter(c, b).code, 'Success');
  const s = pl.filter(c, b, n);
  assert.equal(s.code, 'Unschedulable');
  assert.deepEqual(s.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(pl.filter(c, podInfoOf(makePod('d', { hostPort: 9090 })), n).code, 'Success');
  n.removePod(a.key);
  assert.equal(pl.filter(c, b, n).code, 'Success');
  assert.equal(pl.preFilter(c, podInfoOf(makePod('e'))).code, 'Skip');
});
