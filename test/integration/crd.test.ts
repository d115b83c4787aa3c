// CustomResourceDefinitions over HTTP: the CRD's own validation and status (NamesAccepted,
// Established, a name conflict), serving in discovery and OpenAPI, custom objects
// validated/pruned/defaulted by the schema, status and scale subresources, two served
// versions and an unserved one, bad input as upstream's Status, and the cleanup finalizer
// deleting the objects and then the endpoints.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, eventually, ROOT, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUP = 'k8ts-test.example.com';
const CT = `/apis/${GROUP}/v1/namespaces/default/crontabs`;
const crd = (): any => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/crd/crontab-crd.json'), 'utf8'));
const JSONH = { 'Content-Type': 'application/json' };

before(async () => {
  c = await startCluster({ extraArgs: ['--disable', 'controllers,scheduler,agent'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

function assertStatus(r: { status: number; body: string; json(): any }, code: number, reason: string): any {
  assert.equal(r.status, code, `expected ${code}, got ${r.status}: ${r.body}`);
  const s = r.json();
  assert.equal(s.kind, 'Status');
  assert.equal(s.reason, reason);
  return s;
}

async function established(name: string): Promise<any> {
  return eventually(async () => {
    const r = await api(creds, 'GET', `${CRD_PATH}/${name}`);
    const o = r.json();
    return o.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True') ? o : undefined;
  }, 10_000);
}

describe('CustomResourceDefinition', () => {
  it('an invalid CRD is refused with upstream field paths; webhook conversion with a clear message', { timeout: 30_000 }, async () => {
    const bad = crd();
    bad.metadata.name = 'wrong.k8ts-test.example.com';
    bad.spec.versions[0].storage = false;
    bad.spec.names.plural = 'Cron_Tabs';
    delete bad.spec.versions[1].schema;
    const s = assertStatus(await api(creds, 'POST', CRD_PATH, JSON.stringify(bad), JSONH), 422, 'Invalid');
    const fields = s.details.causes.map((x: any) => x.field);
    assert.ok(fields.includes('spec.names.plural'), s.message);
    assert.ok(fields.includes('spec.versions'), s.message);
    assert.ok(fields.includes('spec.versions[1].schema.openAPIV3Schema'), s.message);
    assert.match(s.message, /CustomResourceDefinition.apiextensions.k8s.io "wrong.k8ts-test.example.com" is invalid/);
    const hook = crd();
    hook.spec.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'] } };
    const h = assertStatus(await api(creds, 'POST', CRD_PATH, JSON.stringify(hook), JSONH), 422, 'Invalid');
    assert.match(h.message, /spec.conversion.strategy: Forbidden: webhook conversion is not supported by k8ts \(no admission webhooks yet\)/);
  });

  it('is accepted, established, and served in discovery and OpenAPI', { timeout: 30_000 }, async () => {
    const AGG = { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
    const before = (await api(creds, 'GET', '/apis', undefined, AGG)).headers.etag as string;
    assert.match(before, /^"[0-9A-F]{32}"$/);
    assert.equal((await api(creds, 'GET', '/apis', undefined, { ...AGG, 'If-None-Match': before })).status, 304);
    const r = await api(creds, 'POST', CRD_PATH, JSON.stringify(crd()), JSONH);
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json().metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
    const o = await established(`crontabs.${GROUP}`);
    assert.equal(o.status.acceptedNames.kind, 'CronTab');
    assert.deepEqual(o.status.storedVersions, ['v1']);
    assert.ok(o.status.conditions.some((x: any) => x.type === 'NamesAccepted' && x.status === 'True' && x.reason === 'NoConflicts'));
    const legacy = (await api(creds, 'GET', `/apis/${GROUP}/v1`)).json();
    const res = legacy.resources.find((x: any) => x.name === 'crontabs');
    assert.deepEqual(res.shortNames, ['ktct']);
    assert.deepEqual(res.categories, ['all']);
    assert.ok(legacy.resources.some((x: any) => x.name === 'crontabs/scale'));
    // kubectl revalidates its cached discovery: the new group changes the entity tag.
    const fresh = await api(creds, 'GET', '/apis', undefined, { ...AGG, 'If-None-Match': before });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.headers.etag, before);
    const agg = fresh.json();
    const g = agg.items.find((x: any) => x.metadata.name === GROUP);
    assert.deepEqual(g.versions.map((v: any) => v.version), ['v1', 'v1beta1']);
    const idx = (await api(creds, 'GET', '/openapi/v3')).json();
    const url = idx.paths[`apis/${GROUP}/v1`].serverRelativeURL;
    const doc = (await api(creds, 'GET', url)).json();
    const schema = doc.components.schemas['com.example.k8ts-test.v1.CronTab'];
    assert.equal(schema.properties.spec.properties.cronSpec.description, 'The schedule, in cron format.');
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: GROUP, kind: 'CronTab', version: 'v1' }]);
    assertStatus(await api(creds, 'GET', `/apis/${GROUP}/v0/namespaces/default/crontabs`), 404, 'NotFound');
  });

  it('a second CRD taking the same kind in the group gets NamesAccepted False', { timeout: 30_000 }, async () => {
    const dup = crd();
    dup.metadata.name = `othertabs.${GROUP}`;
    dup.spec.names = { plural: 'othertabs', singular: 'othertab', kind: 'CronTab' };
    assert.equal((await api(creds, 'POST', CRD_PATH, JSON.stringify(dup), JSONH)).status, 201);
    const o = await eventually(async () => {
      const x = (await api(creds, 'GET', `${CRD_PATH}/othertabs.${GROUP}`)).json();
      return x.status?.conditions?.find((k: any) => k.type === 'NamesAccepted') ? x : undefined;
    }, 10_000);
    const na = o.status.conditions.find((k: any) => k.type === 'NamesAccepted');
    assert.equal(na.status, 'False');
    assert.equal(na.reason, 'KindConflict');
    assertStatus(await api(creds, 'GET', `/apis/${GROUP}/v1/othertabs`), 404, 'NotFound');
    assert.equal((await api(creds, 'DELETE', `${CRD_PATH}/othertabs.${GROUP}`)).status, 200);
  });

  it('custom objects are defaulted, pruned, validated, and readable in both served versions', { timeout: 30_000 }, async () => {
    const obj = { apiVersion: `${GROUP}/v1`, kind: 'CronTab', metadata: { name: 'ct1' }, spec: { cronSpec: '* * * * */5', image: 'img', extra: 'x' } };
    const r = await api(creds, 'POST', CT, JSON.stringify(obj), JSONH);
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json().spec.replicas, 1); // default
    assert.equal(r.json().spec.extra, undefined); // pruned
    const strict = assertStatus(await api(creds, 'POST', `${CT}?fieldValidation=Strict`, JSON.stringify({ ...obj, metadata: { name: 'ct2' } }), JSONH), 400, 'BadRequest');
    assert.match(strict.message, /unknown field "spec.extra"/);
    const bad = assertStatus(await api(creds, 'POST', CT, JSON.stringify({ ...obj, metadata: { name: 'ct3' }, spec: { replicas: 11 } }), JSONH), 422, 'Invalid');
    assert.equal(bad.details.causes[0].field, 'spec.replicas');
    assert.match(bad.message, /^CronTab.k8ts-test.example.com "ct3" is invalid: spec.replicas: Invalid value: 11/);
    const patched = assertStatus(await api(creds, 'PATCH', `${CT}/ct1`, JSON.stringify({ spec: { replicas: 'many' } }), { 'Content-Type': 'application/merge-patch+json' }), 422, 'Invalid');
    assert.equal(patched.details.causes[0].field, 'spec.replicas');
    assertStatus(await api(creds, 'PATCH', `${CT}/ct1`, JSON.stringify({ spec: { replicas: 2 } }), { 'Content-Type': 'application/strategic-merge-patch+json' }), 415, 'UnsupportedMediaType');
    const beta = (await api(creds, 'GET', `/apis/${GROUP}/v1beta1/namespaces/default/crontabs/ct1`)).json();
    assert.equal(beta.apiVersion, `${GROUP}/v1beta1`);
    assert.equal(beta.spec.cronSpec, '* * * * */5');
    // Written in v1beta1, stored in v1 (the storage version), read back in v1.
    const w = await api(creds, 'POST', `/apis/${GROUP}/v1beta1/namespaces/default/crontabs`, JSON.stringify({ apiVersion: `${GROUP}/v1beta1`, kind: 'CronTab', metadata: { name: 'ctb' }, spec: { cronSpec: 'b' } }), JSONH);
    assert.equal(w.status, 201, w.body);
    assert.equal((await api(creds, 'GET', `${CT}/ctb`)).json().apiVersion, `${GROUP}/v1`);
    const table = (await api(creds, 'GET', CT, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    assert.deepEqual(table.columnDefinitions.map((x: any) => x.name), ['Name', 'Spec', 'Replicas', 'Age']);
    const row = table.rows.find((x: any) => x.cells[0] === 'ct1');
    assert.equal(row.cells[1], '* * * * */5');
    assert.equal(row.cells[2], 1);
  });

  it('a CRD update (a new printer column, a tighter schema) applies at once', { timeout: 30_000 }, async () => {
    const cur = (await api(creds, 'GET', `${CRD_PATH}/crontabs.${GROUP}`)).json();
    cur.spec.versions[0].additionalPrinterColumns.push({ name: 'Image', type: 'string', jsonPath: '.spec.image' });
    cur.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.image.maxLength = 5;
    const up = await api(creds, 'PUT', `${CRD_PATH}/crontabs.${GROUP}`, JSON.stringify(cur), JSONH);
    assert.equal(up.status, 200, up.body);
    assert.equal(up.json().metadata.generation, 2);
    await eventually(async () => {
      const t = (await api(creds, 'GET', CT, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
      return t.columnDefinitions.some((x: any) => x.name === 'Image');
    }, 10_000);
    const bad = await api(creds, 'PATCH', `${CT}/ct1`, JSON.stringify({ spec: { image: 'much-too-long' } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(assertStatus(bad, 422, 'Invalid').details.causes[0].field, 'spec.image');
    // A default added later shows on read, without a write (defaulting on read from storage).
    const cur2 = (await api(creds, 'GET', `${CRD_PATH}/crontabs.${GROUP}`)).json();
    cur2.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.tier = { type: 'string', default: 'gold' };
    assert.equal((await api(creds, 'PUT', `${CRD_PATH}/crontabs.${GROUP}`, JSON.stringify(cur2), JSONH)).status, 200);
    const rv = (await api(creds, 'GET', `${CT}/ct1`)).json().metadata.resourceVersion;
    const read = await eventually(async () => {
      const o = (await api(creds, 'GET', `${CT}/ct1`)).json();
      return o.spec.tier === 'gold' ? o : undefined;
    }, 10_000);
    assert.equal(read.metadata.resourceVersion, rv);
  });

  it('status and scale subresources: generation follows spec only; scale writes specReplicasPath', { timeout: 30_000 }, async () => {
    const st = await api(creds, 'PATCH', `${CT}/ct1/status`, JSON.stringify({ status: { replicas: 3, labelSelector: 'app=ct' }, spec: { cronSpec: 'ignored' } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(st.status, 200, st.body);
    assert.equal(st.json().metadata.generation, 1);
    assert.equal(st.json().spec.cronSpec, '* * * * */5');
    // The main resource ignores status.
    const up = await api(creds, 'PATCH', `${CT}/ct1`, JSON.stringify({ spec: { image: 'img2' }, status: { replicas: 9 } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(up.json().metadata.generation, 2);
    assert.equal(up.json().status.replicas, 3);
    const scale = (await api(creds, 'GET', `${CT}/ct1/scale`)).json();
    assert.deepEqual({ kind: scale.kind, spec: scale.spec, status: scale.status }, { kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 3, selector: 'app=ct' } });
    const put = await api(creds, 'PUT', `${CT}/ct1/scale`, JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'ct1', namespace: 'default' }, spec: { replicas: 5 } }), JSONH);
    assert.equal(put.status, 200, put.body);
    assert.equal((await api(creds, 'GET', `${CT}/ct1`)).json().spec.replicas, 5);
  });

  it('deleting the CRD deletes its objects, then its endpoints', { timeout: 30_000 }, async () => {
    assert.equal((await api(creds, 'DELETE', `${CRD_PATH}/crontabs.${GROUP}`)).status, 200);
    await eventually(async () => (await api(creds, 'GET', `${CRD_PATH}/crontabs.${GROUP}`)).status === 404, 10_000);
    assertStatus(await api(creds, 'GET', CT), 404, 'NotFound');
    const legacy = (await api(creds, 'GET', '/apis')).json();
    assert.ok(!legacy.groups.some((g: any) => g.name === GROUP));
    // A new CRD of the same name starts empty: the objects went with the old one.
    assert.equal((await api(creds, 'POST', CRD_PATH, JSON.stringify(crd()), JSONH)).status, 201);
    await established(`crontabs.${GROUP}`);
    assert.deepEqual((await api(creds, 'GET', CT)).json().items, []);
  });

  it('cluster scope, a deprecated version warns, objects validated by their own version', { timeout: 30_000 }, async () => {
    const c2 = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gadgets.${GROUP}` },
      spec: {
        group: GROUP, scope: 'Cluster', names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [
          { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } },
          { name: 'v1alpha1', served: true, storage: false, deprecated: true, deprecationWarning: 'use v1 gadgets', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } } },
        ],
      },
    };
    assert.equal((await api(creds, 'POST', CRD_PATH, JSON.stringify(c2), JSONH)).status, 201);
    await established(`gadgets.${GROUP}`);
    const ok = await api(creds, 'POST', `/apis/${GROUP}/v1/gadgets`, JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g1', namespace: 'ignored' }, spec: { size: 3 } }), JSONH);
    assert.equal(ok.status, 201, ok.body);
    assert.equal(ok.json().metadata.namespace, undefined);
    assertStatus(await api(creds, 'GET', `/apis/${GROUP}/v1/namespaces/default/gadgets/g1`), 404, 'NotFound');
    // v1alpha1's schema says string: its writes are checked against it, and it warns.
    const alpha = await api(creds, 'POST', `/apis/${GROUP}/v1alpha1/gadgets`, JSON.stringify({ apiVersion: `${GROUP}/v1alpha1`, kind: 'Gadget', metadata: { name: 'g2' }, spec: { size: 3 } }), JSONH);
    const st = assertStatus(alpha, 422, 'Invalid');
    assert.equal(st.details.causes[0].field, 'spec.size');
    assert.match(String(alpha.headers.warning), /use v1 gadgets/);
    assert.equal((await api(creds, 'DELETE', `${CRD_PATH}/gadgets.${GROUP}`)).status, 200);
  });
});
