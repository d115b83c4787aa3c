import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { DaemonSetController, targetNodeName, type ServedDaemonSet } from './index.js';

const node = (name: string, taints: unknown[] = []): KObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints } });

function seedDs(t: TestContext, image = 'agent:1'): ServedDaemonSet {
  return t.client.seed<ServedDaemonSet>(R.daemonsets, {
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image }] } },
    },
  });
}

/** Scheduler + kubelet: bind each pod to its target node and make it Ready. */
async function schedule(t: TestContext): Promise<void> {
  for (const p of t.client.objects(R.pods)) {
    if ((p.spec as { nodeName?: string }).nodeName) continue;
    const bound = { ...p, spec: { ...(p.spec as object), nodeName: targetNodeName(p) } };
    const updated = await t.client.update(R.pods, p.metadata.namespace, bound as KObject);
    await t.client.updateStatus(R.pods, p.metadata.namespace, { ...updated, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2023-12-31T00:00:00Z' }] } });
  }
}
const podNodes = (t: TestContext): string[] => t.client.objects(R.pods).map((p) => targetNodeName(p) ?? '?').sort();

test('one pod per eligible node, including a node added later; removed with its node', async () => {
  const t = newTestContext();
  t.client.seed(R.nodes, node('n1'));
  t.client.seed(R.nodes, node('n2'));
  t.client.seed(R.nodes, node('n3', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]));
  const c = new DaemonSetController(t.ctx);
  seedDs(t);
  await c.reconcile('kube-system/agent');
  assert.deepEqual(podNodes(t), ['n1', 'n2']);
  const pod = t.client.objects(R.pods)[0]!;
  assert.equal(pod.metadata.generateName, 'agent-');
  assert.ok(pod.metadata.labels!['controller-revision-hash']);
  assert.equal(pod.metadata.labels!['pod-template-generation'], '1');
  assert.ok(((pod.spec as { tolerations: { key: string }[] }).tolerations).some((x) => x.key === 'node.kubernetes.io/not-ready'));
  assert.ok(t.recorder.events.every((e) => e.reason === 'SuccessfulCreate' && e.message.startsWith('Created pod: agent-')));
  await schedule(t);
  await c.reconcile('kube-system/agent');
  let ds = t.client.object<ServedDaemonSet>(R.daemonsets, 'kube-system', 'agent')!;
  assert.equal(ds.status?.desiredNumberScheduled, 2);
  assert.equal(ds.status?.numberReady, 2);
  assert.equal(ds.status?.updatedNumberScheduled, 2);

  t.client.seed(R.nodes, node('n4'));
  await c.reconcile('kube-system/agent');
  assert.deepEqual(podNodes(t), ['n1', 'n2', 'n4']);
  await schedule(t);
  await t.client.delete(R.nodes, undefined, 'n4');
  t.client.seed(R.nodes, node('n2', [{ key: 'evict', effect: 'NoExecute' }]));
  await c.reconcile('kube-system/agent');
  assert.deepEqual(podNodes(t), ['n1', 'n4'], 'n2 pod evicted; the n4 pod is bound, left to pod GC');
  ds = t.client.object<ServedDaemonSet>(R.daemonsets, 'kube-system', 'agent')!;
  assert.equal(ds.status?.desiredNumberScheduled, 1);
});

test('rolling update replaces one node at a time', async () => {
  const t = newTestContext();
  for (const n of ['n1', 'n2', 'n3']) t.client.seed(R.nodes, node(n));
  const c = new DaemonSetController(t.ctx);
  const ds = seedDs(t);
  await c.reconcile('kube-system/agent');
  await schedule(t);
  await c.reconcile('kube-system/agent');
  const oldHash = t.client.objects(R.pods)[0]!.metadata.labels!['controller-revision-hash'];
  t.client.seed(R.daemonsets, { ...t.client.object<ServedDaemonSet>(R.daemonsets, 'kube-system', 'agent')!, spec: { ...ds.spec, template: { ...ds.spec.template!, spec: { containers: [{ name: 'a', image: 'agent:2' }] } } } });
  await c.reconcile('kube-system/agent');
  assert.equal(t.client.objects(R.pods).length, 2, 'one old pod deleted');
  for (let i = 0; i < 6; i++) { await c.reconcile('kube-system/agent'); await schedule(t); }
  const pods = t.client.objects(R.pods);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.metadata.labels!['controller-revision-hash'] !== oldHash));
  assert.equal(t.client.objects(R.controllerrevisions).length, 2);
});
