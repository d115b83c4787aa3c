import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatePodCidrs, blocksOf } from './plan.js';

const pool = { clusterCIDR: '10.42.0.0/16' };

test('nodes get the lowest free /24, block 0 stays for the server node', () => {
  const got = allocatePodCidrs(pool, ['10.42.0.0/24', '10.42.2.0/24'], ['b', 'a']);
  assert.deepEqual([...got], [
    ['b', '10.42.1.0/24'],
    ['a', '10.42.3.0/24'],
  ]);
});

test('blocks outside the pool or of another size do not count as used', () => {
  const got = allocatePodCidrs(pool, ['10.99.1.0/24', '10.42.1.0/25', 'garbage'], ['n']);
  assert.equal(got.get('n'), '10.42.1.0/24');
});

test('an exhausted pool leaves the remaining nodes without a block', () => {
  const small = { clusterCIDR: '10.42.0.0/23' };
  assert.equal(blocksOf(small).count, 2);
  const got = allocatePodCidrs(small, [], ['a', 'b']);
  assert.deepEqual([...got], [['a', '10.42.1.0/24']]);
});

test('a node mask larger than the cluster CIDR is refused', () => {
  assert.throws(() => blocksOf({ clusterCIDR: '10.42.0.0/26' }), /does not fit/);
});
