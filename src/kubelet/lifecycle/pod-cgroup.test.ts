import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podCgroupParent } from './pod-cgroup.js';

test('pod cgroups follow upstream QoS tree under /k8ts: Guaranteed in kubepods, the others in their class', () => {
  assert.equal(podCgroupParent('Guaranteed', 'u1'), '/k8ts/kubepods/podu1');
  assert.equal(podCgroupParent('Burstable', 'u1'), '/k8ts/kubepods/burstable/podu1');
  assert.equal(podCgroupParent('BestEffort', 'u1'), '/k8ts/kubepods/besteffort/podu1');
  assert.equal(podCgroupParent('BestEffort', 'u1', '/other'), '/other/kubepods/besteffort/podu1');
});
