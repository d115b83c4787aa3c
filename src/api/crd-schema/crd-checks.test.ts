import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCrdSchemaWithWarnings, validateCrdSchema, type JSONSchemaProps } from './index.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';

function lines(schema: JSONSchemaProps): string[] {
  return validateCrdSchema(schema, P).map((e) => `${e.field.slice(P.length)}: ${e.message}`);
}
const withSpec = (spec: JSONSchemaProps, root: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'object', properties: { spec }, ...root });

interface Case { name: string; schema: JSONSchemaProps; want: string[]; }

const cases: Case[] = [
  { name: 'a good schema', schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' },
      spec: { type: 'object', required: ['image'], 'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'at most 10' }],
        properties: {
          image: { type: 'string', pattern: '^[a-z0-9./:-]+$' }, replicas: { type: 'integer', minimum: 0, default: 1 },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          env: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, value: { type: 'string' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
          size: { type: 'string', allOf: [{ pattern: '^[0-9]+' }, { maxLength: 10 }] },
        } },
      status: { type: 'object', properties: { ready: { type: 'integer' } } },
    },
  }, want: [] },

  // ---- structural
  { name: 'fields need a type', schema: withSpec({ type: 'object', properties: { a: {} , l: { type: 'array', items: {} } } }),
    want: ['.properties[spec].properties[a].type: Required value: must not be empty for specified object fields',
      '.properties[spec].properties[l].items.type: Required value: must not be empty for specified array items'] },
  { name: 'the root needs a type', schema: { properties: { spec: { type: 'object' } } },
    want: ['.type: Required value: must not be empty at the root'] },
  { name: 'the root is an object', schema: { type: 'string' }, want: ['.type: Invalid value: "string": must be object at the root'] },
  { name: 'arrays need items', schema: withSpec({ type: 'array' }), want: ['.properties[spec].items: Required value: must be specified'] },
  { name: 'no additionalProperties at the root', schema: { type: 'object', additionalProperties: { type: 'string' } },
    want: ['.additionalProperties: Forbidden: must not be used at the root'] },
  { name: 'metadata at the root may only restrict name and generateName', schema: { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } },
    want: ['.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified'] },
  { name: 'metadata name restriction is allowed', schema: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } } } }, want: [] },
  { name: 'kind and apiVersion are strings, metadata an object', schema: { type: 'object', properties: { kind: { type: 'integer' }, metadata: { type: 'string' } } },
    want: ['.properties[kind].type: Invalid value: "integer": must be string', '.properties[metadata].type: Invalid value: "string": must be object'] },
  { name: 'embedded resources are objects with properties', schema: withSpec({ type: 'object', properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true }, f: { type: 'object', 'x-kubernetes-embedded-resource': true } } }),
    want: ['.properties[spec].properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      '.properties[spec].properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true',
      '.properties[spec].properties[f].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'] },
  { name: 'int-or-string excludes preserve-unknown-fields', schema: withSpec({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }),
    want: ['.properties[spec].properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true'] },
  { name: 'junctors only validate values', schema: withSpec({ type: 'object', properties: { a: { type: 'string' } }, allOf: [{ type: 'object', description: 'd', properties: { a: { default: 'x', minLength: 1 } } }] }),
    want: ['.properties[spec].allOf[0].description: Forbidden: must be empty to be structural',
      '.properties[spec].allOf[0].properties[a].default: Forbidden: must be undefined to be structural',
      '.properties[spec].allOf[0].type: Forbidden: must be empty to be structural'] },
  { name: 'junctors name only specified fields', schema: withSpec({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }, { properties: { b: { minLength: 1 } } }] }),
    want: ['.properties[spec].properties[b]: Required value: because it is defined in spec.versions[0].schema.openAPIV3Schema.properties[spec].anyOf[1].properties[b]'] },
  { name: 'RE2 refuses lookarounds', schema: withSpec({ type: 'string', pattern: '^(?!x).*' }),
    want: ['.properties[spec].pattern: Invalid value: "^(?!x).*": must be a valid regular expression, but isn\'t: error parsing regexp: invalid or unsupported Perl syntax: `(?!`'] },
  { name: 'RE2 refuses backreferences', schema: withSpec({ type: 'string', pattern: '(a)\\1' }),
    want: ['.properties[spec].pattern: Invalid value: "(a)\\\\1": must be a valid regular expression, but isn\'t: error parsing regexp: invalid escape sequence: `\\1`'] },

  // ---- keywords
  { name: 'unsupported keywords', schema: withSpec({ type: 'object', $ref: '#/x', id: 'x', patternProperties: { '^a': { type: 'string' } }, uniqueItems: true }),
    want: ['.properties[spec].id: Forbidden: id is not supported', '.properties[spec].patternProperties: Forbidden: patternProperties is not supported',
      '.properties[spec].$ref: Forbidden: $ref is not supported',
      '.properties[spec].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic'] },
  { name: 'type must be an OpenAPI type', schema: withSpec({ type: 'map' }),
    want: ['.properties[spec].type: Unsupported value: "map": supported values: "array", "boolean", "integer", "number", "object", "string"'] },
  { name: 'type null', schema: withSpec({ type: 'null' }),
    want: ['.properties[spec].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"',
      '.properties[spec].type: Forbidden: type cannot be set to null, use nullable as an alternative'] },
  { name: 'items must be one schema', schema: withSpec({ type: 'array', items: [{ type: 'string' }] }),
    want: ['.properties[spec].items: Forbidden: items must be a schema object and not an array'] },
  { name: 'additionalProperties beside properties', schema: withSpec({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }),
    want: ['.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive'] },
  { name: 'additionalProperties true beside properties is allowed', schema: withSpec({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true }), want: [] },
  { name: 'preserve-unknown-fields false', schema: withSpec({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false }),
    want: ['.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined'] },
  { name: 'nullable root', schema: { type: 'object', nullable: true }, want: ['.nullable: Forbidden: nullable cannot be true at the root'] },
  { name: 'no defaults in top-level metadata', schema: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', default: 'x' } } } } },
    want: ['.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata'] },

  // ---- list and map types
  { name: 'list-type on a non-array', schema: withSpec({ type: 'object', 'x-kubernetes-list-type': 'set' }),
    want: ['.properties[spec].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified'] },
  { name: 'unknown list-type', schema: withSpec({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' }),
    want: ['.properties[spec].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"'] },
  { name: 'list-type map needs keys that are required scalar properties', schema: withSpec({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'sub', 'missing'],
    items: { type: 'object', required: ['sub'], properties: { name: { type: 'string' }, sub: { type: 'object' } } } }),
  want: ['.properties[spec].items.properties[sub].type: Invalid value: "object": must be a scalar type if parent array\'s x-kubernetes-list-type is map',
    '.properties[spec].x-kubernetes-list-map-keys: Invalid value: []interface {}{"name", "sub", "missing"}: entries must all be names of item properties',
    '.properties[spec].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'] },
  { name: 'list-type map without keys', schema: withSpec({ type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { a: { type: 'string' } } } }),
    want: ['.properties[spec].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map'] },
  { name: 'list-map-keys without list-type map', schema: withSpec({ type: 'array', 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-list-map-keys': ['a'], items: { type: 'object', properties: { a: { type: 'string' } } } }),
    want: ['.properties[spec].x-kubernetes-list-type: Invalid value: "atomic": must be map if x-kubernetes-list-map-keys is non-empty'] },
  { name: 'set items must be atomic', schema: withSpec({ type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', properties: { a: { type: 'string' } } } }),
    want: ['.properties[spec].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set'] },
  { name: 'map-type on a non-object', schema: withSpec({ type: 'string', 'x-kubernetes-map-type': 'granular' }),
    want: ['.properties[spec].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified'] },

  // ---- defaults
  { name: 'a default must validate', schema: withSpec({ type: 'object', properties: { n: { type: 'integer', minimum: 1, default: 0 }, s: { type: 'string', default: 5 } } }),
    want: ['.properties[spec].properties[n].default: Invalid value: 0:  in body should be greater than or equal to 1',
      '.properties[spec].properties[s].default: Invalid value: "integer":  in body must be of type string: "integer"'] },
  { name: 'a default object must validate inside', schema: withSpec({ type: 'object', default: { n: 'x' }, properties: { n: { type: 'integer' } } }),
    want: ['.properties[spec].default.n: Invalid value: "string": n in body must be of type integer: "string"'] },
  { name: 'a default must survive pruning', schema: withSpec({ type: 'object', default: { a: 'x', b: 'y' }, properties: { a: { type: 'string' } } }),
    want: ['.properties[spec].default: Invalid value: map[string]interface {}{"a":"x", "b":"y"}: must not have unknown fields'] },
  { name: 'a default must pass the rules', schema: withSpec({ type: 'object', default: { n: 5 }, properties: { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.n < 3', message: 'small' }] }),
    want: ['.properties[spec].default: Invalid value: small'] },

  // ---- CEL rules
  { name: 'a rule that does not parse', schema: withSpec({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a ==' }] }),
    want: ['.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.a ==", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:10: Unexpected token: EOF'] },
  { name: 'a rule using an unsupported library says so', schema: withSpec({ type: 'object', properties: { q: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'quantity(self.q).isGreaterThan(quantity("1"))' }] }),
    want: ['.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"quantity(self.q).isGreaterThan(quantity(\\"1\\"))", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:1: found no matching overload for \'quantity(dyn)\' (the Kubernetes CEL library function \'quantity\' is not supported by this server; use CEL\'s standard functions, or the list/string extensions)'] },
  { name: 'a rule must yield a bool', schema: withSpec({ type: 'object', 'x-kubernetes-validations': [{ rule: '1 + 2' }] }),
    want: ['.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"1 + 2", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: cel expression must evaluate to a bool'] },
  { name: 'rule, message, reason and fieldPath checks', schema: withSpec({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [
    { rule: '' }, { rule: 'true', message: 'two\nlines' }, { rule: 'true', reason: 'Bad' }, { rule: 'true', fieldPath: '.b' }, { rule: 'true', fieldPath: '.a' }] }),
  want: ['.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified',
    '.properties[spec].x-kubernetes-validations[1].message: Invalid value: "two\\nlines": message must not contain line breaks',
    '.properties[spec].x-kubernetes-validations[2].reason: Unsupported value: "Bad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    '.properties[spec].x-kubernetes-validations[3].fieldPath: Invalid value: ".b": fieldPath must be a valid path'] },
  { name: 'a rule selecting an undeclared field', schema: withSpec({ type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.nmae == "x"' }] }),
    want: ['.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.nmae == \\"x\\"", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field \'nmae\''] },
  { name: 'undeclared fields inside macros and has()', schema: withSpec({ type: 'object', properties: { l: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } } },
    'x-kubernetes-validations': [{ rule: 'self.l.all(x, x.b > 0)' }, { rule: 'has(self.zz)' }] }),
  want: ['.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.l.all(x, x.b > 0)", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:16: undefined field \'b\'',
    '.properties[spec].x-kubernetes-validations[1].rule: Invalid value: apiextensions.ValidationRule{Rule:"has(self.zz)", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:9: undefined field \'zz\''] },
  { name: 'map values, preserved and embedded fields are open', schema: withSpec({ type: 'object', properties: {
    m: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
    raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    tpl: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
  'x-kubernetes-validations': [{ rule: 'self.m.anykey.v != "" && self.raw.whatever.deep == 1 && self.tpl.kind == "Pod" && self.m.all(k, k != "")' }] }), want: [] },
  { name: 'oldSelf is refused where values do not correlate', schema: withSpec({ type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }),
    want: ['.properties[spec].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.versions[0].schema.openAPIV3Schema.properties[spec]'] },
  { name: 'oldSelf is fine in list-type map items', schema: withSpec({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'],
    items: { type: 'object', required: ['k'], properties: { k: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }), want: [] },
  { name: 'rules are compiled only where the schema below is valid', schema: withSpec({ type: 'object', properties: { a: {} }, 'x-kubernetes-validations': [{ rule: 'self.a ==' }] }),
    want: ['.properties[spec].properties[a].type: Required value: must not be empty for specified object fields'] },
];

for (const c of cases) {
  test(`validateCrdSchema: ${c.name}`, { timeout: 5000 }, () => {
    assert.deepEqual(lines(c.schema), c.want);
  });
}

test('validateCrdSchema: unrecognized formats are warnings, not errors', { timeout: 5000 }, () => {
  const r = checkCrdSchemaWithWarnings(withSpec({ type: 'string', format: 'k8s-thing' }), P);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, [`${P}.properties[spec].format: unrecognized format "k8s-thing"`]);
});

test('validateCrdSchema: structural errors are sorted as upstream sorts them', { timeout: 5000 }, () => {
  const errs = validateCrdSchema(withSpec({ type: 'object', properties: { z: {}, a: {}, m: { type: 'array' } } }), P).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(errs, [...errs].sort());
  assert.equal(errs.length, 3);
});
