import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredTaints, evictionTime, tolerates, type Toleration } from './taints.js';
import { observeHealth, unknownConditions } from './health.js';

const T0 = Date.UTC(2024, 0, 1);
const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const defaults: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

test('eviction time: default tolerations give 300 s, none evicts now, unbounded never', () => {
  assert.equal(evictionTime(defaults, [unreachable], T0), T0 + 300_000);
  assert.equal(evictionTime([], [unreachable], T0), T0);
  assert.equal(evictionTime([{ operator: 'Exists' }], [unreachable], T0), undefined);
  assert.equal(evictionTime([{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 10 }, { operator: 'Exists', tolerationSeconds: 60 }], [unreachable], T0), T0 + 10_000);
  assert.equal(evictionTime([{ key: unreachable.key, operator: 'Exists', tolerationSeconds: -5 }], [unreachable], T0), T0);
  assert.equal(evictionTime(defaults, [], T0), undefined);
});

test('toleration matching', () => {
  assert.equal(tolerates({ key: 'a', value: 'x' }, { key: 'a', value: 'x', effect: 'NoExecute' }), true);
  assert.equal(tolerates({ key: 'a', value: 'y' }, { key: 'a', value: 'x', effect: 'NoExecute' }), false);
  assert.equal(tolerates({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }), false);
  assert.equal(tolerates({ operator: 'Exists' }, { key: 'z', effect: 'NoExecute' }), true);
});

test('taints follow Ready; other taints and timeAdded are kept', () => {
  const now = '2024-01-01T00:00:00Z';
  const own = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
  const unknown = desiredTaints([own], [{ type: 'Ready', status: 'Unknown' }], false, now);
  assert.deepEqual(unknown, [own, { ...unreachable, timeAdded: now }, { key: unreachable.key, effect: 'NoSchedule' }]);
  const again = desiredTaints(unknown, [{ type: 'Ready', status: 'Unknown' }], false, '2024-01-01T00:05:00Z');
  assert.deepEqual(again, unknown);
  const notReady = desiredTaints(unknown, [{ type: 'Ready', status: 'False' }], true, now);
  assert.deepEqual(notReady.map((t) => `${t.key}:${t.effect}`), ['dedicated:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
  assert.deepEqual(desiredTaints(notReady, [{ type: 'Ready', status: 'True' }], false, now), [own]);
});

test('health: lease renewals and heartbeats move the probe time; silence makes conditions Unknown', () => {
  let h = observeHealth(undefined, 'hb1', '2024-01-01T00:00:00Z', T0);
  h = observeHealth(h, 'hb1', '2024-01-01T00:00:10Z', T0 + 10_000);
  assert.equal(h.probeTimestamp, T0 + 10_000);
  h = observeHealth(h, 'hb1', '2024-01-01T00:00:10Z', T0 + 50_000);
  assert.equal(h.probeTimestamp, T0 + 10_000);
  const conds = unknownConditions([{ type: 'Ready', status: 'True', lastHeartbeatTime: 'x' }, { type: 'MemoryPressure', status: 'False' }], '2024-01-01T00:00:00Z', 'now')!;
  assert.deepEqual(conds[0], { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: 'x', lastTransitionTime: 'now' });
  assert.equal(conds.length, 4);
  assert.equal(conds[3].reason, 'NodeStatusNeverUpdated');
  assert.equal(unknownConditions(conds, undefined, 'later'), undefined);
});
