// Two API servers on one etcd allocate ClusterIPs and NodePorts at the same time: the
// allocations are compare-and-swap writes in storage, so no two Services get the same one.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { haveEtcd, startTestEtcd } from '../../src/storage/testing/etcd-process.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';

it('two servers on one etcd never hand out the same ClusterIP or NodePort', { skip, timeout: 240_000 }, async () => {
  const etcd = await startTestEtcd();
  const servers: TestCluster[] = [];
  try {
    // A small NodePort range makes collisions likely if allocation were not atomic across servers.
    const args = ['--runtime', 'simulated', '--simulated-nodes', '0', '--service-node-port-range', '30000-30063'];
    for (let i = 0; i < 2; i++) servers.push(await startCluster({ datastore: etcd.spec, extraArgs: args }));
    const ns = 'k8ts-test-alloc';
    await servers[0]!.k(['create', 'namespace', ns]);
    const perServer = 16;
    const create = (c: TestCluster, tag: string) => async (lane: number) => {
      for (let i = lane; i < perServer; i += 4) {
        await c.k(['create', 'service', 'nodeport', `${tag}-${i}`, '-n', ns, '--tcp=80:80']);
      }
    };
    await Promise.all(servers.flatMap((c, s) => [0, 1, 2, 3].map(create(c, `s${s}`))));
    const list = JSON.parse(await servers[1]!.k(['get', 'services', '-n', ns, '-o', 'json'])) as { items: Array<{ spec: { clusterIP: string; ports: Array<{ nodePort: number }> } }> };
    assert.equal(list.items.length, 2 * perServer);
    const ips = list.items.map((s) => s.spec.clusterIP);
    const ports = list.items.map((s) => s.spec.ports[0]!.nodePort);
    assert.equal(new Set(ips).size, ips.length, `duplicate ClusterIPs: ${ips.join(' ')}`);
    assert.equal(new Set(ports).size, ports.length, `duplicate NodePorts: ${ports.join(' ')}`);
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    for (const s of servers) s.cleanup();
    await etcd.stop();
  }
});
