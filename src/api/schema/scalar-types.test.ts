import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScalarTypeError } from './scalar-types.js';

const err = (kind: string, obj: Record<string, unknown>, group = '', version = 'v1'): string | undefined => findScalarTypeError(group, version, kind, obj)?.message;

test('scalars of the wrong JSON type are reported with Go decoding wording', () => {
  assert.equal(err('ConfigMap', { data: { a: 'x', b: true } }), 'json: cannot unmarshal bool into Go struct field ConfigMap.data of type string');
  assert.equal(err('ConfigMap', { metadata: { name: 'm', labels: { n: 5 } } }), 'json: cannot unmarshal number into Go struct field ConfigMap.metadata.labels of type string');
  assert.equal(
    err('Pod', { spec: { containers: [{ name: 'c', image: 'i', stdin: 'yes' }] } }),
    'json: cannot unmarshal string into Go struct field Pod.spec.containers.stdin of type bool',
  );
  assert.equal(
    err('Deployment', { spec: { replicas: 1.5 } }, 'apps'),
    'json: cannot unmarshal number 1.5 into Go struct field Deployment.spec.replicas of type int32',
  );
  assert.equal(err('Deployment', { spec: { replicas: '3' } }, 'apps'), 'json: cannot unmarshal string into Go struct field Deployment.spec.replicas of type int32');
  assert.equal(err('Pod', { spec: { containers: [{ name: 'c', args: ['a', 1] }] } }), 'json: cannot unmarshal number into Go struct field Pod.spec.containers.args of type string');
  assert.equal(err('Pod', { spec: { containers: [{ name: 'c', args: 'a' }] } }), 'json: cannot unmarshal string into Go struct field Pod.spec.containers.args of type []string');
  assert.equal(err('Secret', { data: { k: false } }), 'json: cannot unmarshal bool into Go struct field Secret.data of type []uint8');
});

test('well-typed objects, nulls, specials and unknown kinds pass', () => {
  assert.equal(err('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', labels: { a: 'b' }, generation: 3 }, data: { a: 'x', b: null } }), undefined);
  assert.equal(err('Pod', { spec: { volumes: [{ name: 's', secret: { secretName: 'x', defaultMode: 420 } }], containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } }, ports: [{ containerPort: 80 }] }] } }), undefined);
  assert.equal(err('Service', { spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } }), undefined);
  assert.equal(err('Widget', { spec: { anything: true } }, 'example.com'), undefined);
  assert.equal(err('ConfigMap', { unknownField: true }), undefined, 'unknown fields are fieldValidation’s business');
});
