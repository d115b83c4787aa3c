// Against the real API server: a Job runs to completion and its pods lose the finalizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { startTestApi } from '../../testing/test-api.js';
import { eventually, startFakeKubelet } from '../history/testing/fake-kubelet.js';
import { registration, JOB_TRACKING_FINALIZER, type ServedJob } from './index.js';

test('Job runs to completion against the real API', async () => {
  const api = await startTestApi();
  try {
    startFakeKubelet(api.ctx);
    await registration.register(api.ctx);
    await api.client.create(R.nodes, undefined, { metadata: { name: 'node-1' } });
    await api.client.create(R.jobs, 'default', {
      metadata: { name: 'pi' },
      spec: { completions: 3, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    });
    const job = await eventually(async () => {
      const j = await api.client.get<ServedJob>(R.jobs, 'default', 'pi');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 3);
    assert.ok(job.status?.completionTime);
    const pods = (await api.client.list(R.pods, 'default')).items;
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)));
  } finally {
    await api.stop();
  }
});
