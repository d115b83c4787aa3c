import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, keyElement, pathToString, valueElement } from './field-set.js';

test('FieldsV1 round trip keeps "." members and leaves', () => {
  const v1 = { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a"': {} } }, 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } } };
  const s = FieldSet.fromFieldsV1(v1);
  assert.deepEqual(s.toFieldsV1(), v1);
  assert.ok(s.has(['f:metadata', 'f:finalizers']));
  assert.ok(!s.has(['f:metadata']));
  assert.deepEqual(s.paths().map(pathToString), ['.metadata.finalizers', '.metadata.finalizers[="a"]', '.spec.ports[port=80,protocol="TCP"]', '.spec.ports[port=80,protocol="TCP"].port']);
});

test('set algebra is exact on paths and withoutSubtrees is recursive', () => {
  const a = FieldSet.of([['f:a'], ['f:a', 'f:b'], ['f:c']]);
  const b = FieldSet.of([['f:a']]);
  assert.deepEqual(a.difference(b).paths(), [['f:a', 'f:b'], ['f:c']]);
  assert.deepEqual(a.withoutSubtrees(b).paths(), [['f:c']]);
  assert.deepEqual(a.intersection(FieldSet.of([['f:c'], ['f:d']])).paths(), [['f:c']]);
  assert.ok(a.union(b).equals(a));
  assert.equal(keyElement({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}');
  assert.equal(valueElement('x'), 'v:"x"');
});
