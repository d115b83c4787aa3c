import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../testing/test-api.js';
import { R } from '../resources.js';
import { isNotFound, isConflict } from '../../api/status.js';
import type { KObject } from '../../api/types/index.js';
import { isDeletedFinalStateUnknown } from '../informer-types.js';
import { ClientSharedInformer, stripManagedFields } from './index.js';

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('REST client CRUD and typed errors over the loopback socket', async () => {
  const api = await startTestApi();
  try {
    const c = api.client;
    const cm = await c.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } });
    assert.equal(cm.metadata.name, 'a');
    await assert.rejects(c.get(R.configmaps, 'default', 'nope'), (e) => isNotFound(e));
    const stale = { ...cm, data: { x: '2' } };
    await c.update(R.configmaps, 'default', stale);
    await assert.rejects(c.update(R.configmaps, 'default', { ...cm, data: { x: '3' } }), (e) => isConflict(e));
    const p = await c.patch(R.configmaps, 'default', 'a', 'merge', { data: { y: '9' } });
    assert.deepEqual(p.data, { x: '2', y: '9' });
    const list = await c.list(R.configmaps, 'default');
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['a']);
    await c.delete(R.configmaps, 'default', 'a');
    await assert.rejects(c.get(R.configmaps, 'default', 'a'), (e) => isNotFound(e));
  } finally {
    await api.stop();
  }
});

test('an informer lists, follows changes in order and keeps indexes', async () => {
  const api = await startTestApi();
  try {
    const c = api.client;
    await c.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', labels: { team: 'a' } } });
    const inf = api.informers.informerFor(R.configmaps);
    inf.addIndexer('team', (o: Readonly<KObject>) => (o.metadata.labels?.team ? [o.metadata.labels.team] : []));
    const seen: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (a, b) => seen.push(`update ${b.metadata.name} ${a.metadata.labels?.team ?? '-'}->${b.metadata.labels?.team ?? '-'}`),
      onDelete: (o) => seen.push(`delete ${isDeletedFinalStateUnknown(o) ? o.obj.metadata.name : o.metadata.name}`),
    });
    await inf.whenSynced();
    assert.ok(inf.lister.get('default', 'pre'));
    await c.create(R.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { team: 'a' } } });
    await c.patch(R.configmaps, 'default', 'pre', 'merge', { metadata: { labels: { team: 'b' } } });
    await c.delete(R.configmaps, 'kube-system', 'b');
    await until(() => seen.includes('delete b'));
    assert.deepEqual(seen, ['add pre', 'add b', 'update pre a->b', 'delete b']);
    assert.deepEqual(inf.lister.byIndex('team', 'b').map((o) => o.metadata.name), ['pre']);
    assert.deepEqual(inf.lister.byIndex('team', 'a'), []);
    assert.equal(inf.lister.list('kube-system').length, 0);
    assert.equal(inf.lister.list('default').length, 1);
  } finally {
    await api.stop();
  }
});

test('an informer relists after its watch falls out of the server window', async () => {
  const api = await startTestApi({ watchCacheSize: 5 });
  try {
    const c = api.client;
    const inf = api.informers.informerFor(R.secrets);
    await inf.whenSynced();
    for (let i = 0; i < 20; i++) await c.create(R.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}` } });
    await until(() => inf.lister.list('default').length === 20);
  } finally {
    await api.stop();
  }
});

test('an informer with stripManagedFields caches objects without managedFields; updates of them keep the stored ones', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const c = api.client;
    await c.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed', labels: { a: '1' } }, data: { x: '1' } }, { fieldManager: 'creator' });
    const inf = new ClientSharedInformer(c, R.configmaps, { transform: stripManagedFields });
    const ac = new AbortController();
    inf.run(ac.signal);
    try {
      await inf.whenSynced();
      await c.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', labels: { a: '1' } } }, { fieldManager: 'creator' });
      await until(() => !!inf.lister.get('default', 'watched'));
      for (const name of ['listed', 'watched']) {
        const cached = inf.lister.get('default', name)!;
        assert.equal(cached.metadata.managedFields, undefined, `${name} from the ${name === 'listed' ? 'list' : 'watch'}`);
        assert.ok((await c.get(R.configmaps, 'default', name)).metadata.managedFields?.length, 'the stored object keeps them');
        const put = await c.update(R.configmaps, 'default', { ...cached, data: { y: '2' } } as KObject, { fieldManager: 'controller' });
        assert.deepEqual(put.metadata.managedFields?.map((m) => m.manager).sort(), ['controller', 'creator']);
      }
    } finally {
      ac.abort();
    }
  } finally {
    await api.stop();
  }
});
