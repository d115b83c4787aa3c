import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { tableFor } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const template = { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }, { name: 'log', image: 'busybox' }] } };
const meta = { name: 'nginx-dep', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' };

test('deployment: READY is readyReplicas/spec.replicas, counts are integers', () => {
  const d: KObject = {
    metadata: meta,
    spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(tableFor('apps', 'Deployment').row(d, NOW), ['nginx-dep', '2/3', 3, 2, '60m', 'nginx,log', 'nginx:1.14.2,busybox', 'app=nginx']);
  assert.deepEqual(tableFor('apps', 'Deployment').row({ metadata: meta, spec: { template } }, NOW).slice(1, 4), ['0/1', 0, 0]);
  assert.deepEqual(tableFor('apps', 'Deployment').columns.map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1]);
});

test('replica set and statefulset', () => {
  const rs: KObject = { metadata: meta, spec: { replicas: 2, selector: { matchLabels: { app: 'nginx', 'pod-template-hash': 'abc' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
  assert.deepEqual(tableFor('apps', 'ReplicaSet').row(rs, NOW), ['nginx-dep', 2, 2, 1, '60m', 'nginx,log', 'nginx:1.14.2,busybox', 'app=nginx,pod-template-hash=abc']);
  const sts: KObject = { metadata: meta, spec: { replicas: 3, template }, status: { readyReplicas: 3 } };
  assert.deepEqual(tableFor('apps', 'StatefulSet').row(sts, NOW), ['nginx-dep', '3/3', '60m', 'nginx,log', 'nginx:1.14.2,busybox']);
});

test('daemonset node selector', () => {
  const ds: KObject = {
    metadata: meta,
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'agent' }] } } },
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
  };
  assert.deepEqual(tableFor('apps', 'DaemonSet').row(ds, NOW), ['nginx-dep', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '60m', 'a', 'agent', 'app=agent']);
});

test('controller revision names its owner as kind.group/name', () => {
  const cr: KObject = {
    metadata: { ...meta, name: 'web-7d9f', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] },
    revision: 2,
  };
  assert.deepEqual(tableFor('apps', 'ControllerRevision').row(cr, NOW), ['web-7d9f', 'statefulset.apps/web', 2, '60m']);
  assert.equal(tableFor('apps', 'ControllerRevision').row({ metadata: meta }, NOW)[1], '<none>');
});

test('job status, completions and duration', () => {
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, extra: Record<string, unknown> = {}): KObject =>
    ({ metadata: { ...meta, name: 'pi', ...extra }, spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, ...spec }, status });
  const jp = tableFor('batch', 'Job');
  assert.deepEqual(jp.columns.map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  const complete = job({ completions: 1 }, {
    succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:42Z',
    conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
  });
  assert.deepEqual(jp.row(complete, NOW).slice(0, 5), ['pi', 'Complete', '1/1', '42s', '60m']);
  assert.deepEqual(jp.row(job({ parallelism: 3 }, { startTime: '2024-05-01T11:58:00Z', active: 3 }), NOW).slice(1, 4), ['Running', '0/1 of 3', '2m']);
  assert.deepEqual(jp.row(job({}, {}), NOW).slice(1, 4), ['Running', '0/1', '']);
  assert.equal(jp.row(job({}, { conditions: [{ type: 'Failed', status: 'True' }] }), NOW)[1], 'Failed');
  assert.equal(jp.row(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] }), NOW)[1], 'Suspended');
  assert.equal(jp.row(job({}, { conditions: [{ type: 'FailureTarget', status: 'True' }] }), NOW)[1], 'FailureTarget');
  assert.equal(jp.row(job({}, {}, { deletionTimestamp: '2024-05-01T11:59:00Z' }), NOW)[1], 'Terminating');
  assert.equal(jp.row(complete, NOW)[7], 'batch.kubernetes.io/controller-uid=u');
});

test('cronjob', () => {
  const cj: KObject = {
    metadata: meta,
    spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
    status: { active: [{ name: 'j1' }], lastScheduleTime: '2024-05-01T11:55:00Z' },
  };
  assert.deepEqual(tableFor('batch', 'CronJob').row(cj, NOW), ['nginx-dep', '*/5 * * * *', '<none>', 'False', 1, '5m', '60m', 'nginx,log', 'nginx:1.14.2,busybox', '<none>']);
  const tz: KObject = { metadata: meta, spec: { schedule: '@daily', timeZone: 'Etc/UTC', jobTemplate: { spec: { template } } } };
  assert.deepEqual(tableFor('batch', 'CronJob').row(tz, NOW).slice(2, 6), ['Etc/UTC', '<unset>', 0, '<none>']);
});
