import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepthExceeds } from './json.js';

function nested(depth: number, arr: boolean): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = arr ? [v] : { a: v };
  return v;
}

test('jsonDepthExceeds: scalars are depth 0, each array or object one level', () => {
  assert.equal(jsonDepthExceeds('x', 0), false);
  assert.equal(jsonDepthExceeds({}, 0), true);
  assert.equal(jsonDepthExceeds({}, 1), false);
  assert.equal(jsonDepthExceeds({ a: [1, { b: null }] }, 3), false);
  assert.equal(jsonDepthExceeds({ a: [1, { b: {} }] }, 3), true);
});

test('jsonDepthExceeds: answers for values deeper than the call stack (fuzz: deep bodies overflowed recursive walks)', () => {
  for (const arr of [false, true]) {
    const v = nested(200_000, arr);
    assert.equal(jsonDepthExceeds(v, 512), true);
    assert.equal(jsonDepthExceeds(v, 200_000), false);
  }
});
