import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedScore } from './balanced-allocation.js';

test('balanced allocation: 1 - |cpu fraction - memory fraction| / 2', () => {
  assert.equal(balancedScore(2000, 4000, 4, 8), 100);
  assert.equal(balancedScore(1000, 4000, 6, 8), 75);
  assert.equal(balancedScore(8000, 4000, 0, 8), 50);
});
