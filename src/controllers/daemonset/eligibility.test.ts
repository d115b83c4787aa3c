import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, PodSpec } from '../../api/types/index.js';
import {
  computeStatus, daemonTolerations, nodeShouldRunDaemonPod, pinToNode, planManage, planRollingUpdate, podsByNode,
  targetNodeName, tolerates, type ServedDaemonSet as DaemonSet,
} from './index.js';

const NOW = Date.UTC(2024, 0, 1);
const node = (name: string, labels: Record<string, string> = {}, taints: { key: string; value?: string; effect: string }[] = []): KObject =>
  ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } });

test('node selector and required affinity decide eligibility', () => {
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a'), { nodeSelector: { disk: 'ssd' } }), { shouldRun: false, shouldContinueRunning: false });
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] },
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] },
  ] } } };
  assert.equal(nodeShouldRunDaemonPod(node('a', { zone: 'z1' }), { affinity }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('b'), { affinity }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('c', { zone: 'z2' }), { affinity }).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node('a'), { nodeName: 'b' }).shouldRun, false);
});

test('taints: daemon tolerations cover node conditions; NoSchedule keeps running pods, NoExecute evicts', () => {
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), {}).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), {}).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), {}).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), { hostNetwork: true }).shouldRun, true);
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]), {}), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]), {}), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]), { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x' }] }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', effect: 'PreferNoSchedule' }]), {}).shouldRun, true);
  assert.ok(tolerates({ operator: 'Exists' }, { key: 'anything', effect: 'NoExecute' }));
  assert.equal(daemonTolerations(false).length, 6);
  assert.equal(daemonTolerations(true).length, 7);
});

test('pods are pinned with a matchFields affinity and mapped back to their node', () => {
  const spec = pinToNode({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'x', operator: 'Exists' }] }] } } } }, 'n1');
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
  });
  assert.equal(targetNodeName({ metadata: {}, spec }), 'n1');
  assert.equal(targetNodeName({ metadata: {}, spec: { ...spec, nodeName: 'n2' } }), 'n2');
});

function ds(over: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return { metadata: { name: 'ds', namespace: 'default', uid: 'ds-uid', generation: 1 }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: {} as PodSpec }, ...over } };
}
function dpod(nodeName: string, hash: string, ready = true, name = `ds-${nodeName}-${hash}`): KObject {
  return {
    metadata: { name, uid: name, labels: { app: 'd', 'controller-revision-hash': hash }, creationTimestamp: '2023-12-01T00:00:00Z' },
    spec: { nodeName },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2023-12-01T00:00:00Z' }] },
  };
}

test('manage creates on nodes without a pod and deletes pods on ineligible nodes', () => {
  const nodes = [node('a'), node('b', {}, [{ key: 'k', effect: 'NoExecute' }]), node('c')];
  const pods = [dpod('b', 'h1'), dpod('c', 'h1'), dpod('c', 'h1', true, 'dup')];
  const plan = planManage(ds(), nodes, podsByNode(pods), 'h1', NOW);
  assert.deepEqual(plan.nodesNeedingPods, ['a']);
  assert.deepEqual(plan.podsToDelete.map((p) => p.metadata.name).sort(), ['ds-b-h1', 'dup'].sort());
});

test('rolling update without surge respects maxUnavailable', () => {
  const nodes = [node('a'), node('b'), node('c')];
  const pods = [dpod('a', 'old'), dpod('b', 'old'), dpod('c', 'old')];
  const one = planRollingUpdate(ds(), nodes, podsByNode(pods), 'new', NOW);
  assert.equal(one.oldPodsToDelete.length, 1);
  const two = planRollingUpdate(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }), nodes, podsByNode(pods), 'new', NOW);
  assert.equal(two.oldPodsToDelete.length, 2);
  // A node being updated (new pod not yet ready) uses up the budget.
  const busy = planRollingUpdate(ds(), nodes, podsByNode([dpod('a', 'new', false), dpod('b', 'old'), dpod('c', 'old')]), 'new', NOW);
  assert.equal(busy.oldPodsToDelete.length, 0);
});

test('rolling update with surge creates new pods beside old ones, then removes old ones', () => {
  const nodes = [node('a'), node('b')];
  const d = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const first = planRollingUpdate(d, nodes, podsByNode([dpod('a', 'old'), dpod('b', 'old')]), 'new', NOW);
  assert.deepEqual(first, { oldPodsToDelete: [], newNodesToCreate: ['a'] });
  const second = planRollingUpdate(d, nodes, podsByNode([dpod('a', 'old'), dpod('a', 'new'), dpod('b', 'old')]), 'new', NOW);
  assert.deepEqual(second.oldPodsToDelete.map((p) => p.metadata.name), ['ds-a-old']);
});

test('status counts desired, current, ready, updated and misscheduled', () => {
  const nodes = [node('a'), node('b'), node('c', {}, [{ key: 'k', effect: 'NoSchedule' }])];
  const st = computeStatus(ds(), nodes, podsByNode([dpod('a', 'h'), dpod('b', 'old', false), dpod('c', 'h')]), 'h', NOW);
  assert.deepEqual(
    { ...st },
    { currentNumberScheduled: 2, numberMisscheduled: 1, desiredNumberScheduled: 2, numberReady: 1, observedGeneration: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 1 },
  );
});
