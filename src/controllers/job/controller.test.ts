import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { JobController, JOB_TRACKING_FINALIZER, TtlAfterFinishedController, type ServedJob } from './index.js';

function seedJob(t: TestContext, spec: Partial<ServedJob['spec']> = {}): ServedJob {
  return t.client.seed<ServedJob>(R.jobs, {
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: {
      parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } },
      ...spec,
    },
  });
}

async function finishPods(t: TestContext, phase: 'Succeeded' | 'Failed', n = Infinity): Promise<void> {
  for (const p of t.client.objects(R.pods)) {
    if (n-- <= 0) break;
    if ((p.status as { phase?: string } | undefined)?.phase) continue;
    await t.client.updateStatus(R.pods, p.metadata.namespace, { ...p, status: { phase } } as KObject);
  }
}
const job = (t: TestContext): ServedJob => t.client.object<ServedJob>(R.jobs, 'default', 'pi')!;

test('runs pods to completion, counting them through the tracking finalizer', async () => {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  seedJob(t, { completions: 3, parallelism: 2 });
  await c.reconcile('default/pi');
  assert.equal(t.client.objects(R.pods).length, 2);
  assert.deepEqual(t.client.objects(R.pods)[0]!.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
  assert.equal(job(t).status?.active, 2);
  assert.ok(job(t).status?.startTime);
  await finishPods(t, 'Succeeded');
  await c.reconcile('default/pi');
  assert.equal(job(t).status?.succeeded, 2);
  assert.deepEqual(job(t).status?.uncountedTerminatedPods, {});
  const succeeded = t.client.objects(R.pods).filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Succeeded');
  assert.ok(succeeded.length === 2 && succeeded.every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)));
  assert.equal(t.client.objects(R.pods).length, 3, 'one more pod for the last completion');
  await c.reconcile('default/pi');
  assert.equal(job(t).status?.succeeded, 2, 'not counted twice');
  await finishPods(t, 'Succeeded');
  await c.reconcile('default/pi');
  const st = job(t).status!;
  assert.equal(st.succeeded, 3);
  assert.deepEqual(st.conditions?.map((x) => [x.type, x.status, x.reason]), [
    ['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached'],
  ]);
  assert.ok(st.completionTime);
  assert.ok(t.recorder.events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  assert.ok(t.recorder.events.some((e) => e.reason === 'SuccessfulCreate' && e.message.startsWith('Created pod: pi-')));
});

test('exceeding backoffLimit fails the Job', async () => {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  seedJob(t, { backoffLimit: 1 });
  await c.reconcile('default/pi');
  await finishPods(t, 'Failed');
  await c.reconcile('default/pi');
  assert.equal(job(t).status?.failed, 1);
  assert.equal(t.client.objects(R.pods).length, 1, 'replacement waits for the 10 s back-off');
  t.clock.advance(10_000);
  await c.reconcile('default/pi');
  assert.equal(t.client.objects(R.pods).length, 2);
  await finishPods(t, 'Failed');
  await c.reconcile('default/pi');
  const st = job(t).status!;
  assert.equal(st.failed, 2);
  assert.deepEqual(st.conditions?.map((x) => [x.type, x.reason]), [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
  assert.ok(t.recorder.events.some((e) => e.type === 'Warning' && e.reason === 'BackoffLimitExceeded' && e.message === 'Job has reached the specified backoff limit'));
});

test('activeDeadlineSeconds deletes active pods and fails the Job', async () => {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  seedJob(t, { activeDeadlineSeconds: 30 });
  await c.reconcile('default/pi');
  t.clock.advance(31_000);
  await c.reconcile('default/pi');
  assert.equal(t.client.objects(R.pods).length, 0);
  assert.deepEqual(job(t).status?.conditions?.map((x) => x.type), ['FailureTarget'], 'Failed waits until no pod is terminating');
  await c.reconcile('default/pi');
  const st = job(t).status!;
  assert.equal(st.failed, 1);
  assert.equal(st.active, 0);
  assert.deepEqual(st.conditions?.map((x) => [x.type, x.reason]), [['FailureTarget', 'DeadlineExceeded'], ['Failed', 'DeadlineExceeded']]);
});

test('Indexed jobs complete every index and report completedIndexes', async () => {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  seedJob(t, { completionMode: 'Indexed', completions: 3, parallelism: 3 });
  await c.reconcile('default/pi');
  const idx = t.client.objects(R.pods).map((p) => p.metadata.annotations!['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(idx, ['0', '1', '2']);
  await finishPods(t, 'Succeeded');
  await c.reconcile('default/pi');
  assert.equal(job(t).status?.completedIndexes, '0-2');
  assert.equal(job(t).status?.succeeded, 3);
  assert.ok(job(t).status?.conditions?.some((x) => x.type === 'Complete'));
});

test('suspend deletes active pods and sets the Suspended condition', async () => {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  seedJob(t, { suspend: true });
  await c.reconcile('default/pi');
  assert.equal(t.client.objects(R.pods).length, 0);
  assert.deepEqual(job(t).status?.conditions?.map((x) => [x.type, x.status, x.reason]), [['Suspended', 'True', 'JobSuspended']]);
  assert.equal(job(t).status?.startTime, undefined);
  t.client.seed(R.jobs, { ...job(t), spec: { ...job(t).spec, suspend: false } });
  await c.reconcile('default/pi');
  assert.equal(t.client.objects(R.pods).length, 1);
  assert.deepEqual(job(t).status?.conditions?.map((x) => [x.type, x.status, x.reason]), [['Suspended', 'False', 'JobResumed']]);
  assert.deepEqual(t.recorder.reasons().filter((r) => r === 'Suspended' || r === 'Resumed'), ['Suspended', 'Resumed']);
});

test('ttlSecondsAfterFinished deletes the finished Job with Background propagation', async () => {
  const t = newTestContext();
  const ttl = new TtlAfterFinishedController(t.ctx);
  const j = seedJob(t, { ttlSecondsAfterFinished: 60 });
  const done = new Date(t.clock.now()).toISOString().slice(0, 19) + 'Z';
  t.client.seed(R.jobs, { ...j, status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: done }], completionTime: done } });
  await ttl.reconcile('default/pi');
  assert.ok(job(t), 'not yet');
  t.clock.advance(60_000);
  await ttl.reconcile('default/pi');
  assert.equal(job(t), undefined);
  const del = t.client.actionsFor('delete', 'jobs')[0]!;
  assert.equal((del.body as { propagationPolicy?: string }).propagationPolicy, 'Background');
});
