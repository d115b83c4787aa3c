// Against the real API server: one daemon pod per node, including a node added later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../client/resources.js';
import { startTestApi } from '../../testing/test-api.js';
import { eventually, startFakeKubelet } from '../history/testing/fake-kubelet.js';
import { registration } from './index.js';

test('DaemonSet runs one pod per node against the real API', async () => {
  const api = await startTestApi();
  try {
    startFakeKubelet(api.ctx);
    await registration.register(api.ctx);
    for (const n of ['n1', 'n2']) await api.client.create(R.nodes, undefined, { metadata: { name: n } });
    await api.client.create(R.daemonsets, 'default', {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent' }] } },
      },
    });
    const nodesOfPods = async (): Promise<string[]> => (await api.client.list(R.pods, 'default')).items.map((p) => (p.spec as { nodeName?: string }).nodeName ?? '').sort();
    await eventually(async () => (await nodesOfPods()).join() === 'n1,n2');
    await api.client.create(R.nodes, undefined, { metadata: { name: 'n3' } });
    await eventually(async () => (await nodesOfPods()).join() === 'n1,n2,n3');
    const ds = await eventually(async () => {
      const d = await api.client.get(R.daemonsets, 'default', 'agent');
      return (d.status as { numberReady?: number } | undefined)?.numberReady === 3 ? d : undefined;
    });
    assert.equal((ds.status as { desiredNumberScheduled: number }).desiredNumberScheduled, 3);
  } finally {
    await api.stop();
  }
});
