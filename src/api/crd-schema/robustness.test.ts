// Whatever a client sends as a CRD schema or as a custom object, the library answers with field
// errors and never throws (a throw would be a 500 from the API server). Seeded, bounded runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSchema, validateCrdSchema, type JSONSchemaProps } from './index.js';

const SEED = 15015;

// Schema-shaped JSON: real keywords with values of the right and the wrong kinds.
const keyword = fc.constantFrom(
  'type', 'properties', 'items', 'additionalProperties', 'required', 'enum', 'default', 'nullable', 'format', 'pattern',
  'minimum', 'maximum', 'exclusiveMinimum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'allOf', 'anyOf', 'oneOf', 'not', '$ref', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
);
const scalar = fc.oneof(
  fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'null', 'map', 'set', 'atomic', 'date-time', 'uuid', '^[a-z]+$', '(?=x)', '[', 'self.a > 0', 'self.x.y(', 'oldSelf == self', 'spec'),
  fc.integer({ min: -3, max: 5 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
);
const schemaArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.dictionary(keyword, fc.oneof({ depthSize: 'small' }, scalar, tie('nodes'), tie('map'), fc.array(scalar, { maxLength: 3 }), tie('rules')), { maxKeys: 6 }),
  nodes: fc.array(tie('node'), { maxLength: 3 }),
  map: fc.dictionary(fc.constantFrom('a', 'b', 'spec', 'metadata', 'name', 'kind'), tie('node'), { maxKeys: 3 }),
  rules: fc.array(fc.dictionary(fc.constantFrom('rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf'), scalar, { maxKeys: 4 }), { maxLength: 2 }),
})).node;

test('validateCrdSchema never throws on schema-shaped garbage', { timeout: 60_000 }, () => {
  fc.assert(fc.property(schemaArb, (s) => {
    const errs = validateCrdSchema(s as JSONSchemaProps, 'spec.versions[0].schema.openAPIV3Schema');
    assert.ok(Array.isArray(errs));
    for (const e of errs) assert.equal(typeof e.message, 'string');
  }), { seed: SEED, numRuns: 400 });
});

test('compile, prune, default and validate never throw on garbage schemas and objects', { timeout: 60_000 }, () => {
  fc.assert(fc.property(schemaArb, fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (s, obj, old) => {
    const c = compileSchema(s as JSONSchemaProps);
    const o = structuredClone(obj);
    assert.ok(Array.isArray(c.prune(o)));
    c.applyDefaults(o);
    assert.ok(Array.isArray(c.validate(o)));
    assert.ok(Array.isArray(c.validate(o, old)));
  }), { seed: SEED, numRuns: 400 });
});

test('prune then applyDefaults is stable: a second pass changes nothing', { timeout: 60_000 }, () => {
  const schema: JSONSchemaProps = {
    type: 'object', properties: { spec: { type: 'object', properties: {
      a: { type: 'string', default: 'x' }, n: { type: 'integer', default: 1 },
      o: { type: 'object', default: {}, properties: { d: { type: 'boolean', default: true } } },
      l: { type: 'array', items: { type: 'object', properties: { k: { type: 'string', default: 'k' } } } },
      m: { type: 'object', additionalProperties: { type: 'string' } },
    } } },
  };
  const c = compileSchema(schema);
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (spec) => {
    const o: Record<string, unknown> = { spec: structuredClone(spec) };
    c.prune(o); c.applyDefaults(o);
    const once = structuredClone(o);
    assert.deepEqual(c.prune(o), []);
    c.applyDefaults(o);
    assert.deepEqual(o, once);
  }), { seed: SEED, numRuns: 300 });
});
