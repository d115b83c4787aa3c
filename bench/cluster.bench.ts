// Issue "Desired state" benchmark: scheduler throughput for 10,000 pods on 1,000 and 5,000
// simulated nodes, and the time for a 1,000-replica Deployment to become available — end to
// end through `bin/k8ts server --runtime simulated` (API server + controllers + scheduler +
// simulated kubelets in one process), with the server's CPU and RSS sampled throughout.
//
// Usage: node dist/bench/cluster.bench.js [--quick] [--nodes 5000] [--pods 10000] [--rounds N] [--k8ts PATH] [--no-deployment]
//   [--server-args '--node-loop separate'] (more `k8ts server` flags for the scheduling runs)
// --nodes: only the scheduling run at that many nodes. --k8ts: another checkout's bin/k8ts as a
// baseline; with --rounds N each round runs the baseline then this checkout (alternating, so load
// from other work on a shared machine falls on both alike).
import { join, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { startServer, readRss, type ServerHandle } from './api/server-process.js';
import { RestClient } from '../src/client/rest-client.js';
import { R } from '../src/client/resources.js';
import type { KObject } from '../src/api/types/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, nodes: { type: 'string' }, pods: { type: 'string' }, rounds: { type: 'string', default: '1' },
    k8ts: { type: 'string' }, 'no-deployment': { type: 'boolean', default: false }, 'server-args': { type: 'string', default: '' },
  },
});
const quick = args.quick;
/** The checkout a bin/k8ts path belongs to. */
const rootOf = (bin: string): string => dirname(dirname(resolve(bin)));

function clientFor(s: ServerHandle): RestClient {
  return new RestClient({
    transport: { kind: 'https', server: `https://${s.creds.host}:${s.creds.port}`, ca: s.creds.ca.toString(), cert: s.creds.cert.toString(), key: s.creds.key.toString() },
    userAgent: 'k8ts-bench',
    timeoutMs: 120_000,
  });
}

/** CPU seconds (user+system) of a process, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

class Sampler {
  private t?: NodeJS.Timeout;
  peakRss = 0;
  private cpu0 = 0;
  private t0 = 0;
  constructor(private readonly pid: number) {}
  start(): void {
    this.cpu0 = cpuSeconds(this.pid);
    this.t0 = performance.now();
    this.peakRss = readRss(this.pid).rssMB;
    this.t = setInterval(() => (this.peakRss = Math.max(this.peakRss, readRss(this.pid).rssMB)), 250);
  }
  stop(): { cpuPercentOfOneCore: number; peakRssMB: number; rssMB: number } {
    clearInterval(this.t);
    const secs = (performance.now() - this.t0) / 1000;
    const rss = readRss(this.pid).rssMB;
    return { cpuPercentOfOneCore: Math.round(((cpuSeconds(this.pid) - this.cpu0) / secs) * 1000) / 10, peakRssMB: Math.round(Math.max(this.peakRss, rss)), rssMB: Math.round(rss) };
  }
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

const podBody = (i: number): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `bench-${i}`, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function schedulerThroughput(nodes: number, pods: number, root = ROOT) {
  const extra = args['server-args'] ? args['server-args'].split(' ') : [];
  const s = await startServer(root, 'memory', 120_000, ['--runtime', 'simulated', '--simulated-nodes', String(nodes), ...extra]);
  const c = clientFor(s);
  try {
    await waitFor(`${nodes} nodes`, async () => (await c.list(R.nodes, undefined, { limit: 1 })).metadata.remainingItemCount === nodes - 1 || nodes === 1, 120_000);
    const bound = new Map<string, number>();
    const list = await c.list(R.pods, 'default');
    const watch = c.watch(R.pods, 'default', { resourceVersion: list.metadata.resourceVersion }, (ev) => {
      const o = ev.object;
      if ((o.spec as { nodeName?: string } | undefined)?.nodeName && !bound.has(o.metadata.name!)) bound.set(o.metadata.name!, performance.now());
    });
    const sampler = new Sampler(s.pid);
    sampler.start();
    const t0 = performance.now();
    await pool(pods, 64, (i) => c.create(R.pods, 'default', podBody(i)));
    const created = performance.now();
    await waitFor('all pods bound', async () => bound.size >= pods, 600_000);
    const times = [...bound.values()].sort((a, b) => a - b);
    const usage = sampler.stop();
    watch.stop();
    const firstBound = times[0];
    const lastBound = times[times.length - 1];
    return {
      nodes,
      pods,
      createPerSec: Math.round(pods / ((created - t0) / 1000)),
      boundPerSec: Math.round(pods / ((lastBound - firstBound) / 1000)),
      createToAllBoundS: Math.round((lastBound - t0) / 100) / 10,
      ...usage,
    };
  } finally {
    c.close();
    await s.stop();
  }
}

async function deploymentAvailable(replicas: number, nodes: number) {
  const s = await startServer(ROOT, 'sqlite', 120_000, ['--runtime', 'simulated', '--simulated-nodes', String(nodes)]);
  const c = clientFor(s);
  try {
    await waitFor(`${nodes} nodes`, async () => (await c.list(R.nodes)).items.length === nodes, 120_000);
    const sampler = new Sampler(s.pid);
    sampler.start();
    const t0 = performance.now();
    await c.create(R.deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big' },
      spec: { replicas, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }] } } },
    });
    await waitFor('deployment available', async () => {
      const d = await c.get(R.deployments, 'default', 'big');
      return ((d.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0) >= replicas;
    }, 600_000);
    const secs = (performance.now() - t0) / 1000;
    return { replicas, nodes, availableAfterS: Math.round(secs * 10) / 10, ...sampler.stop() };
  } finally {
    c.close();
    await s.stop();
  }
}

async function main(): Promise<void> {
  const machine = { date: new Date().toISOString(), nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  console.log(`cluster.bench on ${machine.nproc} CPUs (${machine.cpu}), ${machine.node}`);
  const pods = args.pods ? Number(args.pods) : quick ? 500 : 10_000;
  const sched = [];
  const builds: Array<{ label: string; root: string }> = args.k8ts ? [{ label: 'baseline', root: rootOf(args.k8ts) }, { label: 'this', root: ROOT }] : [{ label: 'this', root: ROOT }];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const nodes of args.nodes ? [Number(args.nodes)] : quick ? [50] : [1000, 5000]) {
      for (const b of builds) {
        const r = { round, build: b.label, ...(await schedulerThroughput(nodes, pods, b.root)) };
        console.log(`round ${round} ${b.label}: scheduling ${r.pods} pods on ${r.nodes} nodes: bound ${r.boundPerSec} pods/s (created at ${r.createPerSec}/s; all bound ${r.createToAllBoundS} s after the first create); server CPU ${r.cpuPercentOfOneCore}% of a core, RSS ${r.rssMB} MB (peak ${r.peakRssMB} MB)`);
        sched.push(r);
      }
    }
  }
  if (args['no-deployment']) {
    console.log(`RESULT ${JSON.stringify({ machine, quick, scheduling: sched })}`);
    return;
  }
  const dep = await deploymentAvailable(quick ? 100 : 1000, quick ? 10 : 100);
  console.log(`a ${dep.replicas}-replica Deployment on ${dep.nodes} nodes is available after ${dep.availableAfterS} s; server CPU ${dep.cpuPercentOfOneCore}% of a core, RSS ${dep.rssMB} MB (peak ${dep.peakRssMB} MB)`);
  console.log(`RESULT ${JSON.stringify({ machine, quick, scheduling: sched, deployment: dep })}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
