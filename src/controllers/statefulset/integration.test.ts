// Against the real API server: web-0, web-1, web-2 appear in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { startTestApi } from '../../testing/test-api.js';
import { eventually, startFakeKubelet } from '../history/testing/fake-kubelet.js';
import { registration } from './index.js';

test('StatefulSet creates web-0..2 in order against the real API', async () => {
  const api = await startTestApi();
  try {
    startFakeKubelet(api.ctx);
    await registration.register(api.ctx);
    await api.client.create(R.nodes, undefined, { metadata: { name: 'node-1' } });
    await api.client.create(R.statefulsets, 'default', {
      metadata: { name: 'web' },
      spec: {
        replicas: 3, serviceName: 'nginx', selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      },
    });
    const set = await eventually(async () => {
      const s = await api.client.get(R.statefulsets, 'default', 'web');
      return (s.status as { readyReplicas?: number } | undefined)?.readyReplicas === 3 ? s : undefined;
    });
    const pods = (await api.client.list(R.pods, 'default')).items;
    const order = pods.sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).map((p) => p.metadata.name);
    assert.deepEqual(order, ['web-0', 'web-1', 'web-2']);
    assert.equal((set.status as { currentRevision?: string }).currentRevision, pods[0]!.metadata.labels!['controller-revision-hash']);
  } finally {
    await api.stop();
  }
});
