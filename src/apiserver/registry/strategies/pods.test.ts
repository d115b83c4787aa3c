import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../../testing/test-api.js';
import { R } from '../../../client/resources.js';
import type { KObject } from '../../../api/types/index.js';

type PodLike = KObject & { spec: { containers: Array<{ name: string; image: string }>; ephemeralContainers?: Array<Record<string, unknown>> } };

test('the ephemeralcontainers subresource changes spec.ephemeralContainers only, with container defaults', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    await api.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } });
    // kubectl debug's patch shape, plus changes this subresource must not make.
    await api.client.patch(R.pods, 'default', 'target', 'strategic', {
      metadata: { labels: { a: 'changed' } },
      spec: { containers: [{ name: 'c', image: 'busybox:2' }], ephemeralContainers: [{ name: 'dbg', image: 'busybox', terminationMessagePolicy: 'File' }] },
    }, { subresource: 'ephemeralcontainers' });
    const got = await api.client.get<PodLike>(R.pods, 'default', 'target');
    assert.equal(got.spec.containers[0].image, 'busybox:1');
    assert.equal(got.metadata.labels?.a, 'b');
    assert.deepEqual(got.spec.ephemeralContainers?.map((c) => [c.name, c.imagePullPolicy, c.terminationMessagePath]), [['dbg', 'Always', '/dev/termination-log']]);
  } finally {
    await api.stop();
  }
});
