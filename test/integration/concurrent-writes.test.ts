// Writes without a resourceVersion to one object at the same moment (patches, and a delete
// racing them) all succeed on SQLite: the API server retries a conflict only once its cache
// holds the write that won. The store answers a conflict against writes still waiting for their
// group commit, so retrying at once read the same stale entry and spent every retry in one turn
// ("too many concurrent updates", 409), as `kubectl delete` met while the kubelet wrote status.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R } from '../../src/client/index.js';
import { loadKubeconfigTransport } from '../../src/client/kubeconfig.js';
import type { ConfigMap } from '../../src/api/types/index.js';

it('40 concurrent merge patches and a racing delete on one object all succeed (SQLite group commit)', { timeout: 120_000 }, async () => {
  const c = await startCluster({ extraArgs: ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent'] });
  const clients = Array.from({ length: 8 }, () => new RestClient({ transport: loadKubeconfigTransport(c.kubeconfig), userAgent: 'k8ts-test-concurrent', timeoutMs: 30_000 }));
  try {
    const ns = 'default';
    await clients[0]!.create(R.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-race' }, data: {} });
    const patches = Array.from({ length: 40 }, (_, i) => clients[i % clients.length]!.patch(R.configmaps, ns, 'k8ts-test-race', 'merge', { data: { [`k${i}`]: String(i) } }));
    const results = await Promise.allSettled(patches);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, []);
    const cm = await clients[0]!.get<ConfigMap>(R.configmaps, ns, 'k8ts-test-race');
    assert.equal(Object.keys(cm.data ?? {}).length, 40, 'every patch is in the object');

    // A delete among a burst of patches: it succeeds (the patches after it get 404).
    const burst = Promise.allSettled(Array.from({ length: 20 }, (_, i) => clients[i % clients.length]!.patch(R.configmaps, ns, 'k8ts-test-race', 'merge', { data: { [`b${i}`]: 'x' } })));
    const [del] = await Promise.allSettled([clients[3]!.delete(R.configmaps, ns, 'k8ts-test-race')]);
    assert.equal(del!.status, 'fulfilled', `the delete: ${String((del as PromiseRejectedResult).reason)}`);
    for (const r of await burst) if (r.status === 'rejected') assert.match(String(r.reason), /not found/i);
  } finally {
    for (const cl of clients) cl.close();
    await c.stop();
    c.cleanup();
  }
});
