// The create fast path of managedFields (createdFieldsV1: one walk) against the general
// comparison it replaces (compareObjects + trackedFields), on generated objects shaped like
// pods and Deployments (list maps by key, set lists, atomic lists, empty and odd values,
// duplicate keys, stripped metadata, status) and every tracking option a write can use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeManagedFieldsForUpdate, createdFieldsV1, encodeManagedFields, trackedFields, type TrackingOptions } from './managed-fields.js';
import { compareObjects, listElements, type Comparison } from './object-fields.js';
import { patchSchemaFor } from './builtin-schemas.js';
import { FieldSet, fieldElement } from './field-set.js';
import { hasOwn, isObject, jsonEqual, type JsonObject } from './json-value.js';
import { childSchema, type SchemaNode } from './patch-schema.js';
import type { KObject } from '../types/index.js';

const podSchema = patchSchemaFor('', 'Pod');
const deploymentSchema = patchSchemaFor('apps', 'Deployment');

const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, tie('obj'), tie('arr')),
  obj: fc.dictionary(fc.constantFrom('a', 'b', 'name', 'value', 'port'), tie('v'), { maxKeys: 3 }),
  arr: fc.array(tie('v'), { maxLength: 3 }),
})).v;
const port = fc.record({ containerPort: fc.integer({ min: 79, max: 81 }), protocol: fc.constantFrom('TCP', 'UDP'), name: fc.string({ maxLength: 2 }) }, { requiredKeys: ['containerPort'] });
const container = fc.record(
  {
    name: fc.constantFrom('a', 'b', 'c'),
    image: fc.string({ maxLength: 3 }),
    ports: fc.array(port, { maxLength: 3 }),
    env: fc.array(fc.record({ name: fc.constantFrom('X', 'Y'), value: fc.string({ maxLength: 2 }) }), { maxLength: 2 }),
    args: fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
    resources: fc.oneof(fc.constant({}), fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), fc.string({ maxLength: 3 })) })),
    extra: value,
  },
  { requiredKeys: [] },
);
const metadata = fc.record(
  {
    name: fc.string({ maxLength: 3 }),
    namespace: fc.constant('ns'),
    uid: fc.string(),
    resourceVersion: fc.string(),
    generation: fc.integer(),
    creationTimestamp: fc.constant('2026-01-01T00:00:00Z'),
    managedFields: fc.constant([{}]),
    labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.string({ maxLength: 2 })),
    annotations: fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 2 }))),
    finalizers: fc.array(fc.constantFrom('x/y', 'x/z'), { maxLength: 3 }),
    ownerReferences: fc.array(fc.record({ uid: fc.constantFrom('u1', 'u2'), name: fc.string({ maxLength: 2 }) }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const podSpec = fc.record(
  { containers: fc.array(container, { maxLength: 3 }), initContainers: fc.array(container, { maxLength: 2 }), volumes: fc.array(fc.record({ name: fc.constantFrom('v', 'w'), emptyDir: fc.constant({}) }), { maxLength: 2 }), nodeSelector: fc.dictionary(fc.constantFrom('k'), fc.string({ maxLength: 2 })), other: value },
  { requiredKeys: [] },
);
const status = fc.oneof(fc.constant(undefined), fc.constant({}), fc.record({ phase: fc.string({ maxLength: 3 }), conditions: fc.array(fc.record({ type: fc.constantFrom('Ready', 'Init'), status: fc.constantFrom('True', 'False') }), { maxLength: 2 }) }));
const pod = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), metadata, spec: fc.oneof(podSpec, fc.constant({}), value), status, top: value }, { requiredKeys: ['metadata'] });
const deployment = fc.record({ apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), metadata, spec: fc.record({ replicas: fc.integer({ min: 0, max: 3 }), template: fc.record({ metadata, spec: podSpec }, { requiredKeys: [] }) }, { requiredKeys: [] }), status }, { requiredKeys: ['metadata'] });
const tracking = fc.constantFrom<TrackingOptions>({}, { statusSubresource: true }, { subresource: 'status', statusSubresource: true }, { subresource: 'scale' });

const general = (obj: KObject, root: Parameters<typeof compareObjects>[2], opts: TrackingOptions) => trackedFields(compareObjects(undefined, obj, root).added, opts);

test('createdFieldsV1 equals the general comparison on pods and Deployments', { timeout: 60_000 }, () => {
  for (const [arb, schema] of [
    [pod, podSchema],
    [deployment, deploymentSchema],
  ] as const) {
    fc.assert(
      fc.property(arb, tracking, (obj, opts) => {
        const o = obj as unknown as KObject;
        const fast = createdFieldsV1(o, schema.root, opts);
        const slow = general(o, schema.root, opts);
        assert.deepEqual(fast, slow.isEmpty() ? undefined : slow.toFieldsV1());
        // Same key order too (FieldsV1 is stored and compared as text).
        assert.equal(JSON.stringify(fast), slow.isEmpty() ? undefined : JSON.stringify(slow.toFieldsV1()));
      }),
      { numRuns: 400 },
    );
  }
});

test('a create writes one Update entry with every tracked field, none when nothing is tracked', { timeout: 10_000 }, () => {
  const opts = { manager: 'kubectl-create', apiVersion: 'v1', now: '2026-12-06T00:00:00Z', schema: podSchema };
  const obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
  } as unknown as KObject;
  const mf = computeManagedFieldsForUpdate(undefined, obj, undefined, opts);
  assert.deepEqual(mf, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2026-12-06T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            '.': {},
            'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } } },
          },
        },
      },
    },
  ]);
  const bare = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } } as unknown as KObject;
  assert.deepEqual(computeManagedFieldsForUpdate(undefined, bare, undefined, opts), []);
  // A create that brings its own valid managedFields keeps them (the general path).
  const own = { ...bare, metadata: { ...bare.metadata, managedFields: encodeManagedFields([]) } } as KObject;
  assert.deepEqual(computeManagedFieldsForUpdate(undefined, own, undefined, opts), []);
});

// The comparison as first written (a plain walk of both objects, every subtree visited, fresh
// path arrays), kept as the model for compareObjects, which skips equal subtrees and reuses one
// path stack.
const isAtomicMap = (node: SchemaNode | undefined): boolean => node?.mapType === 'atomic';
const isEmptyCompound = (v: unknown): boolean => v === undefined || (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
function referenceCompare(oldV: unknown, newV: unknown, node: SchemaNode | undefined): Comparison {
  const added = FieldSet.empty();
  const modified = FieldSet.empty();
  const removed = FieldSet.empty();
  const leaf = (a: unknown, b: unknown, path: string[]): void => {
    if (path.length === 0) return;
    if (a === undefined && b !== undefined) added.insertMut(path);
    else if (a !== undefined && b === undefined) removed.insertMut(path);
    else if (!jsonEqual(a, b)) modified.insertMut(path);
  };
  const presence = (a: unknown, b: unknown, path: string[]): void => {
    if (path.length === 0) return;
    if (a === undefined) added.insertMut(path);
    else if (b === undefined) removed.insertMut(path);
  };
  const cmp = (a: unknown, b: unknown, n: SchemaNode | undefined, path: string[]): void => {
    if (a === undefined && b === undefined) return;
    const objs = (a === undefined || isObject(a)) && (b === undefined || isObject(b));
    const lists = (a === undefined || Array.isArray(a)) && (b === undefined || Array.isArray(b));
    if (objs) {
      if ((path.length > 0 && isAtomicMap(n)) || (path.length > 0 && isEmptyCompound(a) && isEmptyCompound(b))) {
        leaf(a, b, path);
        return;
      }
      presence(a, b, path);
      const ao = (a ?? {}) as JsonObject;
      const bo = (b ?? {}) as JsonObject;
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
        cmp(hasOwn(ao, k) ? ao[k] : undefined, hasOwn(bo, k) ? bo[k] : undefined, childSchema(n, k), [...path, fieldElement(k)]);
      }
      return;
    }
    if (lists) {
      const al = (a ?? []) as unknown[];
      const bl = (b ?? []) as unknown[];
      const ea = listElements(al, n);
      const eb = listElements(bl, n);
      if (!ea || !eb || (isEmptyCompound(a) && isEmptyCompound(b))) {
        leaf(a, b, path);
        return;
      }
      presence(a, b, path);
      const am = new Map(ea.map((e, i) => [e, al[i]] as const));
      const bm = new Map(eb.map((e, i) => [e, bl[i]] as const));
      for (const e of new Set([...ea, ...eb])) {
        const ai = am.get(e);
        const bi = bm.get(e);
        const p = [...path, e];
        if (isObject(ai) || isObject(bi)) {
          presence(ai, bi, p);
          const ao = isObject(ai) ? ai : {};
          const bo = isObject(bi) ? bi : {};
          for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
            cmp(hasOwn(ao, k) ? ao[k] : undefined, hasOwn(bo, k) ? bo[k] : undefined, childSchema(n, k), [...p, fieldElement(k)]);
          }
        } else {
          leaf(ai, bi, p);
        }
      }
      return;
    }
    leaf(a, b, path);
  };
  cmp(oldV, newV, node, []);
  return { added, modified, removed };
}

test('compareObjects equals the plain walk on generated pairs of pods and Deployments', { timeout: 60_000 }, () => {
  const same = (x: Comparison, y: Comparison): void => {
    assert.deepEqual(x.added.toFieldsV1(), y.added.toFieldsV1());
    assert.deepEqual(x.modified.toFieldsV1(), y.modified.toFieldsV1());
    assert.deepEqual(x.removed.toFieldsV1(), y.removed.toFieldsV1());
  };
  for (const [arb, schema] of [
    [pod, podSchema],
    [deployment, deploymentSchema],
  ] as const) {
    fc.assert(
      fc.property(arb, arb, fc.boolean(), (a, b, edit) => {
        // Half the pairs are one object and a near copy: mostly equal subtrees, as an update.
        const next = edit ? { ...structuredClone(a), metadata: { ...structuredClone(a.metadata), labels: b.metadata.labels } } : b;
        same(compareObjects(a, next, schema.root), referenceCompare(a, next, schema.root));
        same(compareObjects(a, structuredClone(a), schema.root), referenceCompare(a, a, schema.root));
      }),
      { numRuns: 400 },
    );
  }
});
