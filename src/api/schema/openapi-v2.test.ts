import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV2Document, schemaToV2 } from './openapi-v2.js';
import type { OpenApiResource } from './openapi.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = ['get', 'patch', 'update'];

const gvs: Array<{ group: string; version: string; resources: OpenApiResource[] }> = [
  { group: '', version: 'v1', resources: [
    { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, verbs: ALL, subresources: [] },
    { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, verbs: ALL, subresources: [{ name: 'status', kind: 'Pod', verbs: STATUS }, { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] }] },
  ] },
  { group: 'apps', version: 'v1', resources: [
    { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, verbs: ALL,
      subresources: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS }] },
  ] },
];

function refs(o: unknown, out: string[] = []): string[] {
  if (Array.isArray(o)) for (const x of o) refs(x, out);
  else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) {
    if (k === '$ref') out.push(v as string);
    else refs(v, out);
  }
  return out;
}

test('v2 is a Swagger 2.0 document whose every $ref resolves in definitions', () => {
  const doc = buildOpenApiV2Document(gvs) as Obj;
  assert.equal(doc.swagger, '2.0');
  assert.equal(doc.info.version, 'v1.32.3');
  const all = refs(doc);
  assert.ok(all.length > 50);
  for (const r of all) {
    assert.match(r, /^#\/definitions\//);
    assert.ok(doc.definitions[r.slice('#/definitions/'.length)], `dangling ${r}`);
  }
  assert.equal(JSON.stringify(doc).includes('allOf'), false);
  assert.equal(JSON.stringify(doc).includes('requestBody'), false);
});

test('definitions keep kinds, descriptions beside refs, and merged group-version-kinds', () => {
  const doc = buildOpenApiV2Document(gvs) as Obj;
  const dep = doc.definitions['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.equal(dep.properties.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  assert.equal(typeof dep.properties.spec.description, 'string');
  const containers = doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers.items.$ref, '#/definitions/io.k8s.api.core.v1.Container');
  // Status is reachable from both group-versions' documents.
  assert.ok(doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
  assert.deepEqual(schemaToV2({ allOf: [{ $ref: '#/components/schemas/X' }], description: 'd', nullable: true }), { $ref: '#/definitions/X', description: 'd' });
});

test('operations: body parameters with consumes, typed query parameters, responses with produces', () => {
  const doc = buildOpenApiV2Document(gvs) as Obj;
  const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.ok(item, Object.keys(doc.paths).join(' '));
  const patch = item.patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  const body = patch.parameters.find((p: Obj) => p.in === 'body');
  assert.deepEqual(body, { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
  const fv = patch.parameters.find((p: Obj) => p.name === 'fieldValidation');
  assert.equal(fv.type, 'string');
  assert.equal(fv.in, 'query');
  assert.equal(fv.schema, undefined);
  assert.equal(patch.responses['200'].schema.$ref, '#/definitions/io.k8s.api.apps.v1.Deployment');
  assert.ok(patch.produces.includes('application/json'));
  assert.ok(item.parameters.some((p: Obj) => p.name === 'namespace' && p.in === 'path' && p.type === 'string'));
  const list = doc.paths['/api/v1/namespaces/{namespace}/configmaps'].get;
  assert.ok(list.produces.includes('application/json;stream=watch'));
  assert.equal(list.responses['200'].schema.$ref, '#/definitions/io.k8s.api.core.v1.ConfigMapList');
  assert.equal(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get.responses['200'].schema.$ref, '#/definitions/io.k8s.api.autoscaling.v1.Scale');
});
