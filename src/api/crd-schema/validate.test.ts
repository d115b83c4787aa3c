import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchema, type JSONSchemaProps } from './index.js';

// One line per error, `field: message`, as the API's Invalid Status lists them.
function lines(schema: JSONSchemaProps, obj: unknown, old?: unknown): string[] {
  return compileSchema(schema).validate(obj, old).map((e) => `${e.field}: ${e.message}`);
}
const spec = (properties: JSONSchemaProps, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'object', properties: { spec: { type: 'object', properties, ...extra } },
});

interface Case { name: string; schema: JSONSchemaProps; obj: unknown; want: string[]; old?: unknown; }

const cases: Case[] = [
  // ---- types, with kube-openapi's sentence and the type found as the value
  { name: 'integer given a string', schema: spec({ replicas: { type: 'integer' } }), obj: { spec: { replicas: 'x' } },
    want: ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'] },
  { name: 'integer given a fraction', schema: spec({ replicas: { type: 'integer' } }), obj: { spec: { replicas: 1.5 } },
    want: ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'] },
  { name: 'number accepts an integer', schema: spec({ ratio: { type: 'number' } }), obj: { spec: { ratio: 2 } }, want: [] },
  { name: 'string given an object', schema: spec({ name: { type: 'string' } }), obj: { spec: { name: { a: 1 } } },
    want: ['spec.name: Invalid value: "object": spec.name in body must be of type string: "object"'] },
  { name: 'boolean given an array', schema: spec({ on: { type: 'boolean' } }), obj: { spec: { on: [true] } },
    want: ['spec.on: Invalid value: "array": spec.on in body must be of type boolean: "array"'] },
  { name: 'null where not nullable', schema: spec({ name: { type: 'string' } }), obj: { spec: { name: null } },
    want: ['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"'] },
  { name: 'null where nullable', schema: spec({ name: { type: 'string', nullable: true, minLength: 3 } }), obj: { spec: { name: null } }, want: [] },
  { name: 'int-or-string accepts both', schema: spec({ port: { 'x-kubernetes-int-or-string': true } }), obj: { spec: { port: 80 } }, want: [] },
  { name: 'int-or-string accepts a name', schema: spec({ port: { 'x-kubernetes-int-or-string': true } }), obj: { spec: { port: 'http' } }, want: [] },
  { name: 'int-or-string refuses a boolean', schema: spec({ port: { 'x-kubernetes-int-or-string': true } }), obj: { spec: { port: true } },
    want: ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'] },
  { name: 'preserve-unknown-fields without type takes anything', schema: spec({ raw: { 'x-kubernetes-preserve-unknown-fields': true } }), obj: { spec: { raw: [1, { a: 'b' }] } }, want: [] },

  // ---- formats
  { name: 'date-time', schema: spec({ at: { type: 'string', format: 'date-time' } }), obj: { spec: { at: 'yesterday' } },
    want: ['spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"'] },
  { name: 'date-time valid', schema: spec({ at: { type: 'string', format: 'date-time' } }), obj: { spec: { at: '2024-02-29T10:00:00Z' } }, want: [] },
  { name: 'date rejects Feb 30', schema: spec({ d: { type: 'string', format: 'date' } }), obj: { spec: { d: '2023-02-30' } },
    want: ['spec.d: Invalid value: "2023-02-30": spec.d in body must be of type date: "2023-02-30"'] },
  { name: 'uuid', schema: spec({ id: { type: 'string', format: 'uuid' } }), obj: { spec: { id: 'not-a-uuid' } },
    want: ['spec.id: Invalid value: "not-a-uuid": spec.id in body must be of type uuid: "not-a-uuid"'] },
  { name: 'uuid valid', schema: spec({ id: { type: 'string', format: 'uuid' } }), obj: { spec: { id: '123e4567-e89b-12d3-a456-426614174000' } }, want: [] },
  { name: 'byte (base64)', schema: spec({ b: { type: 'string', format: 'byte' } }), obj: { spec: { b: 'not base64!' } },
    want: ['spec.b: Invalid value: "not base64!": spec.b in body must be of type byte: "not base64!"'] },
  { name: 'ipv4 / cidr / hostname / email valid', schema: spec({ a: { type: 'string', format: 'ipv4' }, c: { type: 'string', format: 'cidr' }, h: { type: 'string', format: 'hostname' }, e: { type: 'string', format: 'email' } }),
    obj: { spec: { a: '10.0.0.1', c: '10.0.0.0/8', h: 'example.com', e: 'a@b.c' } }, want: [] },
  { name: 'ipv4 invalid', schema: spec({ a: { type: 'string', format: 'ipv4' } }), obj: { spec: { a: '10.0.0.256' } },
    want: ['spec.a: Invalid value: "10.0.0.256": spec.a in body must be of type ipv4: "10.0.0.256"'] },
  { name: 'unknown format is not validated', schema: spec({ a: { type: 'string', format: 'k8s-name' } }), obj: { spec: { a: '###' } }, want: [] },
  { name: 'int32 does not range-check (as upstream)', schema: spec({ n: { type: 'integer', format: 'int32' } }), obj: { spec: { n: 2 ** 40 } }, want: [] },

  // ---- enum
  { name: 'enum of strings', schema: spec({ mode: { type: 'string', enum: ['a', 'b'] } }), obj: { spec: { mode: 'x' } },
    want: ['spec.mode: Unsupported value: "x": supported values: "a", "b"'] },
  { name: 'enum of numbers', schema: spec({ n: { type: 'integer', enum: [1, 2] } }), obj: { spec: { n: 3 } },
    want: ['spec.n: Unsupported value: 3: supported values: "1", "2"'] },

  // ---- strings
  { name: 'maxLength counts runes', schema: spec({ s: { type: 'string', maxLength: 3 } }), obj: { spec: { s: 'äöü' } }, want: [] },
  { name: 'maxLength', schema: spec({ s: { type: 'string', maxLength: 3 } }), obj: { spec: { s: 'abcd' } },
    want: ['spec.s: Too long: may not be more than 3 bytes'] },
  { name: 'minLength', schema: spec({ s: { type: 'string', minLength: 3 } }), obj: { spec: { s: 'ab' } },
    want: ['spec.s: Invalid value: "ab": spec.s in body should be at least 3 chars long'] },
  { name: 'pattern', schema: spec({ s: { type: 'string', pattern: '^[a-z]+$' } }), obj: { spec: { s: 'A1' } },
    want: ["spec.s: Invalid value: \"A1\": spec.s in body should match '^[a-z]+$'"] },
  { name: 'pattern with RE2 named group', schema: spec({ s: { type: 'string', pattern: '^(?P<x>[a-z]+)$' } }), obj: { spec: { s: 'abc' } }, want: [] },
  { name: 'pattern with a leading (?i)', schema: spec({ s: { type: 'string', pattern: '(?i)^abc$' } }), obj: { spec: { s: 'ABC' } }, want: [] },

  // ---- numbers
  { name: 'minimum', schema: spec({ replicas: { type: 'integer', minimum: 1 } }), obj: { spec: { replicas: 0 } },
    want: ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'] },
  { name: 'exclusiveMinimum', schema: spec({ r: { type: 'integer', minimum: 1, exclusiveMinimum: true } }), obj: { spec: { r: 1 } },
    want: ['spec.r: Invalid value: 1: spec.r in body should be greater than 1'] },
  { name: 'maximum', schema: spec({ r: { type: 'integer', maximum: 10 } }), obj: { spec: { r: 11 } },
    want: ['spec.r: Invalid value: 11: spec.r in body should be less than or equal to 10'] },
  { name: 'exclusiveMaximum on a float', schema: spec({ r: { type: 'number', maximum: 1.5, exclusiveMaximum: true } }), obj: { spec: { r: 1.5 } },
    want: ['spec.r: Invalid value: 1.5: spec.r in body should be less than 1.5'] },
  { name: 'a float bound prints as Go does', schema: spec({ r: { type: 'number', maximum: 1000000 } }), obj: { spec: { r: 1000000.5 } },
    want: ['spec.r: Invalid value: 1.0000005e+06: spec.r in body should be less than or equal to 1e+06'] },
  { name: 'multipleOf', schema: spec({ r: { type: 'integer', multipleOf: 5 } }), obj: { spec: { r: 12 } },
    want: ['spec.r: Invalid value: 12: spec.r in body should be a multiple of 5'] },
  { name: 'multipleOf with a fractional factor', schema: spec({ r: { type: 'number', multipleOf: 0.1 } }), obj: { spec: { r: 0.3 } }, want: [] },

  // ---- arrays
  { name: 'minItems', schema: spec({ l: { type: 'array', items: { type: 'string' }, minItems: 1 } }), obj: { spec: { l: [] } },
    want: ['spec.l: Invalid value: 0: spec.l in body should have at least 1 items'] },
  { name: 'maxItems', schema: spec({ l: { type: 'array', items: { type: 'string' }, maxItems: 1 } }), obj: { spec: { l: ['a', 'b'] } },
    want: ['spec.l: Too many: 2: must have at most 1 items'] },
  { name: 'items are validated at a[i]', schema: spec({ l: { type: 'array', items: { type: 'integer' } } }), obj: { spec: { l: [1, 'x'] } },
    want: ['spec.l[1]: Invalid value: "string": spec.l[1] in body must be of type integer: "string"'] },
  { name: 'list-type set duplicates', schema: spec({ l: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } }), obj: { spec: { l: ['a', 'b', 'a'] } },
    want: ['spec.l[2]: Duplicate value: "a"'] },
  { name: 'list-type map duplicate keys', schema: spec({ l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'port'],
    items: { type: 'object', required: ['name', 'port'], properties: { name: { type: 'string' }, port: { type: 'integer' }, v: { type: 'string' } } } } }),
  obj: { spec: { l: [{ name: 'a', port: 1, v: 'x' }, { name: 'a', port: 2 }, { name: 'a', port: 1, v: 'y' }] } },
  want: ['spec.l[2]: Duplicate value: map[string]interface {}{"name":"a", "port":1}'] },
  { name: 'list-type atomic allows duplicates', schema: spec({ l: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' } }), obj: { spec: { l: ['a', 'a'] } }, want: [] },

  // ---- objects
  { name: 'required', schema: spec({ name: { type: 'string' } }, { required: ['name'] }), obj: { spec: {} }, want: ['spec.name: Required value'] },
  { name: 'required at the root', schema: { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } }, obj: {}, want: ['spec: Required value'] },
  { name: 'additionalProperties schema', schema: spec({ labels: { type: 'object', additionalProperties: { type: 'string' } } }), obj: { spec: { labels: { a: 'x', b: 1 } } },
    want: ['spec.labels.b: Invalid value: "integer": spec.labels.b in body must be of type string: "integer"'] },
  { name: 'additionalProperties false', schema: spec({ m: { type: 'object', additionalProperties: false } }), obj: { spec: { m: { a: 1 } } },
    want: ['spec.m: Invalid value: "a": spec.m.a in body is a forbidden property'] },
  { name: 'minProperties', schema: spec({ m: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 2 } }), obj: { spec: { m: { a: 'x' } } },
    want: ['spec.m: Invalid value: 2: spec.m in body should have at least 2 properties'] },
  { name: 'maxProperties', schema: spec({ m: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 } }), obj: { spec: { m: { a: 'x', b: 'y' } } },
    want: ['spec.m: Too many: 1: has too many items'] },

  // ---- junctors as value validation
  { name: 'anyOf none valid', schema: spec({ v: { type: 'integer', anyOf: [{ minimum: 10 }, { maximum: 0 }] } }), obj: { spec: { v: 5 } },
    want: ['spec.v: Invalid value: "": spec.v must validate at least one schema (anyOf)', 'spec.v: Invalid value: 5: spec.v in body should be greater than or equal to 10'] },
  { name: 'anyOf one valid', schema: spec({ v: { type: 'integer', anyOf: [{ minimum: 10 }, { maximum: 5 }] } }), obj: { spec: { v: 5 } }, want: [] },
  { name: 'oneOf two valid', schema: spec({ v: { type: 'integer', oneOf: [{ minimum: 1 }, { maximum: 10 }] } }), obj: { spec: { v: 5 } },
    want: ['spec.v: Invalid value: "": spec.v must validate one and only one schema (oneOf). Found 2 valid alternatives'] },
  { name: 'not', schema: spec({ v: { type: 'string', not: { enum: ['bad'] } } }), obj: { spec: { v: 'bad' } },
    want: ['spec.v: Invalid value: "": spec.v must not validate the schema (not)'] },
  { name: 'allOf', schema: spec({ v: { type: 'string', allOf: [{ minLength: 2 }, { maxLength: 3 }] } }), obj: { spec: { v: 'abcd' } },
    want: ['spec.v: Too long: may not be more than 3 bytes', 'spec.v: Invalid value: "": spec.v must validate all the schemas (allOf)'] },

  // ---- embedded resources
  { name: 'embedded resource needs apiVersion and kind', schema: spec({ tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
    obj: { spec: { tpl: { metadata: { name: 'x' } } } }, want: ['spec.tpl.apiVersion: Required value: must not be empty', 'spec.tpl.kind: Required value: must not be empty'] },
  { name: 'embedded resource with a bad apiVersion and name', schema: spec({ tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
    obj: { spec: { tpl: { apiVersion: 'a/b/c', kind: 'Pod', metadata: { name: 'a/b' } } } },
    want: ['spec.tpl.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c', 'spec.tpl.metadata.name: Invalid value: "a/b": may not contain \'/\''] },
  { name: 'embedded resource valid', schema: spec({ tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }),
    obj: { spec: { tpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} } } }, want: [] },

  // ---- CEL rules
  { name: 'rule on an object with a message', schema: spec({ min: { type: 'integer' }, max: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }] }),
    obj: { spec: { min: 5, max: 1 } }, want: ['spec: Invalid value: min must not exceed max'] },
  { name: 'rule without a message', schema: spec({ min: { type: 'integer' }, max: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.min <= self.max' }] }),
    obj: { spec: { min: 5, max: 1 } }, want: ['spec: Invalid value: failed rule: self.min <= self.max'] },
  { name: 'rule on a scalar shows the value', schema: spec({ name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith("k8ts-")' }] } }),
    obj: { spec: { name: 'other' } }, want: ['spec.name: Invalid value: "other": failed rule: self.startsWith("k8ts-")'] },
  { name: 'messageExpression', schema: spec({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n < 3', messageExpression: '"n is " + string(self.n) + ", want < 3"' }] }),
    obj: { spec: { n: 7 } }, want: ['spec: Invalid value: n is 7, want < 3'] },
  { name: 'reason and fieldPath', schema: spec({ a: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'has(self.a)', message: 'a is needed', reason: 'FieldValueRequired', fieldPath: '.a' }] }),
    obj: { spec: {} }, want: ['spec.a: Required value: a is needed'] },
  { name: 'reason Forbidden', schema: spec({ a: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: '!has(self.a)', message: 'no a', reason: 'FieldValueForbidden' }] }),
    obj: { spec: { a: 'x' } }, want: ['spec: Forbidden: no a'] },
  { name: 'list macros: all/exists/map/filter, size()', schema: spec({ l: { type: 'array', items: { type: 'integer' } } }, { 'x-kubernetes-validations': [
    { rule: 'self.l.all(x, x > 0)' }, { rule: 'self.l.exists(x, x == 2)' }, { rule: 'self.l.map(x, x * 2).filter(x, x > 2).size() == 1' }, { rule: 'size(self.l) == 2' }] }),
  obj: { spec: { l: [1, 2] } }, want: [] },
  { name: 'string functions', schema: spec({ s: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self.s.matches("^a.c$") && self.s.startsWith("a") && self.s.endsWith("c") && self.s.contains("b")' }] }),
    obj: { spec: { s: 'abc' } }, want: [] },
  { name: 'Kubernetes list extensions', schema: spec({ l: { type: 'array', items: { type: 'integer' } } }, { 'x-kubernetes-validations': [{ rule: 'self.l.isSorted() && self.l.sum() == 6 && self.l.max() == 3 && self.l.min() == 1 && self.l.indexOf(2) == 1' }] }),
    obj: { spec: { l: [1, 2, 3] } }, want: [] },
  { name: 'integer fields are CEL ints', schema: spec({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n * 2 == 6 && self.n % 2 == 1' }] }),
    obj: { spec: { n: 3 } }, want: [] },
  { name: 'a rule that reads a missing field fails as upstream', schema: spec({ a: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self.a == "x"' }] }),
    obj: { spec: {} }, want: ['spec: Invalid value: "object": no such key: a evaluating rule: self.a == "x"'] },
  { name: 'rules are not evaluated where the schema already failed', schema: spec({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n > 100' }] }),
    obj: { spec: { n: 'x' } }, want: ['spec.n: Invalid value: "string": spec.n in body must be of type integer: "string"'] },
  { name: 'rules inside list items', schema: spec({ l: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a > 0', message: 'positive' }] } } }),
    obj: { spec: { l: [{ a: 1 }, { a: 0 }] } }, want: ['spec.l[1]: Invalid value: positive'] },
  { name: 'rules on additionalProperties values', schema: spec({ m: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 3' }] } } }),
    obj: { spec: { m: { a: 'x', b: 'long' } } }, want: ['spec.m.b: Invalid value: "long": failed rule: self.size() < 3'] },

  { name: 'root rules can read metadata and kind even when the schema does not list them', schema: { type: 'object', properties: { spec: { type: 'object' } },
    'x-kubernetes-validations': [{ rule: 'self.metadata.name.startsWith("k8ts-") && self.kind == "W"', message: 'name must start with k8ts-' }] },
  obj: { apiVersion: 'x/v1', kind: 'W', metadata: { name: 'other' }, spec: {} }, want: ['<nil>: Invalid value: name must start with k8ts-'] },

  // ---- transition rules
  { name: 'transition rule skipped on create', schema: spec({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n >= oldSelf.n', message: 'no decrease' }] }),
    obj: { spec: { n: 1 } }, want: [] },
  { name: 'transition rule on update', schema: spec({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n >= oldSelf.n', message: 'no decrease' }] }),
    obj: { spec: { n: 1 } }, old: { spec: { n: 2 } }, want: ['spec: Invalid value: no decrease'] },
  { name: 'immutable field (self == oldSelf)', schema: spec({ id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'id is immutable' }] } }),
    obj: { spec: { id: 'b' } }, old: { spec: { id: 'a' } }, want: ['spec.id: Invalid value: "b": id is immutable'] },
  { name: 'transition rule skipped where the old value is absent', schema: spec({ id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }),
    obj: { spec: { id: 'b' } }, old: { spec: {} }, want: [] },
  { name: 'list-type map items correlate by key', schema: spec({ l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'],
    items: { type: 'object', required: ['k'], properties: { k: { type: 'string' }, v: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.v >= oldSelf.v', message: 'v may only grow' }] } } }),
  obj: { spec: { l: [{ k: 'b', v: 1 }, { k: 'a', v: 1 }] } }, old: { spec: { l: [{ k: 'a', v: 2 }, { k: 'b', v: 0 }] } },
  want: ['spec.l[1]: Invalid value: v may only grow'] },
];

for (const c of cases) {
  test(`validate: ${c.name}`, { timeout: 5000 }, () => {
    assert.deepEqual(lines(c.schema, c.obj, c.old), c.want);
  });
}

test('validate: error types are upstream reasons', { timeout: 5000 }, () => {
  const s = compileSchema(spec({ n: { type: 'integer', maximum: 1 }, m: { type: 'string', enum: ['a'] }, r: { type: 'string' }, l: { type: 'array', items: { type: 'string' }, maxItems: 0, 'x-kubernetes-list-type': 'set' }, s: { type: 'string', maxLength: 0 } }, { required: ['r'] }));
  const types = s.validate({ spec: { n: 'x', m: 'b', l: ['a', 'a'], s: 'x' } }).map((e) => `${e.field}=${e.type}`);
  assert.deepEqual(types.sort(), [
    'spec.l=FieldValueTooMany', 'spec.l[1]=FieldValueDuplicate', 'spec.m=FieldValueNotSupported', 'spec.n=FieldValueTypeInvalid', 'spec.r=FieldValueRequired', 'spec.s=FieldValueTooLong',
  ].sort());
});

test('validate: a schema is compiled once and reused', { timeout: 5000 }, () => {
  const s = compileSchema(spec({ n: { type: 'integer', minimum: 0 } }, { 'x-kubernetes-validations': [{ rule: 'self.n < 10' }] }));
  for (let i = 0; i < 20; i++) assert.equal(s.validate({ spec: { n: i } }).length, i < 10 ? 0 : 1);
});
