import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { tableFor } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const printer = tableFor('', 'Pod');

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z', ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const cells = (p: KObject) => printer.row(p, NOW);
const statusOf = (p: KObject) => cells(p)[2];

test('columns match upstream names, types and priorities', () => {
  assert.deepEqual(printer.columns.map((c) => [c.name, c.type, c.priority]), [
    ['Name', 'string', 0], ['Ready', 'string', 0], ['Status', 'string', 0], ['Restarts', 'string', 0], ['Age', 'string', 0],
    ['IP', 'string', 1], ['Node', 'string', 1], ['Nominated Node', 'string', 1], ['Readiness Gates', 'string', 1],
  ]);
  assert.equal(printer.columns[0].format, 'name');
});

test('running pod, full row', () => {
  const p = pod({ nodeName: 'node-1' }, {
    phase: 'Running', podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.7' }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2024-05-01T11:55:05Z' } } }],
  });
  assert.deepEqual(cells(p), ['p', '1/1', 'Running', '0', '5m', '10.1.0.7', 'node-1', '<none>', '<none>']);
});

test('pending pod without statuses', () => {
  assert.deepEqual(cells(pod({}, { phase: 'Pending' })), ['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
});

test('status.reason replaces the phase, SchedulingGated from the PodScheduled condition', () => {
  assert.equal(statusOf(pod({}, { phase: 'Failed', reason: 'Evicted' })), 'Evicted');
  assert.equal(statusOf(pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })), 'SchedulingGated');
});

test('waiting and terminated container reasons', () => {
  assert.equal(statusOf(pod({}, { phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] })), 'ContainerCreating');
  assert.equal(statusOf(pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] })), 'CrashLoopBackOff');
  assert.equal(statusOf(pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })), 'Completed');
  assert.equal(statusOf(pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 2 } } }] })), 'ExitCode:2');
  assert.equal(statusOf(pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137, signal: 9 } } }] })), 'Signal:9');
});

test('first container state wins; Completed with a running sibling becomes Running or NotReady', () => {
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  const statuses = [
    { name: 'a', ready: true, state: { running: {} } },
    { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
  ];
  assert.equal(statusOf(pod(spec, { phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] })), 'Running');
  assert.equal(statusOf(pod(spec, { phase: 'Running', containerStatuses: statuses })), 'NotReady');
  assert.equal(cells(pod(spec, { phase: 'Running', containerStatuses: statuses }))[1], '1/2');
  const crash = [{ name: 'a', state: { waiting: { reason: 'ErrImagePull' } } }, { name: 'b', ready: true, state: { running: {} } }];
  assert.equal(statusOf(pod(spec, { phase: 'Pending', containerStatuses: crash })), 'ErrImagePull');
});

test('init containers', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }, { name: 'i3' }] };
  const done = { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  assert.equal(statusOf(pod(spec, { phase: 'Pending', initContainerStatuses: [done, { name: 'i2', state: { running: {} } }] })), 'Init:1/3');
  assert.equal(statusOf(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }] })), 'Init:0/3');
  assert.equal(statusOf(pod(spec, { phase: 'Pending', initContainerStatuses: [done, { name: 'i2', state: { waiting: { reason: 'ImagePullBackOff' } } }] })), 'Init:ImagePullBackOff');
  assert.equal(statusOf(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] })), 'Init:ExitCode:3');
  assert.equal(statusOf(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, signal: 15 } } }] })), 'Init:Signal:15');
  assert.equal(statusOf(pod(spec, { phase: 'Failed', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] })), 'Init:Error');
  // Init restarts count while initializing.
  assert.equal(cells(pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }))[3], '2');
});

test('sidecar (restartable init) containers count towards READY', () => {
  const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
  const p = pod(spec, {
    phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }],
    initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: { running: {} } }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} } }],
  });
  const row = cells(p);
  assert.equal(row[1], '2/2');
  assert.equal(row[2], 'Running');
  assert.equal(row[3], '3');
});

test('restarts show how long ago the last container terminated', () => {
  const p = pod({}, {
    phase: 'Running',
    containerStatuses: [{
      name: 'app', ready: true, restartCount: 2, state: { running: {} },
      lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:55:00Z' } },
    }],
  });
  assert.equal(cells(p)[3], '2 (5m ago)');
});

test('deletion: Terminating, Unknown for NodeLost, terminal phases keep their status', () => {
  const deleting = { deletionTimestamp: '2024-05-01T11:59:00Z' };
  assert.equal(statusOf(pod({}, { phase: 'Running' }, deleting)), 'Terminating');
  assert.equal(statusOf(pod({}, { phase: 'Running', reason: 'NodeLost' }, deleting)), 'Unknown');
  assert.equal(statusOf(pod({}, { phase: 'Running', reason: 'NodeLost' })), 'NodeLost');
  assert.equal(statusOf(pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, deleting)), 'Completed');
});

test('readiness gates and nominated node', () => {
  const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] }, {
    phase: 'Pending', nominatedNodeName: 'node-2',
    conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
  });
  const row = cells(p);
  assert.equal(row[7], 'node-2');
  assert.equal(row[8], '1/2');
});

test('finished pods carry a Completed row condition', () => {
  assert.deepEqual(printer.conditions?.(pod({}, { phase: 'Succeeded' })), [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.equal(printer.conditions?.(pod({}, { phase: 'Running' })), undefined);
});
