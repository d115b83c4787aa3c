// The restart-hang fixture (test/fixtures/restart-hang, issue 10): how fast a server started
// on it answers, how long it takes to settle to 5 pods per Deployment, and how busy it is
// once settled. Simulated runtime; driven with the real kubectl only.
//
//   node dist/bench/restart-hang.bench.js [--runs N]     (default 3)
//
// Per run: ms from the "kubeconfig written" line to the first answer of
// `kubectl get deploy -A`; ms from that line until both Deployments have exactly 5 active
// pods with matching ReplicaSet status; the server's CPU (% of one core) over the 20 s after
// settling. Prints a table and, last, `RESULT {...}`.
import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCluster, type TestCluster } from '../test/helpers/cluster.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const FIXTURE = join(ROOT, 'test/fixtures/restart-hang/state.db');
const TICKS = 100; // USER_HZ on Linux

interface Obj {
  metadata: { namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: { uid: string; controller?: boolean }[] };
  status?: { replicas?: number; phase?: string };
}

async function settled(c: TestCluster): Promise<boolean> {
  const items = async (what: string): Promise<Obj[]> => (JSON.parse(await c.k(['get', what, '-A', '-o', 'json'])) as { items: Obj[] }).items;
  const rss = await items('replicasets');
  const pods = (await items('pods')).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  for (const ns of ['default', 't2']) {
    const nsPods = pods.filter((p) => p.metadata.namespace === ns);
    if (nsPods.length !== 5) return false;
    const status = rss.filter((rs) => rs.metadata.namespace === ns).reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    if (status !== 5) return false;
  }
  return true;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

const results: { answerMs: number; settleMs: number; idleCpuPct: number }[] = [];
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-restart-hang-'));
  copyFileSync(FIXTURE, join(dataDir, 'state.db'));
  chmodSync(join(dataDir, 'state.db'), 0o644);
  const c = await startCluster({ dataDir, extraArgs: ['--runtime', 'simulated'] });
  const written = Date.now();
  const killer = setTimeout(() => void c.stop('SIGKILL'), 120_000);
  try {
    const r = await c.kubectl(['get', 'deploy', '-A', '--request-timeout=30s'], { timeoutMs: 35_000 });
    if (r.code !== 0) throw new Error(`kubectl get deploy -A: ${r.stderr}`);
    const answerMs = Date.now() - written;
    let settleMs = NaN;
    while (Date.now() - written < 90_000) {
      if (await settled(c).catch(() => false)) {
        settleMs = Date.now() - written;
        break;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    const t0 = cpuTicks(c.proc.pid!);
    await new Promise((res) => setTimeout(res, 20_000));
    const idleCpuPct = ((cpuTicks(c.proc.pid!) - t0) / TICKS / 20) * 100;
    results.push({ answerMs, settleMs, idleCpuPct });
    console.error(`run ${i + 1}: answered in ${answerMs} ms, settled in ${settleMs} ms, then ${idleCpuPct.toFixed(1)} % CPU`);
  } finally {
    clearTimeout(killer);
    await c.stop();
    c.cleanup();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log('restart-hang fixture, simulated runtime (median of runs)');
console.log(`  kubectl get deploy -A answered after   ${median(results.map((r) => r.answerMs))} ms`);
console.log(`  settled to 5 pods per Deployment after ${median(results.map((r) => r.settleMs))} ms`);
console.log(`  server CPU for 20 s after settling     ${median(results.map((r) => r.idleCpuPct)).toFixed(1)} % of a core`);
console.log('RESULT ' + JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, runs: results }));
