// Three API servers on one 3-member etcd: the controller manager runs on the Lease holder only;
// kill -9 of that server while a Deployment rolls out and 50 writes/s run through the two
// others → a survivor takes the Lease within 15 s and its controllers finish the rollout; no
// acknowledged write is lost. Simulated runtime (one simulated node, so pods become ready and
// the rollout can progress), random ports: no host lock.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startCluster, type TestCluster } from '../helpers/cluster.js';
import { haveEtcd, startTestEtcdCluster } from '../../src/storage/testing/etcd-process.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R } from '../../src/client/index.js';
import { loadKubeconfigTransport } from '../../src/client/kubeconfig.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';

async function lease(c: TestCluster): Promise<{ holder: string; acquired: number }> {
  const out = (await c.k(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity} {.spec.acquireTime}'])).trim();
  const [holder = '', at = ''] = out.split(' ');
  return { holder, acquired: Date.parse(at) };
}

it('3 servers on one etcd: kill -9 of the leader mid-rollout under 50 writes/s; a survivor takes over within 15 s and finishes it', { skip, timeout: 240_000 }, async () => {
  const etcd = await startTestEtcdCluster(3);
  const servers: TestCluster[] = [];
  const clients: RestClient[] = [];
  try {
    // Two servers without nodes; one of them takes the Lease. The third, started after, runs
    // the cluster's one simulated node (each server's simulated nodes have the same names), so
    // the node outlives the kill and the rollout's pods become ready.
    for (let i = 0; i < 2; i++) servers.push(await startCluster({ datastore: etcd.spec, extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '0'] }));
    const [a] = servers;
    const lead = await eventually(async () => {
      const { holder } = await lease(a!);
      return servers.find((s) => holder.endsWith(`_${s.proc.pid}`));
    }, 30_000, 500);
    servers.push(await startCluster({ datastore: etcd.spec, extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '1'] }));
    const ns = 'k8ts-test-takeover';
    await a!.k(['create', 'namespace', ns]);
    const survivors = servers.filter((s) => s !== lead);
    const [s1, s2] = survivors as [TestCluster, TestCluster];
    await s1.k(['create', 'deployment', 'web', '-n', ns, '--image=registry.k8s.io/pause:3.10', '--replicas=4']);
    await eventually(async () => (await s1.k(['get', 'replicasets', '-n', ns, '-o', 'name'])).trim().split('\n').filter(Boolean).length === 1, 30_000, 500);

    // 50 writes/s through the two survivors (25/s each, fixed rate, not waiting for answers);
    // every acknowledged one must survive.
    const acked: string[] = [];
    const failed: string[] = [];
    const pending: Array<Promise<void>> = [];
    let stop = false;
    for (const [tag, c] of [['w1', s1], ['w2', s2]] as const) {
      const client = new RestClient({ transport: loadKubeconfigTransport(c.kubeconfig), userAgent: 'k8ts-test-writer', timeoutMs: 30_000 });
      clients.push(client);
      let i = 0;
      const tick = setInterval(() => {
        if (stop) return clearInterval(tick);
        const name = `${tag}-${i++}`;
        pending.push(client.create(R.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }).then(
          () => void acked.push(name),
          (e: unknown) => void failed.push(`${name}: ${(e as Error).message}`),
        ));
      }, 40);
    }
    await new Promise((r) => setTimeout(r, 2000));

    // The rollout starts, then the controllers' server dies.
    await s1.k(['set', 'image', 'deployment/web', '-n', ns, 'pause=registry.k8s.io/pause:3.9']);
    const t0 = Date.now();
    await lead.stop('SIGKILL');
    const taken = await eventually(async () => {
      const l = await lease(s2);
      return survivors.some((s) => l.holder.endsWith(`_${s.proc.pid}`)) ? l : undefined;
    }, 40_000, 250);
    const takeoverMs = taken.acquired - t0;
    const status = await s1.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 });
    const rolledMs = Date.now() - t0;
    stop = true;
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all(pending);
    console.log(`# takeover: a survivor took the Lease ${takeoverMs} ms after kill -9 of the leader; the rollout finished after ${rolledMs} ms; ${acked.length} writes acknowledged, ${failed.length} failed`);
    assert.equal(status.code, 0, `the rollout finished: ${status.stdout}${status.stderr}`);
    // Upstream's defaults (Lease 15 s, renewed every 2 s, taken the moment it expires): at most
    // 15 s after the last renewal, which came before the kill, plus the taking read and write.
    assert.ok(takeoverMs < 15_000 + 1000, `takeover took ${takeoverMs} ms`);
    assert.deepEqual(failed, []);
    assert.ok(acked.length >= 50 * 15, `the writers kept ~50 writes/s (${acked.length} acknowledged)`);
    const names = new Set((await s2.k(['get', 'configmaps', '-n', ns, '-o', 'name'])).split('\n').filter(Boolean).map((l) => l.replace('configmap/', '')));
    for (const w of acked) assert.ok(names.has(w), `acknowledged ${w} is missing`);
  } finally {
    for (const c of clients) c.close();
    for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
    for (const s of servers) s.cleanup();
    await etcd.stop();
  }
});
