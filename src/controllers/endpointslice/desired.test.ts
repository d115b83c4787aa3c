import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointSlice, KObject } from '../../api/types/index.js';
import { desiredEndpointGroups, reconcileSlices } from './desired.js';

const svc: KObject = Object.freeze({
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { clusterIP: '10.43.0.9', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
});

function pod(i: number, opts: { ready?: boolean; deleting?: boolean; named?: boolean } = {}): KObject {
  return Object.freeze({
    metadata: { name: `p${i}`, namespace: 'ns', uid: `u${i}`, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: opts.named === false ? [] : [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  });
}

const zones = (n: string): string | undefined => (n === 'n1' ? 'zone-a' : undefined);

test('endpoint conditions, zone, targetRef and ports', () => {
  const groups = desiredEndpointGroups(svc, [pod(1), pod(2, { ready: false }), pod(3, { deleting: true })], zones);
  assert.equal(groups.size, 1);
  const g = [...groups.values()][0];
  assert.deepEqual(g.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(g.endpoints.map((e) => e.conditions), [
    { ready: true, serving: true, terminating: false },
    { ready: false, serving: false, terminating: false },
    { ready: false, serving: true, terminating: true },
  ]);
  assert.deepEqual(g.endpoints[0].targetRef, { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'u1' });
  assert.equal(g.endpoints[0].zone, 'zone-a');
  assert.equal(g.endpoints[0].nodeName, 'n1');
});

test('pods without the named port go to a slice with a different port set', () => {
  const groups = desiredEndpointGroups(svc, [pod(1), pod(2, { named: false })], zones);
  assert.equal(groups.size, 2);
  const plan = reconcileSlices(svc, groups, []);
  assert.equal(plan.create.length, 2);
  assert.deepEqual(plan.create.map((s) => (s.ports as unknown[]).length).sort(), [0, 1]);
  const m = plan.create[0].metadata;
  assert.equal(m.generateName, 'web-');
  assert.deepEqual(m.labels, { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(m.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
});

test('packs at most 100 endpoints per slice', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(i));
  const plan = reconcileSlices(svc, desiredEndpointGroups(svc, pods, zones), []);
  assert.deepEqual(plan.create.map((s) => (s.endpoints as unknown[]).length), [100, 100, 50]);
});

function asExisting(s: EndpointSlice, name: string): EndpointSlice {
  return Object.freeze({ ...s, metadata: { ...s.metadata, name, resourceVersion: '1', generateName: undefined } });
}

test('updates slices in place, fills freed room before creating, deletes empty ones', () => {
  const pods = Array.from({ length: 150 }, (_, i) => pod(i));
  const first = reconcileSlices(svc, desiredEndpointGroups(svc, pods, zones), []);
  const existing = first.create.map((s, i) => asExisting(s, `web-${i}`));
  // Unchanged: nothing to do.
  const same = reconcileSlices(svc, desiredEndpointGroups(svc, pods, zones), existing);
  assert.deepEqual([same.create.length, same.update.length, same.delete.length], [0, 0, 0]);
  // Drop 10 pods from the first slice, add 5 new: one update, nothing created.
  const next = [...pods.slice(10), ...Array.from({ length: 5 }, (_, i) => pod(1000 + i))];
  const plan = reconcileSlices(svc, desiredEndpointGroups(svc, next, zones), existing);
  assert.equal(plan.create.length, 0);
  assert.deepEqual(plan.update.map((s) => [s.metadata.name, (s.endpoints as Endpoint[]).length]), [['web-0', 95]]);
  // Every pod gone: slices deleted, one placeholder created.
  const none = reconcileSlices(svc, new Map(), existing);
  assert.equal(none.delete.length, 2);
  assert.deepEqual(none.create.map((s) => [s.endpoints, s.ports]), [[[], []]]);
  // The placeholder is kept as is.
  const placeholder = asExisting(none.create[0], 'web-p');
  const again = reconcileSlices(svc, new Map(), [placeholder]);
  assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
});

test('a changed endpoint condition updates its slice', () => {
  const pods = [pod(1), pod(2)];
  const existing = reconcileSlices(svc, desiredEndpointGroups(svc, pods, zones), []).create.map((s, i) => asExisting(s, `web-${i}`));
  const plan = reconcileSlices(svc, desiredEndpointGroups(svc, [pod(1), pod(2, { ready: false })], zones), existing, '2024-01-01T00:00:00Z');
  assert.equal(plan.update.length, 1);
  assert.equal((plan.update[0].endpoints as Endpoint[])[1].conditions!.ready, false);
  assert.equal(plan.update[0].metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2024-01-01T00:00:00Z');
});
