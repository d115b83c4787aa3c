import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, StatefulSet } from '../../api/types/index.js';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { StatefulSetController } from './index.js';

function seedSet(t: TestContext, replicas: number, image = 'nginx:1'): StatefulSet {
  return t.client.seed<StatefulSet>(R.statefulsets, {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas, serviceName: 'nginx', podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'nginx' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
}

/** What a kubelet would do: the pod runs and becomes Ready. */
async function runPods(t: TestContext): Promise<void> {
  for (const p of t.client.objects(R.pods)) {
    if ((p.status as { phase?: string } | undefined)?.phase === 'Running') continue;
    const ready = { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2023-12-31T00:00:00Z' }] } };
    await t.client.updateStatus(R.pods, p.metadata.namespace, ready as KObject);
  }
}
const podNames = (t: TestContext): string[] => t.client.objects(R.pods).map((p) => p.metadata.name ?? '');

test('creates web-0..2 in order with claims, then deletes in reverse order on scale down', async () => {
  const t = newTestContext();
  const c = new StatefulSetController(t.ctx);
  seedSet(t, 3);
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-0']);
  assert.deepEqual(t.client.objects(R.persistentvolumeclaims).map((p) => p.metadata.name), ['www-web-0']);
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-0'], 'waits for web-0 to be Running and Ready');
  for (let i = 0; i < 3; i++) {
    await runPods(t);
    await c.reconcile('default/web');
  }
  assert.deepEqual(podNames(t), ['web-0', 'web-1', 'web-2']);
  const events = t.recorder.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
  assert.ok(events.includes('create Pod web-0 in StatefulSet web successful'));
  assert.ok(events.includes('create Claim www-web-1 Pod web-1 in StatefulSet web success'));
  const set = t.client.object<StatefulSet>(R.statefulsets, 'default', 'web')!;
  assert.equal(set.status?.replicas, 3);
  assert.equal(set.status?.readyReplicas, 3);
  assert.equal(set.status?.currentRevision, set.status?.updateRevision);
  assert.equal(t.client.objects(R.controllerrevisions).length, 1);
  const pod = t.client.object(R.pods, 'default', 'web-1')!;
  assert.equal(pod.metadata.labels!['controller-revision-hash'], set.status?.updateRevision);

  t.client.seed(R.statefulsets, { ...set, spec: { ...set.spec, replicas: 1 } });
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-0', 'web-1']);
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-0']);
  assert.ok(t.recorder.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'));
});

test('a template change rolls pods from the highest ordinal and records a new revision', async () => {
  const t = newTestContext();
  const c = new StatefulSetController(t.ctx);
  seedSet(t, 2);
  for (let i = 0; i < 3; i++) { await c.reconcile('default/web'); await runPods(t); }
  const set = t.client.object<StatefulSet>(R.statefulsets, 'default', 'web')!;
  const template = { ...set.spec!.template, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } };
  t.client.seed(R.statefulsets, { ...set, spec: { ...set.spec, template } });
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-0'], 'web-1 deleted first');
  await c.reconcile('default/web');
  await runPods(t);
  await c.reconcile('default/web');
  assert.deepEqual(podNames(t), ['web-1'], 'then web-0, once web-1 is ready again');
  for (let i = 0; i < 2; i++) { await c.reconcile('default/web'); await runPods(t); }
  await c.reconcile('default/web');
  const after = t.client.object<StatefulSet>(R.statefulsets, 'default', 'web')!;
  assert.equal(t.client.objects(R.controllerrevisions).length, 2);
  assert.equal(after.status?.currentRevision, after.status?.updateRevision);
  assert.equal(after.status?.updatedReplicas, 2);
  assert.deepEqual(t.client.objects(R.controllerrevisions).map((r) => (r as { revision?: number }).revision).sort(), [1, 2]);
});
