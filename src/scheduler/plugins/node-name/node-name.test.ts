import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.js';
import { NodeInfo } from '../../framework/node-info.js';
import { podInfoOf } from '../../framework/pod-info.js';
import { makeNode, makePod } from '../../testing/fixtures.js';
import { NodeNamePlugin } from './node-name.js';

test('only the named node fits', () => {
  const pl = new NodeNamePlugin();
  const pod = podInfoOf(makePod('p', { nodeName: 'a' }));
  assert.equal(pl.filter(new CycleState(), pod, new NodeInfo(makeNode('a'))).code, 'Success');
  const s = pl.filter(new CycleState(), pod, new NodeInfo(makeNode('b')));
  assert.deepEqual(s.reasons, ["node(s) didn't match the requested node name"]);
});
