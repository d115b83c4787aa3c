// The `kubernetes` Service's endpoints list every live API server sharing the datastore
// (upstream's lease endpoint reconciler): a server that stops leaves at once, one killed with -9
// once its record is older than the TTL (15 s) at the next reconcile (every 10 s).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startCluster, type TestCluster } from '../helpers/cluster.js';
import { haveEtcd, startTestEtcd } from '../../src/storage/testing/etcd-process.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';

async function endpointIPs(c: TestCluster): Promise<string> {
  const ep = JSON.parse(await c.k(['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json'])) as { subsets?: Array<{ addresses?: Array<{ ip: string }> }> };
  const slice = JSON.parse(await c.k(['get', 'endpointslice', 'kubernetes', '-n', 'default', '-o', 'json'])) as { endpoints?: Array<{ addresses: string[] }> };
  const a = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((x) => x.ip)).join(',');
  const b = (slice.endpoints ?? []).flatMap((e) => e.addresses).join(',');
  return a === b ? a : `Endpoints ${a} != EndpointSlice ${b}`;
}

it('the kubernetes endpoints follow the live API servers on one etcd', { skip, timeout: 180_000 }, async () => {
  const etcd = await startTestEtcd();
  const servers: TestCluster[] = [];
  const start = async (ip: string, dataDir?: string, port?: number): Promise<TestCluster> => {
    const c = await startCluster({ datastore: etcd.spec, extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '0', '--advertise-address', ip], ...(dataDir ? { dataDir, port } : {}) });
    servers.push(c);
    return c;
  };
  try {
    const a = await start('127.0.0.2');
    const b = await start('127.0.0.3');
    await eventually(async () => (await endpointIPs(a)) === '127.0.0.2,127.0.0.3', 15_000, 250);
    await b.stop();
    await eventually(async () => (await endpointIPs(a)) === '127.0.0.2', 10_000, 250);
    const b2 = await start('127.0.0.3', b.dataDir, b.port);
    await eventually(async () => (await endpointIPs(a)) === '127.0.0.2,127.0.0.3', 15_000, 250);
    await b2.stop('SIGKILL');
    const t0 = Date.now();
    await eventually(async () => (await endpointIPs(a)) === '127.0.0.2', 40_000, 500);
    assert.ok(Date.now() - t0 < 30_000, `a dead server dropped out after ${Date.now() - t0} ms`);
  } finally {
    for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
    for (const d of new Set(servers.map((s) => s.dataDir))) servers.find((s) => s.dataDir === d)!.cleanup();
    await etcd.stop();
  }
});
