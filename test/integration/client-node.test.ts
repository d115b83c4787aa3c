// @kubernetes/client-node (the official JavaScript client) against a real server: typed
// calls and an informer that must see add, update and delete in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, eventually, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;
let kc: k8s.KubeConfig;

before(async () => {
  c = await startCluster({ extraArgs: ['--disable', 'controllers,scheduler,agent'] });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('@kubernetes/client-node', () => {
  it('typed client creates, reads and lists', { timeout: 60_000 }, async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-js', labels: { src: 'js' } }, data: { k: 'v' } } });
    const got = await core.readNamespacedConfigMap({ name: 'from-js', namespace: 'default' });
    assert.equal(got.data?.k, 'v');
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'src=js' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['from-js']);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'js-dep' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
    });
    assert.equal(d.spec?.replicas, 1);
  });

  it('an informer sees add, update and delete in order', { timeout: 60_000 }, async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/secrets', () => core.listNamespacedSecret({ namespace: 'default' }));
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update:${o.metadata?.name}:${Buffer.from(o.data?.v ?? '', 'base64').toString()}`));
    informer.on('delete', (o) => events.push(`delete:${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'inf' }, stringData: { v: '1' } } });
      await eventually(() => events.includes('add:inf'));
      await core.replaceNamespacedSecret({ name: 'inf', namespace: 'default', body: { metadata: { name: 'inf' }, data: { v: Buffer.from('2').toString('base64') } } });
      await eventually(() => events.includes('update:inf:2'));
      await core.deleteNamespacedSecret({ name: 'inf', namespace: 'default' });
      await eventually(() => events.includes('delete:inf'));
      assert.deepEqual(events.filter((e) => e.includes(':inf')), ['add:inf', 'update:inf:2', 'delete:inf']);
      assert.equal(informer.list('default').some((s) => s.metadata?.name === 'inf'), false);
    } finally {
      await informer.stop();
    }
  });
});
