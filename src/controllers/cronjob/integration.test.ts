// Against the real API server: an `@every 1s` CronJob creates Jobs on schedule.
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
      return list.length >= 2 ? list : undefined;
    });
    assert.ok(jobs.every((j) => j.metadata.name?.startsWith('tick-') && j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']));
    const cj = await api.client.get(R.cronjobs, 'default', 'tick');
    assert.ok((cj.status as { lastScheduleTime?: string }).lastScheduleTime);
  } finally {
    await api.stop();
  }
});
