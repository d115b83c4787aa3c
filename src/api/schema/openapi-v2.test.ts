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

/** Minimal protobuf reader: field number → list of raw values (varints as numbers, bytes as Buffers). */
function fields(buf: Buffer): Map<number, Array<number | Buffer>> {
  const out = new Map<number, Array<number | Buffer>>();
  let i = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      n += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return n;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const f = key >>> 3;
    let v: number | Buffer;
    if ((key & 7) === 0) v = varint();
    else if ((key & 7) === 2) {
      const len = varint();
      v = buf.subarray(i, i + len);
      i += len;
    } else if ((key & 7) === 1) {
      v = buf.subarray(i, i + 8);
      i += 8;
    } else throw new Error(`wire type ${key & 7}`);
    out.set(f, [...(out.get(f) ?? []), v]);
  }
  return out;
}

test('the protobuf form is gnostic openapi.v2.Document', async () => {
  const { encodeOpenApiV2Proto } = await import('./openapi-v2-proto.js');
  const doc = buildOpenApiV2Document(gvs) as Obj;
  const top = fields(Buffer.from(encodeOpenApiV2Proto(doc)));
  assert.equal(String(top.get(1)![0]), '2.0');
  const info = fields(top.get(2)![0] as Buffer);
  assert.equal(String(info.get(2)![0]), 'v1.32.3');
  // definitions (9) → NamedSchema (1) {name 1, value 2}
  const named = (fields(top.get(9)![0] as Buffer).get(1) as Buffer[]).map((b) => fields(b));
  assert.equal(named.length, Object.keys(doc.definitions).length);
  const dep = named.find((n) => String(n.get(1)![0]) === 'io.k8s.api.apps.v1.Deployment')!;
  const schema = fields(dep.get(2)![0] as Buffer);
  assert.deepEqual(fields(schema.get(22)![0] as Buffer).get(1)!.map(String), ['object']);
  // vendor_extension (31) → NamedAny {name, Any{yaml 2}} with the value as JSON text.
  const ext = (schema.get(31) as Buffer[]).map((b) => fields(b)).find((e) => String(e.get(1)![0]) === 'x-kubernetes-group-version-kind')!;
  assert.deepEqual(JSON.parse(String(fields(ext.get(2)![0] as Buffer).get(2)![0])), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  // properties (25) → NamedSchema; spec is a $ref (1).
  const props = (fields(schema.get(25)![0] as Buffer).get(1) as Buffer[]).map((b) => fields(b));
  const spec = props.find((p) => String(p.get(1)![0]) === 'spec')!;
  assert.equal(String(fields(spec.get(2)![0] as Buffer).get(1)![0]), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  // paths (8) → NamedPathItem (2); a query parameter is ParametersItem{Parameter{NonBodyParameter{query 3}}}.
  const paths = (fields(top.get(8)![0] as Buffer).get(2) as Buffer[]).map((b) => fields(b));
  const cm = fields(paths.find((p) => String(p.get(1)![0]) === '/api/v1/namespaces/{namespace}/configmaps')!.get(2)![0] as Buffer);
  const list = fields(cm.get(2)![0] as Buffer);
  assert.equal(String(list.get(5)![0]), 'listCoreV1NamespacedConfigMap');
  const q = (list.get(8) as Buffer[]).map((b) => fields(fields(fields(fields(b).get(1)![0] as Buffer).get(2)![0] as Buffer).get(3)![0] as Buffer));
  const watch = q.find((p) => String(p.get(4)![0]) === 'watch')!;
  assert.equal(String(watch.get(2)![0]), 'query');
  assert.equal(String(watch.get(6)![0]), 'boolean');
});
