import assert from 'node:assert/strict';
import { it } from 'node:test';
import { lowerBound, prefixEnd, searchSorted } from './key-range.js';

it('prefixEnd bounds exactly the keys that start with the prefix', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
  assert.equal(prefixEnd(''), undefined);
  assert.equal(prefixEnd('a\uffff'), 'b');
  assert.equal(prefixEnd('\uffff\uffff'), undefined);
  const end = prefixEnd('/registry/pods/')!;
  assert.ok('/registry/pods/zzz' < end);
  assert.ok('/registry/podsx/a' >= end);
});

it('lowerBound picks the tighter of prefix and startAfter', () => {
  assert.deepEqual(lowerBound('/p/', undefined), { key: '/p/', exclusive: false });
  assert.deepEqual(lowerBound('/p/', '/a'), { key: '/p/', exclusive: false });
  assert.deepEqual(lowerBound('/p/', '/p/k'), { key: '/p/k', exclusive: true });
});

it('searchSorted finds inclusive and exclusive insertion points', () => {
  const a = ['a', 'b', 'b', 'c'];
  assert.equal(searchSorted(a, 'b'), 1);
  assert.equal(searchSorted(a, 'b', true), 3);
  assert.equal(searchSorted(a, '0'), 0);
  assert.equal(searchSorted(a, 'z'), 4);
});
