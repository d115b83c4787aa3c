import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findActiveOrLatest, historyToDelete, maxSurge, maxUnavailable, newRSNewReplicas, planOldScaleDown, planScale, resolveFenceposts, scaledValue } from './rollout.js';
import { deployment, replicaSet, T0 } from './testing/fixtures.js';

const steps = (s: { rs: { metadata: { name?: string } }; to: number }[]) => s.map((x) => `${x.rs.metadata.name}=${x.to}`);

test('surge rounds up, unavailable rounds down, both zero means one unavailable', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 5), { surge: 2, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(1, 1, 5), { surge: 1, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('0%', 0, 5), { surge: 0, unavailable: 1 });
  assert.equal(scaledValue('10%', 5, true), 1);
  assert.equal(scaledValue('10%', 5, false), 0);
  assert.throws(() => scaledValue('abc', 5, true));
  assert.equal(maxUnavailable(deployment({ replicas: 2, unavailable: 5 })), 2);
  assert.equal(maxSurge(deployment({ type: 'Recreate' })), 0);
  assert.equal(maxUnavailable(deployment({ type: 'Recreate' })), 0);
});

test("the article's rollout: 5 replicas, maxSurge 1, maxUnavailable 1", () => {
  const d = deployment({ replicas: 5, surge: 1, unavailable: 1 });
  // Start: old RS has 5 available pods; the new RS is created with 1 (5 + 1 surge).
  let oldRS = replicaSet('old', { replicas: 5, createdAt: T0 - 1000 });
  let newRS = replicaSet('new', { replicas: 0, available: 0 });
  assert.equal(newRSNewReplicas(d, [oldRS, newRS], newRS), 1);
  newRS = replicaSet('new', { replicas: 1, available: 0 });
  // No more room to surge; old may drop by one (4 available must remain).
  assert.equal(newRSNewReplicas(d, [oldRS, newRS], newRS), 1);
  assert.deepEqual(steps(planOldScaleDown(d, [oldRS], newRS)), ['old=4']);
  oldRS = replicaSet('old', { replicas: 4, createdAt: T0 - 1000 });
  // Total 5 of max 6: new may grow to 2 while its first pod is not yet available.
  assert.equal(newRSNewReplicas(d, [oldRS, newRS], newRS), 2);
  newRS = replicaSet('new', { replicas: 2, available: 0 });
  // 6 pods, 4 available: nothing more may go.
  assert.deepEqual(planOldScaleDown(d, [oldRS], newRS), []);
  // Both new pods become available: old can drop 2 (6 available - 4).
  newRS = replicaSet('new', { replicas: 2, available: 2 });
  assert.deepEqual(steps(planOldScaleDown(d, [oldRS], newRS)), ['old=2']);
});

test('unhealthy old pods are cleaned up first, oldest ReplicaSet first', () => {
  const d = deployment({ replicas: 5, surge: 1, unavailable: 1 });
  const older = replicaSet('older', { replicas: 2, available: 0, createdAt: T0 - 2000 });
  const old = replicaSet('old', { replicas: 3, available: 3, createdAt: T0 - 1000 });
  const newRS = replicaSet('new', { replicas: 1, available: 1 });
  // 6 pods, minAvailable 4, new unavailable 0: maxScaledDown 2, both taken by unhealthy pods;
  // then available 4 ≤ 4, so no healthy pod goes.
  assert.deepEqual(steps(planOldScaleDown(d, [old, older], newRS)), ['older=0']);
});

test('proportional scaling spreads a scale-up over the active ReplicaSets (docs example)', () => {
  // 10 replicas, maxSurge 3, maxUnavailable 2, stuck rollout: old 8, new 5; scaled to 15.
  const d = deployment({ replicas: 15, surge: 3, unavailable: 2, statusReplicas: 13 });
  const old = replicaSet('old', { replicas: 8, createdAt: T0 - 1000, desired: 10, max: 13 });
  const newRS = replicaSet('new', { replicas: 5, available: 0, desired: 10, max: 13 });
  const plan = planScale(d, newRS, [old]);
  assert.equal(plan.operation, 'up');
  assert.deepEqual(steps(plan.steps).sort(), ['new=7', 'old=11']);
});

test('proportional scale-down, larger first and leftovers to the largest', () => {
  const d = deployment({ replicas: 5, surge: 1, unavailable: 1 });
  const old = replicaSet('old', { replicas: 6, createdAt: T0 - 1000, desired: 10, max: 11 });
  const newRS = replicaSet('new', { replicas: 5, available: 0, desired: 10, max: 11 });
  const plan = planScale(d, newRS, [old]);
  assert.equal(plan.operation, 'down');
  const total = plan.steps.reduce((n, s) => n + s.to, 0);
  assert.equal(total, 6, 'replicas + maxSurge');
  assert.deepEqual(steps(plan.steps), ['old=3', 'new=3']);
  assert.equal(plan.steps[0].rs.metadata.name, 'old');
});

test('one active ReplicaSet takes the full count; a saturated new one drains the old ones', () => {
  const d = deployment({ replicas: 7 });
  const only = replicaSet('only', { replicas: 5 });
  const idle = replicaSet('idle', { replicas: 0, createdAt: T0 - 5000 });
  assert.equal(findActiveOrLatest(undefined, [idle, only])?.metadata.name, 'only');
  assert.deepEqual(steps(planScale(d, only, [idle]).steps), ['only=7']);
  const sat = replicaSet('new', { replicas: 7, desired: 7 });
  const old = replicaSet('old', { replicas: 2, createdAt: T0 - 5000 });
  assert.deepEqual(steps(planScale(d, sat, [old]).steps), ['old=0']);
});

test('history clean-up deletes the oldest revisions beyond the limit, only when empty and observed', () => {
  const d = deployment({ revisionHistoryLimit: 2 });
  const rss = [
    replicaSet('r1', { replicas: 0, revision: 1 }),
    replicaSet('r2', { replicas: 0, revision: 2, generation: 3, observed: 2 }),
    replicaSet('r3', { replicas: 0, revision: 3 }),
    replicaSet('r4', { replicas: 0, revision: 4 }),
    replicaSet('r5', { replicas: 0, revision: 5 }),
  ];
  // 5 old, limit 2: the three oldest are candidates; r2 has an unobserved generation.
  assert.deepEqual(historyToDelete(d, rss).map((r) => r.metadata.name), ['r1', 'r3']);
  assert.deepEqual(historyToDelete(deployment({ revisionHistoryLimit: 10 }), rss), []);
});
