// Custom objects in the controllers' generic walkers: namespace deletion deletes them
// (the namespace controller reads the established CRDs), and the garbage collector's dynamic
// informers see them as owners and as dependents.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, eventually, ROOT, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;
const GROUP = 'k8ts-test.example.com';
const JSONH = { 'Content-Type': 'application/json' };
const ct = (ns: string): string => `/apis/${GROUP}/v1/namespaces/${ns}/crontabs`;
const cm = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;

before(async () => {
  c = await startCluster({ extraArgs: ['--runtime', 'simulated', '--disable', 'agent,proxy,dns,ingress,servicelb'] });
  creds = credsFromKubeconfig(c.kubeconfig);
  const crd = readFileSync(join(ROOT, 'test/fixtures/crd/crontab-crd.json'), 'utf8');
  assert.equal((await api(creds, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd, JSONH)).status, 201);
  await eventually(async () => (await api(creds, 'GET', ct('default'))).status === 200, 10_000);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const crontab = (name: string, owner?: { apiVersion: string; kind: string; name: string; uid: string }): string =>
  JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'CronTab', metadata: { name, ...(owner ? { ownerReferences: [owner] } : {}) }, spec: { cronSpec: '* * * * *' } });

describe('custom objects and the controllers', () => {
  it('namespace deletion deletes the custom objects in it', { timeout: 60_000 }, async () => {
    assert.equal((await api(creds, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k8ts-test-crd-ns' } }), JSONH)).status, 201);
    assert.equal((await api(creds, 'POST', ct('k8ts-test-crd-ns'), crontab('in-ns'), JSONH)).status, 201);
    assert.equal((await api(creds, 'DELETE', '/api/v1/namespaces/k8ts-test-crd-ns')).status, 200);
    await eventually(async () => (await api(creds, 'GET', '/api/v1/namespaces/k8ts-test-crd-ns')).status === 404, 30_000);
    assert.equal((await api(creds, 'GET', `${ct('k8ts-test-crd-ns')}/in-ns`)).status, 404);
  });

  it('the garbage collector deletes custom dependents of a deleted owner, and dependents of a deleted custom owner', { timeout: 60_000 }, async () => {
    const owner = (await api(creds, 'POST', cm('default'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-owner' } }), JSONH)).json();
    const dep = await api(creds, 'POST', ct('default'), crontab('dependent', { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid }), JSONH);
    assert.equal(dep.status, 201, dep.body);
    assert.equal((await api(creds, 'DELETE', `${cm('default')}/k8ts-test-owner`)).status, 200);
    await eventually(async () => (await api(creds, 'GET', `${ct('default')}/dependent`)).status === 404, 30_000);

    const cOwner = (await api(creds, 'POST', ct('default'), crontab('custom-owner'), JSONH)).json();
    const cDep = await api(creds, 'POST', cm('default'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-dep', ownerReferences: [{ apiVersion: `${GROUP}/v1`, kind: 'CronTab', name: 'custom-owner', uid: cOwner.metadata.uid }] } }), JSONH);
    assert.equal(cDep.status, 201, cDep.body);
    assert.equal((await api(creds, 'DELETE', `${ct('default')}/custom-owner`)).status, 200);
    await eventually(async () => (await api(creds, 'GET', `${cm('default')}/k8ts-test-dep`)).status === 404, 30_000);
  });

  it('after a restart (sqlite) the CRD is served again before the server reports ready, with its objects', { timeout: 60_000 }, async () => {
    assert.equal((await api(creds, 'POST', ct('default'), crontab('survivor'), JSONH)).status, 201);
    const { dataDir, port } = c;
    await c.stop();
    c = await startCluster({ dataDir, port, extraArgs: ['--runtime', 'simulated', '--disable', 'agent,proxy,dns,ingress,servicelb'] });
    const r = await api(creds, 'GET', `${ct('default')}/survivor`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().spec.replicas, 1);
  });
});
