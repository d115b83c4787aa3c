// State survives a kill -9 of the whole server: objects, resourceVersions and Service
// allocations are all there after a restart on the same data dir.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/cluster.js';

it('objects and allocations survive kill -9 and restart', { timeout: 120_000 }, async () => {
  const c1 = await startCluster({ extraArgs: ['--disable', 'agent'] });
  let dataDir = c1.dataDir;
  try {
    await c1.k(['create', 'namespace', 'keep']);
    await c1.k(['create', 'configmap', 'cfg', '-n', 'keep', '--from-literal=a=1']);
    await c1.k(['create', 'service', 'nodeport', 'np', '--tcp=80:8080']);
    const before = JSON.parse(await c1.k(['get', 'svc', 'np', '-o', 'json']));
    const cmBefore = JSON.parse(await c1.k(['get', 'cm', 'cfg', '-n', 'keep', '-o', 'json']));
    await c1.stop('SIGKILL');
    const c2 = await startCluster({ dataDir, extraArgs: ['--disable', 'agent'] });
    try {
      const after = JSON.parse(await c2.k(['get', 'svc', 'np', '-o', 'json']));
      assert.equal(after.spec.clusterIP, before.spec.clusterIP);
      assert.equal(after.spec.ports[0].nodePort, before.spec.ports[0].nodePort);
      const cm = JSON.parse(await c2.k(['get', 'cm', 'cfg', '-n', 'keep', '-o', 'json']));
      assert.equal(cm.metadata.resourceVersion, cmBefore.metadata.resourceVersion);
      assert.equal(cm.metadata.uid, cmBefore.metadata.uid);
      // The allocations were restored: asking for the same ClusterIP or NodePort is refused.
      const dupIP = await c2.kubectl(['create', 'service', 'clusterip', 'dup', `--clusterip=${before.spec.clusterIP}`, '--tcp=80:80']);
      assert.notEqual(dupIP.code, 0);
      assert.match(dupIP.stderr, /already allocated/);
      // New writes continue the revision sequence.
      await c2.k(['label', 'cm', 'cfg', '-n', 'keep', 'x=y']);
      const cm2 = JSON.parse(await c2.k(['get', 'cm', 'cfg', '-n', 'keep', '-o', 'json']));
      assert.ok(Number(cm2.metadata.resourceVersion) > Number(cm.metadata.resourceVersion));
    } finally {
      await c2.stop();
      dataDir = c2.dataDir;
      c2.cleanup();
    }
  } finally {
    await c1.stop();
  }
});
