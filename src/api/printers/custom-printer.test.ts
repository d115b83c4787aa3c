import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { customResourcePrinter, evalSimpleJsonPath } from './custom-printer.js';

const obj: KObject = {
  apiVersion: 'example.com/v1', kind: 'Widget',
  metadata: { name: 'w', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'a.b/c': 'x' } },
  spec: { replicas: 3, ready: true, items: [{ n: 'a' }, { n: 'b' }] },
};

describe('custom resource tables', () => {
  it('simple JSONPath: fields, indexes, wildcards, quoted keys, {} templates', () => {
    assert.deepEqual(evalSimpleJsonPath(obj, '.spec.replicas'), [3]);
    assert.deepEqual(evalSimpleJsonPath(obj, '.spec.items[1].n'), ['b']);
    assert.deepEqual(evalSimpleJsonPath(obj, '.spec.items[*].n'), ['a', 'b']);
    assert.deepEqual(evalSimpleJsonPath(obj, ".metadata.annotations['a.b/c']"), ['x']);
    assert.deepEqual(evalSimpleJsonPath(obj, '{.spec.ready}'), [true]);
    assert.deepEqual(evalSimpleJsonPath(obj, '.spec.missing.deeper'), []);
  });

  it('columns after Name, typed cells, null for missing, dates as ages; Age alone by default', () => {
    const p = customResourcePrinter([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Names', type: 'string', jsonPath: '.spec.items[*].n', priority: 1 },
      { name: 'Missing', type: 'string', jsonPath: '.status.x' },
      { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(p.columns.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Replicas', 'integer', 0], ['Names', 'string', 1], ['Missing', 'string', 0], ['Created', 'date', 0]]);
    const now = Date.parse('2026-01-01T00:05:00Z');
    assert.deepEqual(p.row(obj, now), ['w', 3, 'a,b', null, '5m']);
    const d = customResourcePrinter([]);
    assert.deepEqual(d.columns.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(d.row(obj, now), ['w', '5m']);
  });
});
