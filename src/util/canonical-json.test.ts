import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, canonicalJsonOmitEmpty, omitEmpty } from './canonical-json.js';

test('canonicalJson: keys sorted at every level, empties and nulls kept, undefined dropped', { timeout: 5000 }, () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ x: {}, y: [], u: undefined }), '{"x":{},"y":[]}');
  assert.equal(canonicalJson([undefined, 'a"b']), '[null,"a\\"b"]');
  assert.equal(canonicalJson(undefined), 'null');
  assert.equal(canonicalJson({ '10': 1, '9': 2, a: 3 }), '{"10":1,"9":2,"a":3}');
  assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
});

test('omitEmpty drops null, {} and [] (and what becomes empty); canonicalJsonOmitEmpty prints it', { timeout: 5000 }, () => {
  assert.deepEqual(omitEmpty({ a: null, b: {}, c: [], d: { e: [] }, f: [null, 1], g: 0, h: '' }), { f: [1], g: 0, h: '' });
  assert.equal(omitEmpty({ a: { b: null } }), undefined);
  assert.equal(canonicalJsonOmitEmpty({ z: 1, a: { y: [], x: 'v' } }), '{"a":{"x":"v"},"z":1}');
  assert.equal(canonicalJsonOmitEmpty(null), 'null');
  // The pinned quirk of the pod-template-hash input: integer-like keys first, in numeric order.
  assert.equal(canonicalJsonOmitEmpty({ a: 1, '10': 2, '9': 3 }), '{"9":3,"10":2,"a":1}');
});
