// The create fast path of managedFields (createdFieldsV1: one walk) against the general
// comparison it replaces (compareObjects + trackedFields), on generated objects shaped like
// pods and Deployments (list maps by key, set lists, atomic lists, empty and odd values,
// duplicate keys, stripped metadata, status) and every tracking option a write can use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeManagedFieldsForUpdate, createdFieldsV1, encodeManagedFields, trackedFields, type TrackingOptions } from './managed-fields.js';
import { compareObjects } from './object-fields.js';
import { patchSchemaFor } from './builtin-schemas.js';
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
