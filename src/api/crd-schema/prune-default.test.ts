import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchema, type JSONSchemaProps } from './index.js';

interface PruneCase { name: string; schema: JSONSchemaProps; obj: Record<string, unknown>; want: unknown; pruned: string[]; }

const base = (spec: JSONSchemaProps): JSONSchemaProps => ({ type: 'object', properties: { spec } });

const pruneCases: PruneCase[] = [
  { name: 'unknown fields go, apiVersion/kind/metadata stay at the root',
    schema: base({ type: 'object', properties: { a: { type: 'string' } } }),
    obj: { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n', labels: { a: 'b' } }, spec: { a: 'x', b: 'y' }, status: { s: 1 } },
    want: { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n', labels: { a: 'b' } }, spec: { a: 'x' } },
    pruned: ['spec.b', 'status'] },
  { name: 'preserve-unknown-fields keeps everything below',
    schema: base({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } }),
    obj: { spec: { free: { x: 1 }, a: { b: 'x', c: 'pruned: a is not preserving' } } },
    want: { spec: { free: { x: 1 }, a: { b: 'x' } } }, pruned: ['spec.a.c'] },
  { name: 'additionalProperties schema: every key kept, values pruned by it',
    schema: base({ type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } } } }),
    obj: { spec: { m: { k1: { v: 'a', w: 'b' }, k2: {} } } },
    want: { spec: { m: { k1: { v: 'a' }, k2: {} } } }, pruned: ['spec.m.k1.w'] },
  { name: 'list items, with [i] paths',
    schema: base({ type: 'object', properties: { l: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } } } }),
    obj: { spec: { l: [{ a: 1, z: 1 }, { a: 2 }, { y: 3 }] } },
    want: { spec: { l: [{ a: 1 }, { a: 2 }, {}] } }, pruned: ['spec.l[0].z', 'spec.l[2].y'] },
  { name: 'embedded resources keep apiVersion/kind and ObjectMeta fields only',
    schema: base({ type: 'object', properties: { tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } } } } }),
    obj: { spec: { tpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels: { a: 'b' }, bogus: 1 }, spec: { image: 'i', other: 1 }, extra: true } } },
    want: { spec: { tpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels: { a: 'b' } }, spec: { image: 'i' } } } },
    pruned: ['spec.tpl.extra', 'spec.tpl.metadata.bogus', 'spec.tpl.spec.other'] },
  { name: 'int-or-string and untyped preserve values are left alone',
    schema: base({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true }, raw: { 'x-kubernetes-preserve-unknown-fields': true } } }),
    obj: { spec: { p: 'http', raw: { a: [1, { b: 2 }] } } },
    want: { spec: { p: 'http', raw: { a: [1, { b: 2 }] } } }, pruned: [] },
  { name: 'a scalar where an object is expected is not touched (validation reports it)',
    schema: base({ type: 'object', properties: { a: { type: 'string' } } }),
    obj: { spec: 'text' }, want: { spec: 'text' }, pruned: [] },
];

for (const c of pruneCases) {
  test(`prune: ${c.name}`, { timeout: 5000 }, () => {
    const obj = structuredClone(c.obj);
    const pruned = compileSchema(c.schema).prune(obj);
    assert.deepEqual(obj, c.want);
    assert.deepEqual(pruned, c.pruned);
  });
}

interface DefaultCase { name: string; schema: JSONSchemaProps; obj: Record<string, unknown>; want: unknown; }

const defaultCases: DefaultCase[] = [
  { name: 'missing fields get their default',
    schema: base({ type: 'object', properties: { replicas: { type: 'integer', default: 1 }, mode: { type: 'string', default: 'fast' }, keep: { type: 'string', default: 'no' } } }),
    obj: { spec: { keep: 'yes' } }, want: { spec: { replicas: 1, mode: 'fast', keep: 'yes' } } },
  { name: 'a default object is defaulted further (top down)',
    schema: base({ type: 'object', properties: { tls: { type: 'object', default: {}, properties: { port: { type: 'integer', default: 443 }, on: { type: 'boolean', default: true } } } } }),
    obj: { spec: {} }, want: { spec: { tls: { port: 443, on: true } } } },
  { name: 'the parent is not created when it has no default',
    schema: base({ type: 'object', properties: { tls: { type: 'object', properties: { port: { type: 'integer', default: 443 } } } } }),
    obj: { spec: {} }, want: { spec: {} } },
  { name: 'list items are defaulted',
    schema: base({ type: 'object', properties: { l: { type: 'array', items: { type: 'object', properties: { proto: { type: 'string', default: 'TCP' } } } } } }),
    obj: { spec: { l: [{}, { proto: 'UDP' }] } }, want: { spec: { l: [{ proto: 'TCP' }, { proto: 'UDP' }] } } },
  { name: 'additionalProperties values are defaulted',
    schema: base({ type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'object', properties: { w: { type: 'integer', default: 1 } } } } } }),
    obj: { spec: { m: { a: {}, b: { w: 5 } } } }, want: { spec: { m: { a: { w: 1 }, b: { w: 5 } } } } },
  { name: 'null in a non-nullable field with a default takes the default',
    schema: base({ type: 'object', properties: { n: { type: 'integer', default: 3 } } }),
    obj: { spec: { n: null } }, want: { spec: { n: 3 } } },
  { name: 'null in a nullable field stays null',
    schema: base({ type: 'object', properties: { n: { type: 'integer', nullable: true, default: 3 } } }),
    obj: { spec: { n: null } }, want: { spec: { n: null } } },
  { name: 'null in a non-nullable field without default is dropped',
    schema: base({ type: 'object', properties: { n: { type: 'integer' }, k: { type: 'string', nullable: true } } }),
    obj: { spec: { n: null, k: null } }, want: { spec: { k: null } } },
  { name: 'null list items take the items default',
    schema: base({ type: 'object', properties: { l: { type: 'array', items: { type: 'string', default: 'x' } } } }),
    obj: { spec: { l: ['a', null] } }, want: { spec: { l: ['a', 'x'] } } },
];

for (const c of defaultCases) {
  test(`applyDefaults: ${c.name}`, { timeout: 5000 }, () => {
    const obj = structuredClone(c.obj);
    compileSchema(c.schema).applyDefaults(obj);
    assert.deepEqual(obj, c.want);
  });
}

test('applyDefaults: defaults are deep copies, never shared with the schema', { timeout: 5000 }, () => {
  const schema = base({ type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, default: ['a'] } } });
  const s = compileSchema(schema);
  const o1: Record<string, unknown> = { spec: {} };
  const o2: Record<string, unknown> = { spec: {} };
  s.applyDefaults(o1);
  ((o1.spec as Record<string, unknown>).tags as string[]).push('mutated');
  s.applyDefaults(o2);
  assert.deepEqual(o2, { spec: { tags: ['a'] } });
  assert.deepEqual(((schema.properties as Record<string, Record<string, unknown>>).spec.properties as Record<string, Record<string, unknown>>).tags.default, ['a']);
});

test('prune, then default, then validate: the order the API server uses', { timeout: 5000 }, () => {
  const s = compileSchema(base({ type: 'object', required: ['replicas'], properties: { replicas: { type: 'integer', default: 1, minimum: 1 } } }));
  const obj: Record<string, unknown> = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { junk: true } };
  assert.deepEqual(s.prune(obj), ['spec.junk']);
  s.applyDefaults(obj);
  assert.deepEqual(s.validate(obj), []);
  assert.deepEqual(obj.spec, { replicas: 1 });
});
