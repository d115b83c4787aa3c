import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidden } from '../../api/status.js';
import { rfc3339 } from '../../util/time.js';
import { R } from '../../client/resources.js';
import { FakeApiClient, FakeInformerFactory, FakeRecorder, fakeClock, newTestContext, waitForIdle } from '../../client/testing/index.js';
import type { ControllerContext } from '../../client/controller-types.js';
import { ReplicaSetController } from './replicaset-controller.js';
import type { Pod, ReplicaSet, PodSpec } from '../../api/types/index.js';

function rsObj(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra },
  };
}

const OWNER = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }];

function podObj(name: string, o: { owned?: boolean; labels?: Record<string, string>; node?: string; phase?: string; readyAt?: number; deleting?: boolean } = {}): Pod {
  const p: Pod = { metadata: { name, namespace: 'ns', labels: o.labels ?? { app: 'web' } }, spec: { nodeName: o.node } as PodSpec, status: { phase: o.phase ?? 'Running' } };
  if (o.owned !== false) p.metadata.ownerReferences = OWNER;
  if (o.readyAt !== undefined) p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(o.readyAt) }];
  if (o.deleting) p.metadata.deletionTimestamp = rfc3339(0);
  if (!o.node) delete p.spec!.nodeName;
  return p;
}

const pods = (client: FakeApiClient) => client.objects<Pod>(R.pods);
const rsStatus = (client: FakeApiClient) => client.object<ReplicaSet>(R.replicasets, 'ns', 'web')?.status;

test('creates the missing pods from the template, with events, then reports status', async () => {
  const t = newTestContext();
  t.client.seed(R.replicasets, rsObj(3));
  const c = new ReplicaSetController(t.ctx);
  await c.reconcile('ns/web');
  const created = pods(t.client);
  assert.equal(created.length, 3);
  for (const p of created) {
    assert.match(p.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: 'web' });
    assert.deepEqual(p.metadata.ownerReferences, OWNER);
  }
  assert.deepEqual(t.recorder.events.map((e) => `${e.reason} ${e.message}`).sort(), created.map((p) => `SuccessfulCreate Created pod: ${p.metadata.name}`).sort());
  assert.equal(t.recorder.events[0].component, 'replicaset-controller');
  await c.reconcile('ns/web');
  assert.equal(pods(t.client).length, 3);
  assert.deepEqual(rsStatus(t.client), { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
});

test('expectations: a reconcile before the informer saw the creates does not create again', async () => {
  const clock = fakeClock();
  const client = new FakeApiClient({ clock });
  const informers = new FakeInformerFactory(); // does not mirror the client: the cache lags
  const rs = client.seed(R.replicasets, rsObj(4));
  informers.add(R.replicasets, rs);
  const ctx: ControllerContext = { client, informers, recorder: () => new FakeRecorder(), clock, signal: new AbortController().signal };
  const c = new ReplicaSetController(ctx);
  await c.reconcile('ns/web');
  assert.equal(client.actionsFor('create', 'pods').length, 4);
  await c.reconcile('ns/web');
  assert.equal(client.actionsFor('create', 'pods').length, 4, 'no second round of creates');
  assert.deepEqual(c.expectations.pending('ns/web'), { add: 4, del: 0 });
  for (const p of pods(client)) informers.add(R.pods, p);
  assert.equal(c.expectations.satisfied('ns/web'), true);
  await c.reconcile('ns/web');
  assert.equal(client.actionsFor('create', 'pods').length, 4);
  // Deletions are tracked too: scale to 1, the cache still shows 4 pods.
  const scaled = client.seed(R.replicasets, { ...client.object<ReplicaSet>(R.replicasets, 'ns', 'web')!, spec: { ...rsObj(1).spec } });
  informers.update(R.replicasets, scaled);
  await c.reconcile('ns/web');
  await c.reconcile('ns/web');
  assert.equal(client.actionsFor('delete', 'pods').length, 3);
});

test('slow start stops after the first failing batch; FailedCreate event and ReplicaFailure condition', async () => {
  const t = newTestContext();
  t.client.seed(R.replicasets, rsObj(10));
  let n = 0;
  t.client.addReactor('create', 'pods', () => {
    if (++n > 3) throw forbidden('pods "web-" is forbidden: exceeded quota: q');
  });
  const c = new ReplicaSetController(t.ctx);
  await assert.rejects(c.reconcile('ns/web'), /exceeded quota/);
  assert.equal(n, 7, 'batches of 1, 2, 4');
  assert.equal(pods(t.client).length, 3);
  assert.equal(t.recorder.events.filter((e) => e.reason === 'FailedCreate').length, 4);
  assert.equal(t.recorder.events.find((e) => e.reason === 'FailedCreate')?.message, 'Error creating: pods "web-" is forbidden: exceeded quota: q');
  const cond = rsStatus(t.client)?.conditions?.[0];
  assert.equal(cond?.type, 'ReplicaFailure');
  assert.equal(cond?.reason, 'FailedCreate');
  assert.equal(c.expectations.satisfied('ns/web'), true, 'failed creates are not expected');
});

test('scale down deletes the lowest-ranked pods', async () => {
  const t = newTestContext();
  t.client.seed(R.replicasets, rsObj(1));
  t.client.seed(R.pods, podObj('ready', { node: 'n1', readyAt: t.clock.now() - 60_000 }));
  t.client.seed(R.pods, podObj('unscheduled', { phase: 'Pending' }));
  t.client.seed(R.pods, podObj('notready', { node: 'n1' }));
  const c = new ReplicaSetController(t.ctx);
  await c.reconcile('ns/web');
  assert.deepEqual(pods(t.client).map((p) => p.metadata.name), ['ready']);
  assert.deepEqual(t.recorder.events.map((e) => `${e.reason} ${e.message}`).sort(), ['SuccessfulDelete Deleted pod: notready', 'SuccessfulDelete Deleted pod: unscheduled']);
});

test('adopts matching orphans, releases owned pods that stopped matching, ignores terminal and deleting pods', async () => {
  const t = newTestContext();
  t.client.seed(R.replicasets, rsObj(3));
  t.client.seed(R.pods, podObj('orphan', { owned: false }));
  t.client.seed(R.pods, podObj('relabelled', { labels: { app: 'other' } }));
  t.client.seed(R.pods, podObj('done', { phase: 'Succeeded' }));
  t.client.seed(R.pods, podObj('going', { deleting: true }));
  const c = new ReplicaSetController(t.ctx);
  await c.reconcile('ns/web');
  const byName = new Map(pods(t.client).map((p) => [p.metadata.name, p]));
  assert.deepEqual(byName.get('orphan')?.metadata.ownerReferences, OWNER);
  assert.deepEqual(byName.get('relabelled')?.metadata.ownerReferences ?? [], []);
  assert.equal(t.client.actionsFor('create', 'pods').length, 2, 'orphan counts; done/going/relabelled do not');
  const patch = t.client.actionsFor('patch', 'pods').find((a) => a.name === 'orphan');
  assert.equal(patch?.patchType, 'strategic');
});

test('requeues when a ready pod becomes available after minReadySeconds', async () => {
  const t = newTestContext();
  const now = t.clock.now();
  t.client.seed(R.replicasets, rsObj(1, { minReadySeconds: 10 }));
  t.client.seed(R.pods, podObj('p', { node: 'n1', readyAt: now - 3000 }));
  const c = new ReplicaSetController(t.ctx);
  c.run();
  await waitForIdle(c.controller);
  assert.deepEqual(rsStatus(t.client), { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, observedGeneration: 1 });
  t.clock.advance(7000);
  await waitForIdle(c.controller);
  assert.equal(rsStatus(t.client)?.availableReplicas, 1);
  t.abort();
});

test('a ReplicaSet being deleted creates nothing', async () => {
  const t = newTestContext();
  t.client.seed(R.replicasets, { ...rsObj(3), metadata: { ...rsObj(3).metadata, deletionTimestamp: rfc3339(0), finalizers: ['x'] } });
  const c = new ReplicaSetController(t.ctx);
  await c.reconcile('ns/web');
  assert.equal(pods(t.client).length, 0);
});
