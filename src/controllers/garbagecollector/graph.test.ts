import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, OwnerReference } from '../../api/types/index.js';
import { R } from '../../client/resources.js';
import { OwnerGraph } from './graph.js';
import { classify, decide, removeFinalizerPatch, removeOwnerRefsPatch, resourceForKind, type OwnerState } from './decide.js';

function obj(uid: string, owners: OwnerReference[] = [], extra: Partial<KObject['metadata']> = {}): KObject {
  return Object.freeze({ apiVersion: 'v1', metadata: { uid, name: uid, namespace: 'ns', resourceVersion: '1', ownerReferences: owners, ...extra } });
}
const ref = (uid: string, block = true): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true, blockOwnerDeletion: block });

test('dependents are indexed by owner uid; absent owners become virtual and are looked at', () => {
  const g = new OwnerGraph();
  assert.deepEqual(g.observe(obj('pod1', [ref('rs1')]), R.pods).sort(), ['pod1', 'rs1']);
  assert.equal(g.get('rs1')?.virtual, true);
  // The owner shows up: it is real now, its dependents get another look.
  assert.deepEqual(g.observe(obj('rs1'), R.replicasets), ['pod1']);
  assert.equal(g.get('rs1')?.virtual, false);
  assert.deepEqual(g.observe(obj('pod2', [ref('rs1')]), R.pods), []);
  assert.deepEqual(g.dependents('rs1').map((n) => n.uid).sort(), ['pod1', 'pod2']);
  // Owner deleted: each dependent is processed.
  assert.deepEqual(g.remove('rs1').sort(), ['pod1', 'pod2']);
  assert.equal(g.get('rs1'), undefined);
});

test('foreground deletion enqueues the owner and its dependents; blocking dependents tracked', () => {
  const g = new OwnerGraph();
  g.observe(obj('rs1'), R.replicasets);
  g.observe(obj('pod1', [ref('rs1')]), R.pods);
  g.observe(obj('pod2', [ref('rs1', false)]), R.pods);
  const out = g.observe(obj('rs1', [], { deletionTimestamp: 'now', finalizers: ['foregroundDeletion'], resourceVersion: '2' }), R.replicasets);
  assert.deepEqual(out.sort(), ['pod1', 'pod2', 'rs1']);
  assert.deepEqual(g.blockingDependents('rs1').map((n) => n.uid), ['pod1']);
  // The blocking dependent goes away: the owner is looked at again.
  assert.deepEqual(g.remove('pod1'), ['rs1']);
  assert.deepEqual(g.blockingDependents('rs1'), []);
});

test('orphan finalizer enqueues the owner once; dropping a reference unlinks', () => {
  const g = new OwnerGraph();
  g.observe(obj('rs1'), R.replicasets);
  g.observe(obj('pod1', [ref('rs1')]), R.pods);
  assert.deepEqual(g.observe(obj('rs1', [], { deletionTimestamp: 'now', finalizers: ['orphan'] }), R.replicasets), ['rs1']);
  g.observe(obj('pod1', []), R.pods);
  assert.equal(g.dependentCount('rs1'), 0);
});

test('decisions follow upstream attemptToDeleteItem', () => {
  const refs = [ref('a'), ref('b')];
  const states = (a: OwnerState, b: OwnerState) => new Map([['a', a], ['b', b]]);
  const o = obj('x', refs);
  assert.deepEqual(decide(o, classify(refs, states('solid', 'solid')), false), { kind: 'none' });
  assert.deepEqual(decide(o, classify(refs, states('solid', 'dangling')), false), { kind: 'removeOwnerRefs', uids: ['b'] });
  assert.deepEqual(decide(o, classify(refs, states('dangling', 'dangling')), true), { kind: 'delete', policy: 'Background' });
  assert.deepEqual(decide(o, classify(refs, states('waitingForDependentsDeletion', 'dangling')), true), { kind: 'delete', policy: 'Foreground' });
  assert.deepEqual(decide(o, classify(refs, states('waitingForDependentsDeletion', 'dangling')), false), { kind: 'delete', policy: 'Background' });
  assert.deepEqual(decide(obj('x', refs, { finalizers: ['orphan'] }), classify(refs, states('dangling', 'dangling')), false), { kind: 'delete', policy: 'Orphan' });
});

test('patches test what they remove', () => {
  const o = obj('x', [ref('a'), ref('b'), ref('c')], { finalizers: ['f', 'orphan'] });
  assert.deepEqual(removeOwnerRefsPatch(o, ['a', 'c']), [
    { op: 'test', path: '/metadata/uid', value: 'x' },
    { op: 'test', path: '/metadata/ownerReferences/2/uid', value: 'c' },
    { op: 'remove', path: '/metadata/ownerReferences/2' },
    { op: 'test', path: '/metadata/ownerReferences/0/uid', value: 'a' },
    { op: 'remove', path: '/metadata/ownerReferences/0' },
  ]);
  assert.deepEqual(removeFinalizerPatch(o, 'orphan')?.slice(1), [
    { op: 'test', path: '/metadata/finalizers/1', value: 'orphan' },
    { op: 'remove', path: '/metadata/finalizers/1' },
  ]);
  assert.equal(removeFinalizerPatch(o, 'nope'), undefined);
});

test('owner kinds resolve to stored resources', () => {
  assert.equal(resourceForKind('apps/v1', 'Deployment')?.resource, 'deployments');
  assert.equal(resourceForKind('v1', 'Node')?.namespaced, false);
  assert.equal(resourceForKind('autoscaling/v1', 'HorizontalPodAutoscaler')?.version, 'v2');
  assert.equal(resourceForKind('example.com/v1', 'Widget'), undefined);
});

test('10,000 dependents: graph operations stay per-object', () => {
  const g = new OwnerGraph();
  g.observe(obj('rs'), R.replicasets);
  for (let i = 0; i < 10_000; i++) g.observe(obj(`p${i}`, [ref('rs')]), R.pods);
  assert.equal(g.dependentCount('rs'), 10_000);
  assert.equal(g.remove('rs').length, 10_000);
});
