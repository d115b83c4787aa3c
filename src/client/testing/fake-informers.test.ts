import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeInformerFactory } from './fake-informers.js';
import { FakeApiClient } from './fake-api-client.js';
import { R } from '../resources.js';
import type { KObject } from '../../api/types/index.js';
import { isDeletedFinalStateUnknown } from '../informer-types.js';

const pod = (ns: string, name: string, node = ''): KObject => ({ metadata: { namespace: ns, name, resourceVersion: '1' }, spec: { nodeName: node } });

test('listers, the namespace index and custom indexes follow add/update/delete', () => {
  const f = new FakeInformerFactory();
  const inf = f.informerFor(R.pods);
  inf.addIndexer('node', (o) => [String((o.spec as { nodeName: string }).nodeName)]);
  const log: string[] = [];
  inf.addEventHandler({
    onAdd: (o, initial) => log.push(`add ${o.metadata.name} ${initial}`),
    onUpdate: (a, b) => log.push(`update ${a.metadata.name}→${(b.spec as { nodeName: string }).nodeName}`),
    onDelete: (o) => log.push(`delete ${isDeletedFinalStateUnknown(o) ? 'tombstone ' + o.key : o.metadata.name}`),
  });
  f.add(R.pods, pod('a', 'p1', 'n1'));
  f.add(R.pods, pod('b', 'p2', 'n1'));
  f.update(R.pods, pod('a', 'p1', 'n2'));
  assert.equal(inf.lister.get('a', 'p1')?.metadata.name, 'p1');
  assert.equal(inf.lister.list().length, 2);
  assert.deepEqual(inf.lister.list('b').map((o) => o.metadata.name), ['p2']);
  assert.deepEqual(inf.lister.byIndex('node', 'n1').map((o) => o.metadata.name), ['p2']);
  assert.deepEqual(inf.lister.byIndex('node', 'n2').map((o) => o.metadata.name), ['p1']);
  assert.throws(() => { (inf.lister.get('a', 'p1')!.metadata as { name: string }).name = 'x'; }, TypeError);
  f.delete(R.pods, pod('b', 'p2'), { finalStateUnknown: true });
  f.delete(R.pods, pod('a', 'p1'));
  assert.equal(inf.lister.list().length, 0);
  assert.deepEqual(log, ['add p1 false', 'add p2 false', 'update p1→n2', 'delete tombstone b/p2', 'delete p1']);
});

test('handlers added late see existing objects as the initial list', () => {
  const f = new FakeInformerFactory();
  f.add(R.nodes, { metadata: { name: 'n1' } });
  const seen: string[] = [];
  const d = f.informerFor(R.nodes).addEventHandler({ onAdd: (o, initial) => seen.push(`${o.metadata.name} ${initial}`) });
  assert.deepEqual(seen, ['n1 true']);
  d.dispose();
  f.add(R.nodes, { metadata: { name: 'n2' } });
  assert.equal(seen.length, 1);
  assert.equal(f.informerFor(R.nodes).lister.get(undefined, 'n2')?.metadata.name, 'n2');
});

test('fromClient mirrors the fake client synchronously', async () => {
  const client = new FakeApiClient();
  client.seed(R.pods, pod('a', 'early'));
  const f = FakeInformerFactory.fromClient(client);
  const inf = f.informerFor(R.pods);
  assert.ok(inf.lister.get('a', 'early'));
  const created = await client.create(R.pods, 'a', { metadata: { name: 'p' } });
  assert.ok(inf.lister.get('a', 'p'));
  assert.equal(inf.lastSyncResourceVersion(), created.metadata.resourceVersion);
  await client.delete(R.pods, 'a', 'p');
  assert.equal(inf.lister.get('a', 'p'), undefined);
});
