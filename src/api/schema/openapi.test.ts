import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV3Document, buildOpenApiV3Index, canonicalJson, openApiGvPath, openApiHash, type OpenApiResource } from './openapi.js';

type Obj = Record<string, unknown>;
const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = ['get', 'patch', 'update'];

const apps: OpenApiResource[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, verbs: ALL,
    subresources: [{ name: 'status', kind: 'Deployment', verbs: STATUS }, { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS }] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, verbs: ALL, subresources: [] },
];
const core: OpenApiResource[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, verbs: ALL,
    subresources: [{ name: 'status', kind: 'Pod', verbs: STATUS }, { name: 'log', kind: 'Pod', verbs: ['get'] }, { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] }, { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }] },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: [] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, verbs: ALL, subresources: [] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, verbs: ALL, subresources: [] },
];

function get(o: unknown, ...keys: string[]): Obj {
  let cur = o;
  for (const k of keys) {
    assert.ok(cur !== null && typeof cur === 'object', `missing ${k} in ${keys.join('/')}`);
    cur = (cur as Obj)[k];
  }
  assert.ok(cur !== null && typeof cur === 'object', `missing ${keys.join('/')}`);
  return cur as Obj;
}

function allRefs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) allRefs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else allRefs(x, out);
    }
  }
  return out;
}

test('index lists GV paths with hash URLs', () => {
  assert.equal(openApiGvPath({ group: '', version: 'v1' }), 'api/v1');
  assert.equal(openApiGvPath({ group: 'apps', version: 'v1' }), 'apis/apps/v1');
  assert.deepEqual(buildOpenApiV3Index(['apis/apps/v1', 'api/v1'], { 'api/v1': 'ABC' }), {
    paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=ABC' }, 'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1' } },
  });
});

test('apps/v1: deployment patch path has GVK, fieldValidation and patch content types', () => {
  const doc = buildOpenApiV3Document({ group: 'apps', version: 'v1' }, apps);
  const patch = get(doc, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  const params = patch.parameters as Obj[];
  assert.ok(params.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.deepEqual(Object.keys(get(patch, 'requestBody', 'content')).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  ]);
  const paths = get(doc, 'paths');
  for (const p of ['/apis/apps/v1/deployments', '/apis/apps/v1/namespaces/{namespace}/deployments', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status']) assert.ok(p in paths, p);
  assert.deepEqual(get(paths, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale', 'patch')['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  for (const m of ['get', 'put', 'patch', 'delete']) assert.ok(m in get(paths, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'), m);
  for (const m of ['get', 'post', 'delete']) assert.ok(m in get(paths, '/apis/apps/v1/namespaces/{namespace}/deployments'), m);
});

test('apps/v1 schemas: kinds with GVK, strategy fields, special types', () => {
  const doc = buildOpenApiV3Document({ group: 'apps', version: 'v1' }, apps);
  const schemas = get(doc, 'components', 'schemas');
  const dep = get(schemas, 'io.k8s.api.apps.v1.Deployment');
  assert.equal(dep.type, 'object');
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.ok(typeof dep.description === 'string');
  assert.deepEqual(Object.keys(get(dep, 'properties')), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.deepEqual(get(dep, 'properties', 'metadata').allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  const strategy = get(schemas, 'io.k8s.api.apps.v1.DeploymentStrategy');
  assert.deepEqual(get(strategy, 'properties', 'rollingUpdate').allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.RollingUpdateDeployment' }]);
  assert.equal(get(strategy, 'properties', 'type').type, 'string');
  assert.equal(get(schemas, 'io.k8s.api.apps.v1.DeploymentSpec', 'properties', 'strategy')['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.deepEqual(get(schemas, 'io.k8s.api.apps.v1.DeploymentSpec', 'properties', 'replicas'), { description: 'Number of desired pods. Defaults to 1.', format: 'int32', type: 'integer' });
  assert.deepEqual(get(schemas, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'), { description: get(schemas, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString').description, format: 'int-or-string', type: 'string', 'x-kubernetes-int-or-string': true });
  assert.equal(get(schemas, 'io.k8s.apimachinery.pkg.api.resource.Quantity').type, 'string');
  assert.equal(get(schemas, 'io.k8s.apimachinery.pkg.apis.meta.v1.Time').format, 'date-time');
  assert.deepEqual(get(schemas, 'io.k8s.api.autoscaling.v1.Scale')['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }]);
  assert.ok('io.k8s.api.apps.v1.DeploymentList' in schemas);
  // Maps and byte maps.
  assert.deepEqual(get(schemas, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'properties', 'labels').additionalProperties, { type: 'string' });
});

test('list merge metadata matches the Go patch tags', () => {
  const schemas = get(buildOpenApiV3Document({ group: '', version: 'v1' }, core), 'components', 'schemas');
  const podSpec = get(schemas, 'io.k8s.api.core.v1.PodSpec', 'properties');
  assert.equal(get(podSpec, 'containers')['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(get(podSpec, 'containers')['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(get(podSpec, 'volumes')['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.equal(get(podSpec, 'tolerations')['x-kubernetes-list-type'], 'atomic');
  assert.equal(get(podSpec, 'tolerations')['x-kubernetes-patch-strategy'], undefined);
  const container = get(schemas, 'io.k8s.api.core.v1.Container', 'properties');
  assert.deepEqual(get(container, 'ports')['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(get(container, 'ports')['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(get(container, 'env')['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(get(container, 'volumeMounts')['x-kubernetes-patch-merge-key'], 'mountPath');
  // Ephemeral containers embed the common struct: same fields, same merge keys.
  assert.equal(get(schemas, 'io.k8s.api.core.v1.EphemeralContainer', 'properties', 'env')['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(get(schemas, 'io.k8s.api.core.v1.ServiceSpec', 'properties', 'ports')['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(get(schemas, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'properties', 'ownerReferences')['x-kubernetes-patch-merge-key'], 'uid');
  assert.equal(get(schemas, 'io.k8s.api.core.v1.PodStatus', 'properties', 'conditions')['x-kubernetes-patch-merge-key'], 'type');
  // Inline structs are flattened: Volume has configMap directly, Probe has httpGet.
  assert.ok('configMap' in get(schemas, 'io.k8s.api.core.v1.Volume', 'properties'));
  assert.ok('httpGet' in get(schemas, 'io.k8s.api.core.v1.Probe', 'properties'));
  assert.equal(get(schemas, 'io.k8s.api.core.v1.Secret', 'properties', 'data').type, 'object');
  assert.deepEqual(get(schemas, 'io.k8s.api.core.v1.Secret', 'properties', 'data').additionalProperties, { format: 'byte', type: 'string' });
});

test('core/v1 paths: cluster-scoped and namespaced, subresources in other groups', () => {
  const paths = get(buildOpenApiV3Document({ group: '', version: 'v1' }, core), 'paths');
  assert.ok('patch' in get(paths, '/api/v1/namespaces/{name}'));
  assert.ok('get' in get(paths, '/api/v1/namespaces'));
  assert.ok('get' in get(paths, '/api/v1/pods'));
  assert.deepEqual(get(paths, '/api/v1/namespaces/{namespace}/pods/{name}/eviction', 'post')['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' });
  assert.equal(get(paths, '/api/v1/namespaces/{namespace}/pods/{name}/exec', 'post')['x-kubernetes-action'], 'connect');
});

test('every $ref resolves and documents are deterministic', () => {
  for (const [gv, rs] of [[{ group: 'apps', version: 'v1' }, apps], [{ group: '', version: 'v1' }, core]] as const) {
    const doc = buildOpenApiV3Document(gv, [...rs]);
    const schemas = get(doc, 'components', 'schemas');
    const refs = allRefs(doc);
    assert.ok(refs.length > 50);
    for (const r of refs) {
      assert.ok(r.startsWith('#/components/schemas/'), r);
      assert.ok(r.slice('#/components/schemas/'.length) in schemas, `dangling ${r}`);
    }
    const again = buildOpenApiV3Document(gv, [...rs].reverse());
    assert.equal(JSON.stringify(again), JSON.stringify(doc));
    assert.equal(openApiHash(again), openApiHash(doc));
    assert.match(openApiHash(doc), /^[0-9A-F]{32}$/);
  }
  const a = buildOpenApiV3Document({ group: 'apps', version: 'v1' }, apps);
  const b = buildOpenApiV3Document({ group: 'apps', version: 'v1' }, apps.slice(0, 1));
  assert.notEqual(openApiHash(a), openApiHash(b));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
});

test('retired networking.k8s.io/v1beta1 Ingress and custom resources', () => {
  const doc = buildOpenApiV3Document({ group: 'networking.k8s.io', version: 'v1beta1' }, [
    { group: 'networking.k8s.io', version: 'v1beta1', kind: 'Ingress', plural: 'ingresses', namespaced: true, verbs: ALL, subresources: [{ name: 'status', kind: 'Ingress', verbs: STATUS }] },
  ]);
  const schemas = get(doc, 'components', 'schemas');
  assert.deepEqual(get(schemas, 'io.k8s.api.networking.v1beta1.Ingress')['x-kubernetes-group-version-kind'], [{ group: 'networking.k8s.io', kind: 'Ingress', version: 'v1beta1' }]);
  assert.ok('servicePort' in get(schemas, 'io.k8s.api.networking.v1beta1.IngressBackend', 'properties'));
  assert.ok('http' in get(schemas, 'io.k8s.api.networking.v1beta1.IngressRule', 'properties'));
  const crd = buildOpenApiV3Document({ group: 'example.com', version: 'v1' }, [
    { group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true, verbs: ALL, subresources: [] },
  ]);
  const patch = get(crd, 'paths', '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}', 'patch');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'example.com', version: 'v1', kind: 'Widget' });
  assert.ok(!('application/strategic-merge-patch+json' in get(patch, 'requestBody', 'content')));
});
