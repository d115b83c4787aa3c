import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { R } from '../../client/resources.js';
import { newTestContext, type TestContext } from '../../client/testing/index.js';
import { CronJobController, type ServedCronJob } from './index.js';
import type { JobTemplateSpec } from '../../api/types/index.js';

const START = Date.UTC(2024, 0, 1, 0, 0, 0);

function seedCron(t: TestContext, spec: Partial<ServedCronJob['spec']> = {}): ServedCronJob {
  return t.client.seed<ServedCronJob>(R.cronjobs, {
    metadata: { name: 'hello', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } } } as JobTemplateSpec,
      ...spec,
    },
  });
}
const cron = (t: TestContext): ServedCronJob => t.client.object<ServedCronJob>(R.cronjobs, 'default', 'hello')!;
const jobNames = (t: TestContext): string[] => t.client.objects(R.jobs).map((j) => j.metadata.name ?? '');

async function completeJobs(t: TestContext): Promise<void> {
  for (const j of t.client.objects(R.jobs)) {
    const done = new Date(t.clock.now()).toISOString().slice(0, 19) + 'Z';
    await t.client.updateStatus(R.jobs, 'default', { ...j, status: { startTime: done, completionTime: done, conditions: [{ type: 'Complete', status: 'True' }] } } as KObject);
  }
}

test('creates a Job at each activation and records it in status', async () => {
  const t = newTestContext({ start: START });
  const c = new CronJobController(t.ctx);
  seedCron(t);
  t.clock.setTime(START + 4 * 60_000);
  await c.reconcile('default/hello');
  assert.deepEqual(jobNames(t), []);
  t.clock.setTime(START + 5 * 60_000 + 100);
  await c.reconcile('default/hello');
  assert.deepEqual(jobNames(t), [`hello-${START / 60000 + 5}`]);
  const job = t.client.objects(R.jobs)[0]!;
  assert.equal(job.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T00:05:00Z');
  assert.equal(cron(t).status?.lastScheduleTime, '2024-01-01T00:05:00Z');
  assert.equal(cron(t).status?.active?.[0]?.name, job.metadata.name);
  assert.ok(t.recorder.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${job.metadata.name}`));
  await c.reconcile('default/hello');
  assert.equal(jobNames(t).length, 1, 'the same activation never makes two Jobs');
  await completeJobs(t);
  await c.reconcile('default/hello');
  assert.equal(cron(t).status?.active, undefined);
  assert.ok(cron(t).status?.lastSuccessfulTime);
  assert.ok(t.recorder.events.some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${job.metadata.name}, condition: Complete`));
});

test('Forbid skips while a Job runs; Replace deletes it', async () => {
  const t = newTestContext({ start: START });
  const c = new CronJobController(t.ctx);
  seedCron(t, { concurrencyPolicy: 'Forbid' });
  t.clock.setTime(START + 5 * 60_000 + 100);
  await c.reconcile('default/hello');
  t.clock.setTime(START + 10 * 60_000 + 100);
  await c.reconcile('default/hello');
  assert.equal(jobNames(t).length, 1);
  assert.ok(t.recorder.reasons().includes('JobAlreadyActive'));
  t.client.seed(R.cronjobs, { ...cron(t), spec: { ...cron(t).spec, concurrencyPolicy: 'Replace' } });
  await c.reconcile('default/hello');
  assert.deepEqual(jobNames(t), [`hello-${START / 60000 + 10}`]);
  assert.ok(t.recorder.reasons().includes('SuccessfulDelete'));
});

test('startingDeadlineSeconds: a late activation is missed', async () => {
  const t = newTestContext({ start: START });
  const c = new CronJobController(t.ctx);
  seedCron(t, { startingDeadlineSeconds: 10 });
  t.clock.setTime(START + 5 * 60_000 + 30_000);
  await c.reconcile('default/hello');
  assert.deepEqual(jobNames(t), []);
});

test('history limits prune old finished Jobs; suspend stops scheduling', async () => {
  const t = newTestContext({ start: START });
  const c = new CronJobController(t.ctx);
  seedCron(t, { successfulJobsHistoryLimit: 1 });
  for (let i = 1; i <= 3; i++) {
    t.clock.setTime(START + i * 5 * 60_000 + 100);
    await c.reconcile('default/hello');
    await completeJobs(t);
  }
  await c.reconcile('default/hello');
  assert.equal(jobNames(t).length, 1);
  t.client.seed(R.cronjobs, { ...cron(t), spec: { ...cron(t).spec, suspend: true } });
  t.clock.setTime(START + 20 * 60_000 + 100);
  await c.reconcile('default/hello');
  assert.equal(jobNames(t).length, 1);
});
