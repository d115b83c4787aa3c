import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../../util/time.js';
import { calculateStatus, getDeploymentCondition, pausedConditionStatus, rolloutStatus, stuckRequeueAfter } from './status.js';
import { deployment, replicaSet, T0 } from './testing/fixtures.js';

test('status counts with zero fields omitted and the Available condition', () => {
  const d = deployment({ replicas: 5 });
  const old = replicaSet('old', { replicas: 0, statusReplicas: 0, available: 0 });
  const newRS = replicaSet('new', { replicas: 5 });
  const s = calculateStatus(d, [old, newRS], newRS, T0);
  assert.deepEqual(s, {
    observedGeneration: 1, replicas: 5, updatedReplicas: 5, readyReplicas: 5, availableReplicas: 5,
    conditions: [{ type: 'Available', status: 'True', lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }],
  });
  const low = calculateStatus(d, [replicaSet('new', { replicas: 5, available: 3 })], undefined, T0);
  assert.equal(low.unavailableReplicas, 2);
  assert.equal(low.updatedReplicas, undefined);
  assert.equal(getDeploymentCondition(low, 'Available')?.reason, 'MinimumReplicasUnavailable');
  assert.equal(getDeploymentCondition(low, 'Available')?.message, 'Deployment does not have minimum availability.');
});

test('Progressing: ReplicaSetUpdated on progress, NewReplicaSetAvailable when complete', () => {
  const d = deployment({ replicas: 5 });
  d.status = { observedGeneration: 1, replicas: 6, updatedReplicas: 1, availableReplicas: 4, conditions: [
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: 'Created new replica set "web-1"', lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) },
  ] };
  const old = replicaSet('web-0', { replicas: 4 });
  const newRS = replicaSet('web-1', { replicas: 2, available: 1 });
  const later = T0 + 30_000;
  const s = rolloutStatus(d, [old, newRS], newRS, later);
  const p = getDeploymentCondition(s, 'Progressing');
  assert.deepEqual(p, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-1" is progressing.', lastUpdateTime: rfc3339(later), lastTransitionTime: rfc3339(T0) });

  const done = replicaSet('web-1', { replicas: 5 });
  const s2 = rolloutStatus(d, [replicaSet('web-0', { replicas: 0, statusReplicas: 0, available: 0 }), done], done, later);
  assert.equal(getDeploymentCondition(s2, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.equal(getDeploymentCondition(s2, 'Progressing')?.message, 'ReplicaSet "web-1" has successfully progressed.');
});

test('progress deadline: requeue at the deadline, then ProgressDeadlineExceeded', () => {
  const d = deployment({ replicas: 5 });
  const since = rfc3339(T0);
  d.status = { observedGeneration: 1, replicas: 6, updatedReplicas: 1, readyReplicas: 5, availableReplicas: 5, unavailableReplicas: 1, conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: since, lastTransitionTime: since },
    { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-1" is progressing.', lastUpdateTime: since, lastTransitionTime: since },
  ] };
  const old = replicaSet('web-0', { replicas: 5 });
  const newRS = replicaSet('web-1', { replicas: 1, available: 0 });
  const early = rolloutStatus(d, [old, newRS], newRS, T0 + 100_000);
  assert.deepEqual(early, d.status, 'no progress, no change before the deadline');
  assert.equal(stuckRequeueAfter(d, early, T0 + 100_000), 501_000);
  assert.equal(stuckRequeueAfter(d, early, T0 + 599_500), 0);
  const late = rolloutStatus(d, [old, newRS], newRS, T0 + 600_001);
  const p = getDeploymentCondition(late, 'Progressing');
  assert.equal(p?.status, 'False');
  assert.equal(p?.reason, 'ProgressDeadlineExceeded');
  assert.equal(p?.message, 'ReplicaSet "web-1" has timed out progressing.');
  assert.equal(p?.lastTransitionTime, rfc3339(T0 + 600_001));
});

test('ReplicaFailure of a ReplicaSet is mirrored', () => {
  const d = deployment({ replicas: 2 });
  const newRS = replicaSet('web-1', { replicas: 2, statusReplicas: 0, available: 0 });
  newRS.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: rfc3339(T0) }];
  const s = rolloutStatus(d, [newRS], newRS, T0);
  assert.deepEqual(getDeploymentCondition(s, 'ReplicaFailure'), { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) });
});

test('paused and resumed conditions', () => {
  const d = deployment();
  d.spec!.paused = true;
  const s = pausedConditionStatus(d, T0);
  assert.equal(getDeploymentCondition(s, 'Progressing')?.reason, 'DeploymentPaused');
  assert.equal(getDeploymentCondition(s, 'Progressing')?.status, 'Unknown');
  assert.equal(getDeploymentCondition(s, 'Progressing')?.message, 'Deployment is paused');
  d.status = s;
  assert.equal(pausedConditionStatus(d, T0), undefined);
  d.spec!.paused = false;
  assert.equal(getDeploymentCondition(pausedConditionStatus(d, T0 + 1000), 'Progressing')?.reason, 'DeploymentResumed');
});
