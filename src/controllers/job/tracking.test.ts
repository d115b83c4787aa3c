import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import {
  backoffRemaining, countPods, decideFinish, firstPendingIndexes, formatIndexes, JOB_TRACKING_FINALIZER, newJobPod,
  nextBackoffRecord, parseIndexes, planPods, wantActive, type ServedJob,
} from './index.js';

const NOW = Date.UTC(2024, 0, 1);
function job(over: Partial<ServedJob['spec']> = {}, status: ServedJob['status'] = {}): ServedJob {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { containers: [{ name: 'c' }] } }, ...over },
    status,
  };
}
function pod(uid: string, phase: string, opts: { finalizer?: boolean; index?: number; deleting?: boolean } = {}): KObject {
  const p: KObject = { metadata: { name: uid, uid, finalizers: opts.finalizer === false ? [] : [JOB_TRACKING_FINALIZER] }, status: { phase } };
  if (opts.index !== undefined) p.metadata.annotations = { 'batch.kubernetes.io/job-completion-index': String(opts.index) };
  if (opts.deleting) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  return p;
}

test('completed indexes round-trip through the interval form', () => {
  assert.equal(formatIndexes([5, 1, 3, 4, 7, 0]), '0-1,3-5,7');
  assert.deepEqual([...parseIndexes('0-1,3-5,7')].sort((a, b) => a - b), [0, 1, 3, 4, 5, 7]);
  assert.deepEqual([...parseIndexes('0-9', 3)], [0, 1, 2]);
  assert.deepEqual(firstPendingIndexes(2, 5, new Set([0]), new Set([2])), [1, 3]);
});

test('finished pods holding the finalizer are counted once', () => {
  const j = job({ completions: 3, parallelism: 3 }, { succeeded: 1, uncountedTerminatedPods: { failed: ['f0'] } });
  const pods = [pod('s1', 'Succeeded'), pod('f0', 'Failed'), pod('f1', 'Failed'), pod('old', 'Succeeded', { finalizer: false }), pod('r', 'Running'), pod('d', 'Running', { deleting: true })];
  const c = countPods(j, pods, new Set(), false);
  assert.deepEqual(c.newSucceeded, ['s1']);
  assert.deepEqual(c.newFailed, ['f1', 'd']);
  assert.equal(c.succeeded, 2);
  assert.equal(c.failed, 3);
  assert.equal(c.active.length, 1);
  assert.equal(c.terminating, 1);
  // Pods whose finalizer removal is under way are not counted again.
  assert.deepEqual(countPods(j, pods, new Set(['s1', 'f1', 'd']), false).newSucceeded, []);
});

test('backoffLimit, activeDeadlineSeconds and completions decide the outcome', () => {
  const failing = countPods(job({ backoffLimit: 1 }), [pod('a', 'Failed'), pod('b', 'Failed')], new Set(), false);
  assert.deepEqual(decideFinish(job({ backoffLimit: 1 }), failing, NOW), { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
  const late = job({ activeDeadlineSeconds: 10 }, { startTime: '2023-12-31T23:59:00Z' });
  assert.equal(decideFinish(late, countPods(late, [pod('r', 'Running')], new Set(), false), NOW)?.reason, 'DeadlineExceeded');
  const ok = countPods(job(), [pod('a', 'Succeeded')], new Set(), false);
  assert.deepEqual(decideFinish(job(), ok, NOW), { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
  assert.equal(decideFinish(job(), countPods(job(), [pod('r', 'Running')], new Set(), false), NOW), undefined);
  // Work queue (no completions): done once one pod succeeded and none is active.
  const wq = job({ completions: null as unknown as number, parallelism: 2 }); // JSON may carry null where the model says number | undefined
  assert.equal(decideFinish(wq, countPods(wq, [pod('a', 'Succeeded'), pod('r', 'Running')], new Set(), false), NOW), undefined);
  assert.equal(decideFinish(wq, countPods(wq, [pod('a', 'Succeeded')], new Set(), false), NOW)?.type, 'SuccessCriteriaMet');
});

test('wantActive honours parallelism and remaining completions', () => {
  const j = job({ completions: 5, parallelism: 2 });
  assert.equal(wantActive(j, countPods(j, [], new Set(), false)), 2);
  assert.equal(wantActive(j, countPods(j, [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Succeeded'), pod('d', 'Succeeded')], new Set(), false)), 1);
  assert.equal(planPods(j, countPods(j, [pod('r', 'Running')], new Set(), false)).creates, 1);
  assert.equal(planPods(j, countPods(j, [pod('r', 'Running'), pod('q', 'Running'), pod('s', 'Running')], new Set(), false)).deletes.length, 1);
});

test('Indexed jobs create the lowest pending indexes and drop duplicates', () => {
  const j = job({ completions: 4, parallelism: 3, completionMode: 'Indexed' }, { completedIndexes: '0' });
  const c = countPods(j, [pod('a', 'Running', { index: 1 }), pod('b', 'Running', { index: 1 }), pod('s', 'Succeeded', { index: 2 })], new Set(), false);
  assert.deepEqual([...c.succeededIndexes].sort(), [0, 2]);
  const plan = planPods(j, c);
  assert.deepEqual(plan.deletes.map((p) => p.metadata.name), ['b']);
  assert.deepEqual(plan.indexes, [3]);
});

test('Indexed pods carry index annotation, label, env and hostname', () => {
  const p = newJobPod(job({ completionMode: 'Indexed', completions: 3 }), 2);
  assert.equal(p.metadata.generateName, 'pi-2-');
  assert.equal(p.metadata.annotations!['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(p.metadata.labels!['batch.kubernetes.io/job-completion-index'], '2');
  assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
  const spec = p.spec as { hostname: string; containers: { env: { name: string }[] }[] };
  assert.equal(spec.hostname, 'pi-2');
  assert.equal(spec.containers[0]!.env[0]!.name, 'JOB_COMPLETION_INDEX');
  assert.equal(newJobPod(job()).metadata.generateName, 'pi-');
});

test('pod failure back-off doubles from 10 s up to 6 minutes and resets on success', () => {
  let r = nextBackoffRecord(undefined, 0, 1, NOW);
  assert.equal(backoffRemaining(r, NOW), 10_000);
  r = nextBackoffRecord(r, 0, 1, NOW);
  assert.equal(backoffRemaining(r, NOW + 5000), 15_000);
  r = nextBackoffRecord(r, 0, 10, NOW);
  assert.equal(backoffRemaining(r, NOW), 360_000);
  assert.equal(backoffRemaining(nextBackoffRecord(r, 1, 0, NOW), NOW), 0);
});
