import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { isConflict } from '../status.js';
import {
  bindPod, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, initServerMetadata, keepServerMetadata, nextGeneration, planDelete,
  podGracePeriod, readyToRemove, specChanged,
} from './write-rules.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const obj = (meta: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', namespace: 'ns', uid: 'u1', ...meta }, ...rest }) as KObject;

test('specChanged looks at everything outside metadata and status', () => {
  assert.equal(specChanged(obj({}, { spec: { a: 1 } }), obj({ labels: { x: 'y' } }, { spec: { a: 1 }, status: { b: 2 } })), false);
  assert.equal(specChanged(obj({}, { data: { a: '1' } }), obj({}, { data: { a: '2' } })), true);
  assert.equal(nextGeneration(true, obj({}, { spec: { r: 2 } }), obj({ generation: 3 }, { spec: { r: 1 } })), 4);
  assert.equal(nextGeneration(true, obj({}, { spec: { r: 1 } }), obj({ generation: 3 }, { spec: { r: 1 } })), 3);
  assert.equal(nextGeneration(false, obj({}, { data: { a: '2' } }), obj({}, { data: { a: '1' } })), undefined);
});

test('initServerMetadata and keepServerMetadata own the server fields', () => {
  const o = obj({ resourceVersion: '9', deletionTimestamp: 'x', deletionGracePeriodSeconds: 3, selfLink: '/x', generation: 7 });
  initServerMetadata(o, { uid: 'u2', now: NOW, tracksGeneration: false });
  assert.deepEqual(o.metadata, { name: 'o', namespace: 'ns', uid: 'u2', creationTimestamp: '2026-01-01T00:00:00Z' });
  const tracked = obj();
  initServerMetadata(tracked, { uid: 'u3', now: NOW, tracksGeneration: true });
  assert.equal(tracked.metadata.generation, 1);

  const old = obj({ uid: 'u1', generation: 2, creationTimestamp: 't0', generateName: 'o-' });
  const next = obj({ name: 'other', namespace: 'elsewhere', uid: 'forged', generation: 99, creationTimestamp: 't9', labels: { a: 'b' } });
  next.apiVersion = 'v9';
  keepServerMetadata(next, old);
  assert.deepEqual(next.metadata, { name: 'o', namespace: 'ns', uid: 'u1', generation: 2, creationTimestamp: 't0', labels: { a: 'b' }, generateName: 'o-' });
  assert.equal(next.apiVersion, 'v1');
});

test('planDelete: no finalizers and no grace removes at once', () => {
  assert.deepEqual(planDelete(obj(), {}, 0, NOW), { kind: 'remove' });
  assert.deepEqual(planDelete(obj(), { propagationPolicy: 'Background' }, 0, NOW), { kind: 'remove' });
});

test('planDelete: the propagation policy adds its finalizer and marks the object', () => {
  const orphan = planDelete(obj(), { propagationPolicy: 'Orphan' }, 0, NOW);
  assert.equal(orphan.kind, 'mark');
  assert.deepEqual(orphan.kind === 'mark' && orphan.object.metadata.finalizers, [FINALIZER_ORPHAN]);
  assert.equal(orphan.kind === 'mark' && orphan.object.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(orphan.kind === 'mark' && orphan.object.metadata.deletionGracePeriodSeconds, 0);
  const legacy = planDelete(obj(), { orphanDependents: true }, 0, NOW);
  assert.deepEqual(legacy.kind === 'mark' && legacy.object.metadata.finalizers, [FINALIZER_ORPHAN]);
  const fg = planDelete(obj({ finalizers: [FINALIZER_ORPHAN] }), { propagationPolicy: 'Foreground' }, 0, NOW);
  assert.deepEqual(fg.kind === 'mark' && fg.object.metadata.finalizers, [FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);
  // Background drops a pending orphan finalizer: nothing holds the object any more.
  assert.deepEqual(planDelete(obj({ finalizers: [FINALIZER_ORPHAN] }), { propagationPolicy: 'Background' }, 0, NOW), { kind: 'remove' });
});

test('planDelete: a grace period marks with deletionTimestamp in the future; a later delete may only shorten it', () => {
  const first = planDelete(obj(), {}, 30, NOW);
  assert.equal(first.kind, 'mark');
  const marked = first.kind === 'mark' ? first.object : obj();
  assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  const longer = planDelete(marked, {}, 60, NOW + 1000);
  assert.equal(longer.kind === 'mark' && longer.object.metadata.deletionGracePeriodSeconds, 30, 'not lengthened');
  const shorter = planDelete(marked, {}, 5, NOW + 1000);
  assert.equal(shorter.kind === 'mark' && shorter.object.metadata.deletionTimestamp, '2026-01-01T00:00:06Z');
  assert.deepEqual(planDelete(marked, {}, 0, NOW + 1000), { kind: 'remove' }, 'grace 0 without finalizers removes');
  const held = planDelete(obj({ finalizers: ['x/y'] }), {}, 0, NOW);
  assert.equal(held.kind, 'mark');
});

test('readyToRemove: deleting, no finalizers, no grace left', () => {
  assert.equal(readyToRemove(obj({ deletionTimestamp: 't', deletionGracePeriodSeconds: 0 })), true);
  assert.equal(readyToRemove(obj({ deletionTimestamp: 't' })), true);
  assert.equal(readyToRemove(obj({ deletionTimestamp: 't', finalizers: ['a'] })), false);
  assert.equal(readyToRemove(obj({ deletionTimestamp: 't', deletionGracePeriodSeconds: 30 })), false);
  assert.equal(readyToRemove(obj()), false);
});

test('podGracePeriod: graceful only when bound and not terminal', () => {
  const pod = (spec: Record<string, unknown>, phase?: string, meta: Record<string, unknown> = {}): KObject =>
    obj(meta, { spec, status: phase ? { phase } : {} });
  assert.equal(podGracePeriod(pod({}), {}), 0, 'unbound');
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }), {}), 30);
  assert.equal(podGracePeriod(pod({ nodeName: 'n', terminationGracePeriodSeconds: 5 }), {}), 5);
  assert.equal(podGracePeriod(pod({ nodeName: 'n', terminationGracePeriodSeconds: 5 }), { gracePeriodSeconds: 0 }), 0);
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }, undefined, { deletionGracePeriodSeconds: 12 }), {}), 12, 'a pending deletion keeps its grace');
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }, 'Succeeded'), {}), 0);
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }, 'Failed'), {}), 0);
  assert.equal(podGracePeriod(pod({ nodeName: 'n' }), { gracePeriodSeconds: -3 }), 0);
});

test('bindPod sets nodeName and PodScheduled; bound or deleting pods are a conflict', () => {
  const p = obj({}, { spec: {}, status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }, { type: 'Ready', status: 'False' }] } });
  bindPod(p, 'n1', NOW);
  assert.equal((p.spec as { nodeName: string }).nodeName, 'n1');
  assert.deepEqual((p.status as { conditions: unknown[] }).conditions, [
    { type: 'Ready', status: 'False' },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
  ]);
  assert.throws(() => bindPod(p, 'n2', NOW), (e) => isConflict(e) && /already assigned to node "n1"/.test((e as Error).message));
  assert.throws(() => bindPod(obj({ deletionTimestamp: 't' }, { spec: {} }), 'n1', NOW), (e) => isConflict(e) && /being deleted/.test((e as Error).message));
});
