// Client libraries on custom resources: @kubernetes/client-node's CustomObjectsApi and
// python3-kubernetes' CustomObjectsApi (Debian's, run by /usr/bin/python3; the script is
// test/clients/python/crd.py) create, list, watch and delete custom objects, and read them in
// both served versions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startSimulated, must, eventually, ROOT, type TestCluster } from './support.js';

const PY = '/usr/bin/python3';
const pySkip = !existsSync(PY) || !existsSync('/usr/lib/python3/dist-packages/kubernetes') ? 'needs Debian python3-kubernetes' : false;
const GROUP = 'k8ts-test.example.com';
const NS = 'crd-clients';
let c: TestCluster;
let kc: k8s.KubeConfig;

before(async () => {
  c = await startSimulated();
  await c.k(['create', 'namespace', NS]);
  const crd = join(c.dataDir, 'crd.json');
  writeFileSync(crd, readFileSync(join(ROOT, 'test/fixtures/crd/crontab-crd.json')));
  await c.k(['apply', '-f', crd]);
  await c.k(['wait', '--for', 'condition=Established', `crd/crontabs.${GROUP}`, '--timeout=20s']);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('client libraries on custom resources', () => {
  it('@kubernetes/client-node CustomObjectsApi creates, lists, watches and deletes', { timeout: 60_000 }, async () => {
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(`/apis/${GROUP}/v1/namespaces/${NS}/crontabs`, {}, (type, obj) => events.push(`${type}:${obj.metadata.name}:${obj.spec?.replicas}`), () => {});
    try {
      const created = (await co.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: NS, plural: 'crontabs', body: { apiVersion: `${GROUP}/v1`, kind: 'CronTab', metadata: { name: 'js-ct' }, spec: { cronSpec: '* * * * *' } } })) as any;
      assert.equal(created.spec.replicas, 1);
      const list = (await co.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: NS, plural: 'crontabs' })) as any;
      assert.deepEqual(list.items.map((i: any) => i.metadata.name), ['js-ct']);
      const beta = (await co.getNamespacedCustomObject({ group: GROUP, version: 'v1beta1', namespace: NS, plural: 'crontabs', name: 'js-ct' })) as any;
      assert.equal(beta.apiVersion, `${GROUP}/v1beta1`);
      await co.patchNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: NS, plural: 'crontabs', name: 'js-ct', body: { spec: { replicas: 2 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await assert.rejects(
        co.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: NS, plural: 'crontabs', body: { apiVersion: `${GROUP}/v1`, kind: 'CronTab', metadata: { name: 'js-bad' }, spec: { replicas: 'x' } } }),
        (e: any) => e.code === 422 && /spec.replicas in body must be of type integer/.test(String(e.body)),
      );
      await co.deleteNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: NS, plural: 'crontabs', name: 'js-ct' });
      await eventually(() => events.includes('DELETED:js-ct:2'), 15_000);
      assert.deepEqual(events, ['ADDED:js-ct:1', 'MODIFIED:js-ct:2', 'DELETED:js-ct:2']);
    } finally {
      req.abort();
    }
  });

  it('python3-kubernetes CustomObjectsApi creates, lists, watches and deletes', { timeout: 120_000, skip: pySkip }, async () => {
    const out = await must(PY, [join(ROOT, 'test/clients/python/crd.py'), c.kubeconfig, NS, GROUP], { timeoutMs: 90_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(r.established, true);
    assert.equal(r.created_replicas, 1);
    assert.deepEqual(r.listed, ['py-ct']);
    assert.equal(r.beta_api_version, `${GROUP}/v1beta1`);
    assert.equal(r.patched_replicas, 3);
    assert.deepEqual(r.invalid, [422, 'Invalid', 'spec.replicas']);
    assert.deepEqual(r.events, [['ADDED', 'py-ct'], ['MODIFIED', 'py-ct'], ['DELETED', 'py-ct']]);
    assert.equal(r.after_delete, 404);
  });
});
