import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownFields, findUnknownFieldsIn, unknownFieldMessage } from './fields.js';

const deployment = () => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', labels: { 'any/key': 'v' }, annotations: { a: 'b' }, creationTimestamp: null },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'c', image: 'nginx', imagePullPolicy: 'Always',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: 0.5 } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }],
          },
        ],
        volumes: [{ name: 'v', configMap: { name: 'cm' } }],
      },
    },
  },
  status: {},
});

test('a valid deployment has no unknown fields', () => {
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', deployment()), []);
});

test('reports unknown fields with upstream paths', () => {
  const d = deployment();
  const c = d.spec.template.spec.containers[0]!;
  Object.assign(d.spec, { foo: 1 });
  Object.assign(d.metadata, { foo: 'x' });
  Object.assign(c, { imagePullPolicyy: 'Always' });
  Object.assign(c.ports[0]!, { bogus: true });
  Object.assign(d.spec.template.spec.volumes[0]!.configMap, { nope: 1 });
  Object.assign(d, { extra: {} });
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', d), [
    'metadata.foo',
    'spec.template.spec.containers[0].ports[0].bogus',
    'spec.template.spec.containers[0].imagePullPolicyy',
    'spec.template.spec.volumes[0].configMap.nope',
    'spec.foo',
    'extra',
  ]);
  assert.equal(unknownFieldMessage('spec.foo'), 'unknown field "spec.foo"');
});

test('inline fields: probe handler, volume source, ingress rule value', () => {
  assert.deepEqual(findUnknownFields('', 'v1', 'Pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', livenessProbe: { exec: { command: ['true'] }, grpc: { port: 1 }, bad: 1 } }], volumes: [{ name: 'x', emptyDir: {}, hostPath: { path: '/' } }] },
  }), ['spec.containers[0].livenessProbe.bad']);
  assert.deepEqual(findUnknownFields('networking.k8s.io', 'v1', 'Ingress', {
    spec: { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] },
  }), []);
});

test('retired networking.k8s.io/v1beta1 Ingress is validated with our own schema', () => {
  assert.deepEqual(findUnknownFields('networking.k8s.io', 'v1beta1', 'Ingress', {
    apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', metadata: { name: 'i' },
    spec: { backend: { serviceName: 'a', servicePort: 'http' }, rules: [{ host: 'h', http: { paths: [{ path: '/', backend: { serviceName: 's', servicePort: 80, port: 1 } }] } }] },
  }), ['spec.rules[0].http.paths[0].backend.port']);
});

test('raw extensions, fields v1 and maps accept any content', () => {
  assert.deepEqual(findUnknownFields('apps', 'v1', 'ControllerRevision', {
    metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:anything': {} } } }] },
    data: { whatever: { deep: [1, { x: 2 }] } }, revision: 1,
  }), []);
  assert.deepEqual(findUnknownFields('', 'v1', 'ConfigMap', { data: { 'x.y': 'z', foo: 'bar' }, binaryData: {} }), []);
});

test('custom resources and unknown kinds yield nothing; subresource messages by name', () => {
  assert.deepEqual(findUnknownFields('example.com', 'v1', 'Widget', { spec: { foo: 1 } }), []);
  assert.deepEqual(findUnknownFieldsIn('k8s.io.api.autoscaling.v1.Scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3, bad: 1 } }), ['spec.bad']);
});

test('wrong JSON types are not reported and do not throw', () => {
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', { spec: 'x', metadata: [1], status: null }), []);
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', { spec: { template: { spec: { containers: ['x', null, 3] } } } }), []);
});

test('list kinds: items may carry apiVersion and kind, nested templates may not', () => {
  assert.deepEqual(findUnknownFields('apps', 'v1', 'DeploymentList', {
    apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '1' },
    items: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { template: { apiVersion: 'v1' } } }],
  }), ['items[0].spec.template.apiVersion']);
});
