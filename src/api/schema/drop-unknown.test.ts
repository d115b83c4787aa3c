import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropUnknownFields, findUnknownFields } from './index.js';

// Fuzz: unknown fields were removed by walking their printed path back, which a key that is
// empty or holds '.', '[' or ']' cannot survive: `metadata: {"": …}` printed as "metadata." and
// deleted the whole metadata (a 500 later), and a top-level "metadata.name" deleted the name.
test('unknown fields are dropped where they are, whatever their names', () => {
  const obj: Record<string, unknown> = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'ns', '': { metadata: 1 }, 'a.b': 1, '[0]': 2 },
    'metadata.name': 'y', 'data[0]': 1, data: { 'k.with.dots': 'v' },
  };
  const paths = dropUnknownFields('', 'v1', 'ConfigMap', obj);
  assert.deepEqual(paths, ['metadata.', 'metadata.a.b', 'metadata.[0]', 'metadata.name', 'data[0]']);
  assert.deepEqual(obj, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' }, data: { 'k.with.dots': 'v' } });
  assert.deepEqual(findUnknownFields('', 'v1', 'ConfigMap', obj), []);
});

test('nested in lists and maps: only the unknown keys go', () => {
  const obj: Record<string, unknown> = { spec: { containers: [{ name: 'c', image: 'i', '': 1, 'env.x': 2 }] } };
  assert.deepEqual(dropUnknownFields('', 'v1', 'Pod', obj), ['spec.containers[0].', 'spec.containers[0].env.x']);
  assert.deepEqual(obj, { spec: { containers: [{ name: 'c', image: 'i' }] } });
});

// Fuzz: `containers: [null]` passed validation (which skips non-objects) and was stored.
test('nulls in lists and maps become the zero value of the element type, as after Go decode', () => {
  const obj: Record<string, unknown> = {
    metadata: { name: 'p', labels: { a: null }, finalizers: [null] },
    spec: { containers: [null, { name: 'c', image: 'i', command: [null, 'x'], ports: [null] }], nodeSelector: { k: null } },
  };
  dropUnknownFields('', 'v1', 'Pod', obj);
  assert.deepEqual(obj, {
    metadata: { name: 'p', labels: { a: '' }, finalizers: [''] },
    spec: { containers: [{}, { name: 'c', image: 'i', command: ['', 'x'], ports: [{}] }], nodeSelector: { k: '' } },
  });
});
