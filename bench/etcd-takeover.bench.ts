// Controller-manager takeover time after kill -9 of the leading API server (issue 16): three
// `k8ts server --runtime simulated` on one 3-member etcd; each round kills the server holding the
// kube-controller-manager Lease and measures until a survivor holds it (the new holder's own
// acquireTime in the Lease, so kubectl's polling does not add to it; all servers share this
// host's clock), then starts the killed server again. Prints each round and the median.
//   node dist/bench/etcd-takeover.bench.js [--rounds 10]
// Needs /usr/bin/etcd; no host lock (simulated runtime, free ports).
import { parseArgs } from 'node:util';
import { startCluster, type TestCluster } from '../test/helpers/cluster.js';
import { startTestEtcdCluster } from '../src/storage/testing/etcd-process.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);
const args = ['--runtime', 'simulated', '--simulated-nodes', '0'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function lease(c: TestCluster): Promise<{ holder: string; acquired: number }> {
  const r = await c.kubectl(['get', 'lease', 'kube-controller-manager', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity} {.spec.acquireTime}'], { timeoutMs: 10_000 });
  const [holder = '', at = ''] = r.code === 0 ? r.stdout.trim().split(' ') : [];
  return { holder, acquired: Date.parse(at) };
}
const holder = async (c: TestCluster): Promise<string> => (await lease(c)).holder;

const etcd = await startTestEtcdCluster(3);
const servers: TestCluster[] = [];
const times: number[] = [];
try {
  for (let i = 0; i < 3; i++) servers.push(await startCluster({ datastore: etcd.spec, extraArgs: args }));
  for (let round = 1; round <= rounds; round++) {
    let lead: TestCluster | undefined;
    for (let i = 0; i < 150 && !lead; i++) {
      const h = await holder(servers[0]!);
      lead = servers.find((s) => h.endsWith(`_${s.proc.pid}`));
      if (!lead) await sleep(200);
    }
    if (!lead) throw new Error('no server holds the kube-controller-manager Lease');
    const other = servers.find((s) => s !== lead)!;
    const t0 = Date.now();
    await lead.stop('SIGKILL');
    let ms = Number.NaN;
    let seenMs = Number.NaN;
    for (let i = 0; i < 300; i++) {
      const { holder: h, acquired } = await lease(other);
      if (h && !h.endsWith(`_${lead.proc.pid}`) && servers.some((s) => s !== lead && h.endsWith(`_${s.proc.pid}`))) {
        seenMs = Date.now() - t0;
        ms = acquired - t0;
        break;
      }
      await sleep(100);
    }
    times.push(ms);
    console.log(`round ${round}: leader pid ${lead.proc.pid} killed, a survivor took the Lease after ${ms} ms (seen by kubectl after ${seenMs} ms)`);
    servers[servers.indexOf(lead)] = await startCluster({ dataDir: lead.dataDir, port: lead.port, datastore: etcd.spec, extraArgs: args });
  }
} finally {
  for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
  for (const s of servers) s.cleanup();
  await etcd.stop();
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
console.log(`takeover after kill -9 of the leader: median ${median} ms over ${times.length} rounds (min ${sorted[0]}, max ${sorted[sorted.length - 1]}); Lease 15 s, retry 2 s (upstream's defaults)`);
console.log(`RESULT ${JSON.stringify({ bench: 'etcd-takeover', rounds: times.length, medianMs: median, samplesMs: times })}`);
