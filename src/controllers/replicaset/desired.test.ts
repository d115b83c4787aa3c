import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../../util/time.js';
import { EVERYTHING, labelSelectorFromMeta } from '../../api/selectors/index.js';
import { calculateStatus, nextAvailabilityCheck, podFromTemplate, slowStartBatch, statusToWrite } from './desired.js';
import { claimDecision } from './claim.js';
import type { Pod, ReplicaSet, PodSpec } from '../../api/types/index.js';

const NOW = Date.UTC(2024, 0, 1, 12);

function rs(o: Partial<ReplicaSet['spec']> = {}, status?: ReplicaSet['status']): ReplicaSet {
  return Object.freeze({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'ns', uid: 'rs-uid', generation: 2 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...o },
    status,
  }) as ReplicaSet;
}

function pod(name: string, labels: Record<string, string>, readyAgoS?: number): Pod {
  const p: Pod = { metadata: { name, namespace: 'ns', uid: name, labels }, spec: { nodeName: 'n1' } as PodSpec, status: { phase: 'Running' } };
  if (readyAgoS !== undefined) p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(NOW - readyAgoS * 1000) }];
  return p;
}

test('pods from the template: generateName, labels, controller ref, namespace', () => {
  const p = podFromTemplate(rs());
  assert.equal(p.metadata.generateName, 'web-abc-');
  assert.equal(p.metadata.namespace, 'ns');
  assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'fe' });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(p.spec, { containers: [{ name: 'c', image: 'nginx' }] });
});

test('status counts fully labeled, ready and available (minReadySeconds)', () => {
  const r = rs({ minReadySeconds: 10 });
  const pods = [pod('a', { app: 'web', tier: 'fe' }, 30), pod('b', { app: 'web' }, 5), pod('c', { app: 'web', tier: 'fe' })];
  const s = calculateStatus(r, pods, undefined, NOW);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
  assert.equal(nextAvailabilityCheck(r, pods, NOW), 5000);
  assert.equal(nextAvailabilityCheck(rs(), pods, NOW), undefined);
});

test('zero counts are omitted but replicas stays', () => {
  assert.deepEqual(calculateStatus(rs(), [], undefined, NOW), { replicas: 0 });
});

test('ReplicaFailure appears on a failed create and goes away after a clean reconcile', () => {
  const s = calculateStatus(rs(), [], new Error('pods "web-abc-" is forbidden: exceeded quota'), NOW);
  assert.deepEqual(s.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(NOW), reason: 'FailedCreate', message: 'pods "web-abc-" is forbidden: exceeded quota' }]);
  const clean = calculateStatus(rs({}, s), [], undefined, NOW);
  assert.equal(clean.conditions, undefined);
});

test('statusToWrite skips identical status with observed generation and stamps the generation', () => {
  const r = rs({}, { replicas: 3, readyReplicas: 3, availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 2 });
  assert.equal(statusToWrite(r, { replicas: 3, readyReplicas: 3, availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 2 }), undefined);
  assert.deepEqual(statusToWrite(rs(), { replicas: 0 }), { replicas: 0, observedGeneration: 2 });
});

test('slow start: batches 1, 2, 4, ... stopping at the first failing batch', async () => {
  const sizes: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => {
    calls++;
    inFlight++;
    await Promise.resolve();
    sizes.push(inFlight);
    inFlight--;
  });
  assert.deepEqual(ok, { successes: 10 });
  assert.equal(calls, 10);
  calls = 0;
  const failing = await slowStartBatch(10, 1, async () => {
    calls++;
    if (calls > 3) throw new Error('quota');
  });
  assert.equal(failing.successes, 3);
  assert.equal(failing.error?.message, 'quota');
  assert.equal(calls, 7, 'batches of 1, 2 and then 4 (the failing one) were attempted');
});

test('claim decisions', () => {
  const owner = rs();
  const sel = labelSelectorFromMeta({ matchLabels: { app: 'web' } });
  const mine = { metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true }] } };
  assert.equal(claimDecision(owner, sel, mine), 'keep');
  assert.equal(claimDecision(owner, sel, { metadata: { ...mine.metadata, labels: { app: 'other' } } }), 'release');
  assert.equal(claimDecision(owner, sel, { metadata: { name: 'o', namespace: 'ns', labels: { app: 'web' } } }), 'adopt');
  assert.equal(claimDecision(owner, sel, { metadata: { name: 'o', namespace: 'ns', labels: { app: 'web' }, deletionTimestamp: 'x' } }), 'ignore');
  assert.equal(claimDecision(owner, EVERYTHING, { metadata: { name: 'o', namespace: 'other', labels: {} } }), 'ignore');
  const theirs = { metadata: { ...mine.metadata, ownerReferences: [{ ...mine.metadata.ownerReferences[0], uid: 'x' }] } };
  assert.equal(claimDecision(owner, sel, theirs), 'ignore');
  const deleting = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: 'x' } };
  assert.equal(claimDecision(deleting, sel, { metadata: { name: 'o', namespace: 'ns', labels: { app: 'web' } } }), 'ignore');
});
