import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, StatefulSet } from '../../api/types/index.js';
import {
  claimsFor, computeStatus, desiredClaimOwnerRefs, newStatefulSetPod, planStatefulSet, POD_INDEX_LABEL,
  STATEFULSET_POD_NAME_LABEL, type StatefulSetAction,
} from './index.js';

const NOW = Date.UTC(2024, 0, 1);
const tpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }], volumes: [{ name: 'www', emptyDir: {} }] } };

function set(over: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'set-uid', generation: 1 },
    spec: { replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } }, template: tpl, ...over },
  };
}

function pod(s: StatefulSet, ord: number, opts: { ready?: boolean; phase?: string; rev?: string; deleting?: boolean } = {}): KObject {
  const p = newStatefulSetPod(s, tpl, ord, opts.rev ?? 'web-r1');
  p.metadata.uid = `pod-${ord}`;
  if (opts.deleting) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  p.status = {
    phase: opts.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: '2023-12-31T00:00:00Z' }],
  };
  return p;
}

const summary = (a: StatefulSetAction[]): string[] => a.map((x) => (x.type === 'create' ? `create ${x.ordinal}` : `${x.type} ${x.pod.metadata.name}`));
const plan = (s: StatefulSet, pods: KObject[], updateRevision = 'web-r1'): string[] => summary(planStatefulSet({ set: s, pods, updateRevision, now: NOW }));

test('new pods carry identity labels, hostname, subdomain and claim volumes', () => {
  const s = set({ volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }] });
  const p = newStatefulSetPod(s, tpl, 2, 'web-abc');
  assert.equal(p.metadata.name, 'web-2');
  assert.equal(p.metadata.labels![STATEFULSET_POD_NAME_LABEL], 'web-2');
  assert.equal(p.metadata.labels![POD_INDEX_LABEL], '2');
  assert.equal(p.metadata.labels!['controller-revision-hash'], 'web-abc');
  const spec = p.spec as { hostname: string; subdomain: string; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  assert.equal(spec.hostname, 'web-2');
  assert.equal(spec.subdomain, 'nginx');
  assert.deepEqual(spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }]);
  assert.equal(claimsFor(s, 2).get('www')!.metadata.name, 'www-web-2');
  assert.deepEqual(claimsFor(s, 2).get('www')!.metadata.labels, { app: 'web' });
});

test('OrderedReady creates one pod at a time, waiting for Running and Ready', () => {
  const s = set();
  assert.deepEqual(plan(s, []), ['create 0']);
  assert.deepEqual(plan(s, [pod(s, 0, { ready: false })]), []);
  assert.deepEqual(plan(s, [pod(s, 0, { phase: 'Pending', ready: false })]), []);
  assert.deepEqual(plan(s, [pod(s, 0)]), ['create 1']);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1)]), ['create 2']);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2)]), []);
});

test('ordinals start at spec.ordinals.start', () => {
  const s = set({ ordinals: { start: 5 }, replicas: 2 });
  assert.deepEqual(plan(s, []), ['create 5']);
  assert.deepEqual(plan(s, [pod(s, 5)]), ['create 6']);
});

test('Parallel creates every missing pod at once', () => {
  const s = set({ podManagementPolicy: 'Parallel' });
  assert.deepEqual(plan(s, []), ['create 0', 'create 1', 'create 2']);
});

test('scale down deletes in reverse order, one at a time, only when all are healthy', () => {
  const s = set({ replicas: 1 });
  const all = [pod(s, 0), pod(s, 1), pod(s, 2)];
  assert.deepEqual(plan(s, all), ['delete web-2']);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, { deleting: true })]), []);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1)]), ['delete web-1']);
  // An unhealthy pod in range blocks deletion; the target itself may be the unhealthy one.
  // (As upstream, a lower condemned pod being unhealthy does not block a healthy higher one.)
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1, { ready: false }), pod(s, 2)]), ['delete web-2']);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, { ready: false })]), ['delete web-2']);
  assert.deepEqual(plan(s, [pod(s, 0, { ready: false }), pod(s, 1)]), []);
  // Parallel deletes all condemned pods together.
  assert.deepEqual(plan(set({ replicas: 1, podManagementPolicy: 'Parallel' }), all), ['delete web-2', 'delete web-1']);
});

test('failed pods are deleted to be recreated', () => {
  const s = set();
  assert.deepEqual(plan(s, [pod(s, 0, { phase: 'Failed' })]), ['delete web-0']);
});

test('RollingUpdate replaces pods from the highest ordinal down to the partition, one at a time', () => {
  const s = set();
  const old = [pod(s, 0), pod(s, 1), pod(s, 2)];
  assert.deepEqual(plan(s, old, 'web-r2'), ['delete web-2']);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, { rev: 'web-r2', ready: false })], 'web-r2'), []);
  assert.deepEqual(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, { rev: 'web-r2' })], 'web-r2'), ['delete web-1']);
  const part = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
  assert.deepEqual(plan(part, [pod(part, 0), pod(part, 1), pod(part, 2, { rev: 'web-r2' })], 'web-r2'), []);
  const onDelete = set({ updateStrategy: { type: 'OnDelete' } });
  assert.deepEqual(plan(onDelete, old, 'web-r2'), []);
});

test('status counts revisions and completes a rolling update', () => {
  const s = set();
  const st = computeStatus(s, [pod(s, 0), pod(s, 1, { rev: 'web-r2' }), pod(s, 2, { ready: false })], 'web-r1', 'web-r2', 0, NOW);
  assert.equal(st.replicas, 3);
  assert.equal(st.readyReplicas, 2);
  assert.equal(st.availableReplicas, 2);
  assert.equal(st.currentReplicas, 2);
  assert.equal(st.updatedReplicas, 1);
  assert.equal(st.currentRevision, 'web-r1');
  const done = computeStatus(s, [0, 1, 2].map((i) => pod(s, i, { rev: 'web-r2' })), 'web-r1', 'web-r2', 0, NOW);
  assert.equal(done.currentRevision, 'web-r2');
  assert.equal(done.currentReplicas, 3);
  assert.equal(done.observedGeneration, 1);
});

test('claim owner references follow the retention policy', () => {
  const p = { metadata: { name: 'web-3', uid: 'pod-3' } };
  const claim = { metadata: { name: 'www-web-3', ownerReferences: [] } };
  const retain = set();
  assert.deepEqual(desiredClaimOwnerRefs(claim, retain, p, 3), []);
  const del = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
  assert.deepEqual(desiredClaimOwnerRefs(claim, del, p, 1).map((r) => r.kind), ['StatefulSet']);
  const scaled = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
  assert.deepEqual(desiredClaimOwnerRefs(claim, scaled, p, 3).map((r) => r.kind), ['Pod']);
  assert.deepEqual(desiredClaimOwnerRefs(claim, scaled, p, 1).map((r) => r.kind), ['StatefulSet']);
});
