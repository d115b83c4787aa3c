import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { applyObject } from './patch-object.js';
import { patchSchemaFromOpenApi } from './openapi-schema.js';

const SCHEMA = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
        tags: { type: 'array', items: { type: 'string' } },
        selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
      },
    },
  },
};

const opts = (manager: string) => ({ manager, force: false, apiVersion: 'example.com/v1', now: '2026-01-01T00:00:00Z', hasStatus: false });
const target = { group: 'example.com', kind: 'Widget', schema: patchSchemaFromOpenApi('example.com', 'Widget', SCHEMA) };
const obj = (spec: object): KObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

describe('server-side apply on custom resources', () => {
  it('list-map items of two managers merge by key; unmarked lists stay atomic', () => {
    const a = applyObject(target, undefined, obj({ ports: [{ name: 'http', port: 80 }], tags: ['a'] }), opts('a'));
    const b = applyObject(target, a, obj({ ports: [{ name: 'https', port: 443 }] }), opts('b'));
    assert.deepEqual((b.spec as any).ports, [{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);
    assert.deepEqual((b.spec as any).tags, ['a']);
    const fields = JSON.stringify(b.metadata.managedFields);
    assert.match(fields, /k:\{\\"name\\":\\"https\\"\}/);
  });

  it('an atomic map belongs to one manager as a whole', () => {
    const a = applyObject(target, undefined, obj({ selector: { app: 'x', tier: 'web' } }), opts('a'));
    assert.throws(() => applyObject(target, a, obj({ selector: { app: 'y' } }), opts('b')), /conflict/i);
  });
});
