import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { tableFor } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

test('event columns: Last Seen first, Name last and wide', () => {
  const cols = tableFor('', 'Event').columns;
  assert.deepEqual(cols.map((c) => [c.name, c.priority]), [
    ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1],
    ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1],
  ]);
  assert.equal(cols[9].format, 'name');
});

test('core/v1 event row', () => {
  const ev: KObject = {
    metadata: { name: 'web-1.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled', type: 'Normal', message: 'Successfully pulled image "nginx"\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T11:50:00Z', lastTimestamp: '2024-05-01T11:58:00Z', count: 3,
  };
  assert.deepEqual(tableFor('', 'Event').row(ev, NOW), [
    '2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 3, 'web-1.17a',
  ]);
});

test('new-style events: eventTime, reportingController, singleton count and series', () => {
  const ev: KObject = {
    metadata: { name: 'e1' },
    involvedObject: { kind: 'Node' },
    reason: 'Starting', type: 'Normal', message: 'hi',
    eventTime: '2024-05-01T11:59:30.123456Z', reportingController: 'k8ts-kubelet', reportingInstance: 'node-1',
  };
  const row = tableFor('', 'Event').row(ev, NOW);
  assert.deepEqual([row[0], row[3], row[5], row[7], row[8]], ['29s', 'node', 'k8ts-kubelet, node-1', '29s', 1]);
  const series = tableFor('', 'Event').row({ ...ev, series: { count: 7, lastObservedTime: '2024-05-01T11:59:50.000000Z' } }, NOW);
  assert.deepEqual([series[0], series[8]], ['10s', 7]);
  assert.equal(tableFor('', 'Event').row({ metadata: { name: 'x' } }, NOW)[0], '<unknown>');
});

test('events.k8s.io/v1 events read regarding, note and deprecated* fields', () => {
  const ev: KObject = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event',
    metadata: { name: 'e2' },
    regarding: { kind: 'Deployment', name: 'nginx-dep' },
    note: 'Scaled up replica set nginx-dep-abc to 2', reason: 'ScalingReplicaSet', type: 'Normal',
    deprecatedSource: { component: 'deployment-controller' },
    deprecatedFirstTimestamp: '2024-05-01T11:00:00Z', deprecatedLastTimestamp: '2024-05-01T11:30:00Z', deprecatedCount: 2,
  };
  assert.deepEqual(tableFor('events.k8s.io', 'Event').row(ev, NOW), [
    '30m', 'Normal', 'ScalingReplicaSet', 'deployment/nginx-dep', '', 'deployment-controller',
    'Scaled up replica set nginx-dep-abc to 2', '60m', 2, 'e2',
  ]);
});
