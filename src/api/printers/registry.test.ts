import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { tableFor, hasPrinter } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const KINDS: [string, string][] = [
  ['', 'Pod'], ['', 'Namespace'], ['', 'Node'], ['', 'Service'], ['', 'Endpoints'], ['', 'Event'], ['', 'ConfigMap'],
  ['', 'Secret'], ['', 'ServiceAccount'], ['', 'PersistentVolume'], ['', 'PersistentVolumeClaim'], ['', 'ResourceQuota'],
  ['', 'LimitRange'], ['', 'ReplicationController'], ['discovery.k8s.io', 'EndpointSlice'], ['events.k8s.io', 'Event'],
  ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'], ['apps', 'ControllerRevision'],
  ['batch', 'Job'], ['batch', 'CronJob'], ['networking.k8s.io', 'Ingress'], ['networking.k8s.io', 'IngressClass'],
  ['networking.k8s.io', 'NetworkPolicy'], ['coordination.k8s.io', 'Lease'], ['policy', 'PodDisruptionBudget'],
  ['autoscaling', 'HorizontalPodAutoscaler'], ['rbac.authorization.k8s.io', 'Role'], ['rbac.authorization.k8s.io', 'ClusterRole'],
  ['rbac.authorization.k8s.io', 'RoleBinding'], ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['storage.k8s.io', 'StorageClass'], ['scheduling.k8s.io', 'PriorityClass'],
];

test('every printer yields one cell per column, even for a bare object', () => {
  for (const [g, k] of KINDS) {
    assert.ok(hasPrinter(g, k), `${g}/${k} has a printer`);
    const p = tableFor(g, k);
    const row = p.row({ metadata: { name: 'x' } }, NOW);
    assert.equal(row.length, p.columns.length, `${g}/${k}`);
    for (const c of row) assert.ok(['string', 'number', 'boolean'].includes(typeof c), `${g}/${k} cell ${String(c)}`);
    assert.equal(p.columns.filter((c) => c.format === 'name').length, 1, `${g}/${k} has one name column`);
    if (k !== 'Event') assert.equal(p.columns[0].name, 'Name', `${g}/${k} starts with Name`);
  }
});

test('unknown kinds fall back to Name and Age', () => {
  const p = tableFor('example.com', 'Widget');
  assert.equal(hasPrinter('example.com', 'Widget'), false);
  assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Age']);
  assert.deepEqual(p.row({ metadata: { name: 'w', creationTimestamp: '2024-05-01T11:00:00Z' } }, NOW), ['w', '60m']);
});

test('roles use the default Created At table', () => {
  const p = tableFor('rbac.authorization.k8s.io', 'Role');
  assert.deepEqual(p.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
  assert.deepEqual(p.row({ metadata: { name: 'r', creationTimestamp: '2024-05-01T11:00:00Z' } }, NOW), ['r', '2024-05-01T11:00:00Z']);
});

test('node status, roles and wide columns', () => {
  const node: KObject = {
    metadata: { name: 'n1', creationTimestamp: '2024-04-28T12:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7' },
    },
  };
  assert.deepEqual(tableFor('', 'Node').row(node, NOW), [
    'n1', 'Ready,SchedulingDisabled', 'control-plane,worker', '3d', 'v1.32.0', '192.168.1.10', '<none>', 'Debian', '6.1.0', 'containerd://1.7',
  ]);
  assert.equal(tableFor('', 'Node').row({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, NOW)[1], 'NotReady');
  assert.deepEqual(tableFor('', 'Node').row({ metadata: { name: 'n' } }, NOW).slice(1, 3), ['Unknown', '<none>']);
});

test('config maps, secrets, service accounts count their entries', () => {
  assert.equal(tableFor('', 'ConfigMap').row({ metadata: { name: 'c' }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, NOW)[1], 3);
  assert.deepEqual(tableFor('', 'Secret').row({ metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==' } }, NOW).slice(1, 3), ['Opaque', 1]);
  assert.equal(tableFor('', 'ServiceAccount').row({ metadata: { name: 'default' } }, NOW)[1], 0);
});

test('storage', () => {
  const pv: KObject = {
    metadata: { name: 'pv1' },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(tableFor('', 'PersistentVolume').row(pv, NOW), ['pv1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '<unknown>', 'Filesystem']);
  const pvc: KObject = { metadata: { name: 'data' }, spec: { volumeName: 'pv1', storageClassName: 'standard' }, status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] } };
  assert.deepEqual(tableFor('', 'PersistentVolumeClaim').row(pvc, NOW).slice(0, 7), ['data', 'Bound', 'pv1', '10Gi', 'RWO', 'standard', '<unset>']);
  const sc: KObject = { metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
  assert.deepEqual(tableFor('storage.k8s.io', 'StorageClass').row(sc, NOW).slice(0, 5), ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false]);
});

test('quota, pdb, hpa, lease, bindings, priority classes', () => {
  const rq: KObject = { metadata: { name: 'q' }, status: { hard: { 'limits.cpu': '2', 'requests.cpu': '1', pods: '10' }, used: { 'requests.cpu': '500m', pods: '3' } } };
  assert.deepEqual(tableFor('', 'ResourceQuota').row(rq, NOW).slice(1, 3), ['pods: 3/10, requests.cpu: 500m/1', 'limits.cpu: 0/2']);
  const pdb: KObject = { metadata: { name: 'p' }, spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
  assert.deepEqual(tableFor('policy', 'PodDisruptionBudget').row(pdb, NOW).slice(1, 4), ['50%', 'N/A', 1]);
  const hpa: KObject = {
    metadata: { name: 'h' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
    status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }] },
  };
  assert.deepEqual(tableFor('autoscaling', 'HorizontalPodAutoscaler').row(hpa, NOW).slice(1, 6), ['Deployment/web', 'cpu: 35%/80%', '1', 5, 2]);
  const hpaV1: KObject = { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } };
  assert.deepEqual(tableFor('autoscaling', 'HorizontalPodAutoscaler').row(hpaV1, NOW).slice(2, 4), ['cpu: <unknown>/50%', '<unset>']);
  assert.equal(tableFor('coordination.k8s.io', 'Lease').row({ metadata: { name: 'l' }, spec: { holderIdentity: 'node-1' } }, NOW)[1], 'node-1');
  const rb: KObject = {
    metadata: { name: 'rb' }, roleRef: { kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', namespace: 'ci', name: 'bot' }, { kind: 'User', name: 'bob' }],
  };
  assert.deepEqual(tableFor('rbac.authorization.k8s.io', 'RoleBinding').row(rb, NOW), ['rb', 'ClusterRole/view', '<unknown>', 'alice, bob', 'devs', 'ci/bot']);
  assert.deepEqual(tableFor('scheduling.k8s.io', 'PriorityClass').row({ metadata: { name: 'high' }, value: 1000, globalDefault: true, preemptionPolicy: 'Never' }, NOW), ['high', 1000, true, '<unknown>', 'Never']);
});
