// Against the real API server: an `@every 1s` CronJob creates its Job on schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { startTestApi } from '../../testing/test-api.js';
import { eventually } from '../history/testing/fake-kubelet.js';
import { registration } from './index.js';

test('CronJob creates Jobs on schedule against the real API', async () => {
  const api = await startTestApi();
  try {
    await registration.register(api.ctx);
    await api.client.create(R.cronjobs, 'default', {
      metadata: { name: 'tick' },
      spec: { schedule: '@every 1s', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'busybox' }] } } } } },
    });
    const jobs = await eventually(async () => {
      const list = (await api.client.list(R.jobs, 'default')).items;
      return list.length >= 1 ? list : undefined;
    });
    assert.ok(jobs.every((j) => j.metadata.name?.startsWith('tick-') && j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']));
    const cj = await eventually(async () => {
      const c = await api.client.get(R.cronjobs, 'default', 'tick');
      return (c.status as { lastScheduleTime?: string } | undefined)?.lastScheduleTime ? c : undefined;
    });
    assert.equal((cj.status as { active?: { name?: string }[] }).active?.[0]?.name, jobs[0]!.metadata.name);
    // Jobs are named by the minute of their activation, so `@every 1s` yields one Job a minute.
    await new Promise((r) => setTimeout(r, 1500));
    const events = (await api.client.list(R.events, 'default')).items.map((e) => (e as { reason?: string }).reason);
    assert.ok(events.includes('SuccessfulCreate'));
    assert.ok(!events.includes('UnexpectedJob'));
  } finally {
    await api.stop();
  }
});
