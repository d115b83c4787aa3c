// Scheduler throughput benchmark.
//
//   npx tsc -p tsconfig.json && node dist/bench/scheduler.bench.js [--e2e] [--quick]
//
// 1. Pure core: SchedulerCache + default profile, no API. 10,000 pods (100m cpu / 128Mi each,
//    like upstream's SchedulingBasic) onto 1,000 and 5,000 nodes (32 cpu / 64Gi / 110 pods,
//    spread over 3 zones). Each pod is scheduled then assumed on its node, as the loop does.
//    Also a variant where every pod carries preferred pod anti-affinity and a spread constraint.
// 2. --e2e: the full loop through a real in-process API server (startTestApi): nodes and pods
//    created through the API, the scheduler binds them via pods/binding; time from the first
//    pod created until every pod is seen bound by an informer.
// Target: >= 1,000 pods/s at 5,000 nodes. Prints one `RESULT {...}` JSON line at the end.
import { parseArgs } from 'node:util';
import { SchedulerCache } from '../src/scheduler/cache.js';
import { newCursor, schedulePod } from '../src/scheduler/core.js';
import { podInfoOf } from '../src/scheduler/framework/pod-info.js';
import { defaultProfile } from '../src/scheduler/profile.js';
import { makeNode, makePod } from '../src/scheduler/testing/fixtures.js';
import type { Pod } from '../src/api/types/index.js';

const { values: args } = parseArgs({ options: { e2e: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });
const PODS = args.quick ? 2000 : 10_000;

function buildCache(nodes: number): SchedulerCache {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) {
    cache.addNode(makeNode(`node-${i}`, { cpu: '32', memory: '64Gi', pods: '110', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } }));
  }
  return cache;
}

function basicPod(i: number): Pod {
  return makePod(`pod-${i}`, { cpu: '100m', memory: '128Mi', labels: { app: `app-${i % 100}` } });
}

function affinityPod(i: number): Pod {
  const app = `app-${i % 100}`;
  return makePod(`pod-${i}`, {
    cpu: '100m',
    memory: '128Mi',
    labels: { app },
    spec: {
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } } }] } },
      topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }],
    },
  });
}

interface CoreResult { nodes: number; pods: number; variant: string; seconds: number; podsPerSecond: number; unschedulable: number }

function runCore(nodes: number, variant: 'basic' | 'affinity+spread', pods: number): CoreResult {
  const cache = buildCache(nodes);
  const profile = defaultProfile();
  const cursor = newCursor();
  const objs = Array.from({ length: pods }, (_, i) => (variant === 'basic' ? basicPod(i) : affinityPod(i)));
  // Warm-up on a separate cache so the JIT has seen the hot paths.
  const warm = buildCache(Math.min(nodes, 200));
  for (let i = 0; i < 500; i++) {
    const p = variant === 'basic' ? basicPod(1e6 + i) : affinityPod(1e6 + i);
    const r = schedulePod(p, warm, profile, cursor);
    if (r.kind === 'scheduled') warm.assumePod(podInfoOf(p), r.node);
  }
  let unschedulable = 0;
  const t0 = process.hrtime.bigint();
  for (const p of objs) {
    const r = schedulePod(p, cache, profile, cursor);
    if (r.kind === 'scheduled') cache.assumePod(podInfoOf(p), r.node);
    else unschedulable++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { nodes, pods, variant, seconds: +seconds.toFixed(3), podsPerSecond: Math.round(pods / seconds), unschedulable };
}

async function runE2E(nodes: number, pods: number): Promise<Record<string, number>> {
  const { startTestApi } = await import('../src/testing/test-api.js');
  const { startScheduler } = await import('../src/scheduler/index.js');
  const { R } = await import('../src/client/resources.js');
  const api = await startTestApi();
  try {
    const client = api.client;
    const conc = 64;
    const runPool = async (n: number, fn: (i: number) => Promise<unknown>): Promise<void> => {
      let next = 0;
      await Promise.all(Array.from({ length: conc }, async () => {
        while (next < n) await fn(next++);
      }));
    };
    await runPool(nodes, (i) => client.create(R.nodes, undefined, makeNode(`node-${i}`, { cpu: '32', memory: '64Gi', pods: '110' })));
    const podsInf = api.ctx.informers.informerFor<Pod>(R.pods);
    const nodesInf = api.ctx.informers.informerFor(R.nodes);
    await Promise.all([podsInf.whenSynced(), nodesInf.whenSynced()]);
    while (nodesInf.lister.list().length < nodes) await new Promise((r) => setTimeout(r, 20));
    let bound = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    podsInf.addEventHandler({
      onUpdate: (o, n) => {
        if (!o.spec?.nodeName && n.spec?.nodeName && ++bound === pods) resolveDone();
      },
    });
    const sched = await startScheduler(api.ctx);
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    await runPool(pods, (i) => {
      const p = makePod(`pod-${i}`, { cpu: '100m', memory: '128Mi' });
      delete (p.metadata as { uid?: string }).uid;
      delete (p.metadata as { resourceVersion?: string }).resourceVersion;
      delete (p.metadata as { creationTimestamp?: string }).creationTimestamp;
      delete (p as { status?: unknown }).status;
      return client.create(R.pods, 'default', p);
    });
    const created = Date.now() - t0;
    await done;
    const seconds = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      nodes, pods, createSeconds: created / 1000, seconds, podsPerSecond: Math.round(pods / seconds),
      scheduled: sched.stats.scheduled, cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2), rssMB: Math.round(process.memoryUsage().rss / 1048576),
    };
  } finally {
    await api.stop();
  }
}

const results: { core: CoreResult[]; e2e: Record<string, number>[] } = { core: [], e2e: [] };
for (const nodes of [1000, 5000]) {
  for (const variant of ['basic', 'affinity+spread'] as const) {
    const r = runCore(nodes, variant, variant === 'basic' ? PODS : Math.min(PODS, 5000));
    results.core.push(r);
    process.stdout.write(`core  ${variant.padEnd(16)} nodes=${String(nodes).padStart(5)} pods=${r.pods}  ${r.seconds.toFixed(2)} s  ${r.podsPerSecond} pods/s  (unschedulable ${r.unschedulable})\n`);
  }
}
if (args.e2e) {
  for (const nodes of args.quick ? [100] : [1000, 5000]) {
    const r = await runE2E(nodes, args.quick ? 1000 : PODS);
    results.e2e.push(r);
    process.stdout.write(`e2e   nodes=${nodes} pods=${r.pods}  ${r.seconds.toFixed(2)} s  ${r.podsPerSecond} pods/s  (creates took ${r.createSeconds} s; cpu ${r.cpuSeconds} s; rss ${r.rssMB} MB)\n`);
  }
}
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
