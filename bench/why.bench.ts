// Issue 17 benchmark: `k8ts why` latency on a cluster of 1,000 pods (simulated runtime): a healthy
// 1,000-replica Deployment, its Service, and a Service with a selector typo (which reads every pod
// of the namespace for near misses). Two figures per question: the whole CLI process (`k8ts why`,
// node start-up included) and the fetch + diagnosis in this process with a warm connection.
//
// Usage: node dist/bench/why.bench.js [--pods N] [--runs N]
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { startServer, type ServerHandle } from './api/server-process.js';
import { RestClient } from '../src/client/rest-client.js';
import { R } from '../src/client/resources.js';
import { diagnose, fetchFacts, headline, parseTarget, restSource } from '../src/why/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const PODS = arg('--pods', 1000);
const RUNS = arg('--runs', 7);

function clientFor(s: ServerHandle): RestClient {
  return new RestClient({
    transport: { kind: 'https', server: `https://${s.creds.host}:${s.creds.port}`, ca: s.creds.ca.toString(), cert: s.creds.cert.toString(), key: s.creds.key.toString() },
    userAgent: 'k8ts-bench',
    timeoutMs: 120_000,
  });
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const machine = { date: new Date().toISOString(), nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  console.log(`why.bench on ${machine.nproc} CPUs (${machine.cpu}), ${machine.node}: ${PODS} pods, ${RUNS} runs each`);
  const nodes = Math.ceil(PODS / 100) + 1;
  const s = await startServer(ROOT, 'sqlite', 120_000, ['--runtime', 'simulated', '--simulated-nodes', String(nodes)]);
  const c = clientFor(s);
  try {
    await waitFor(`${nodes} nodes`, async () => (await c.list(R.nodes)).items.length === nodes, 120_000);
    await c.create(R.deployments, 'default', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'big' },
      spec: { replicas: PODS, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }] } } },
    });
    for (const [name, app] of [['big', 'big'], ['typo', 'bgi']]) {
      await c.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } });
    }
    const t0 = performance.now();
    await waitFor('deployment available', async () => ((await c.get(R.deployments, 'default', 'big')).status as { availableReplicas?: number } | undefined)?.availableReplicas === PODS, 900_000);
    console.log(`deployment of ${PODS} available after ${Math.round((performance.now() - t0) / 1000)} s`);
    const kubeconfig = join(s.dir, 'kubeconfig.yaml');
    const results: Record<string, unknown> = {};
    for (const q of ['deploy/big', 'svc/big', 'svc/typo']) {
      const inproc: number[] = [];
      const cli: number[] = [];
      let first = '';
      for (let i = 0; i < RUNS; i++) {
        const a = performance.now();
        const { subject, facts } = await fetchFacts(restSource(c), parseTarget([q]), 'default');
        first = headline(diagnose(subject, facts));
        inproc.push(performance.now() - a);
        const b = performance.now();
        const r = spawnSync(process.execPath, [join(ROOT, 'bin/k8ts'), 'why', q, '--kubeconfig', kubeconfig], { encoding: 'utf8' });
        cli.push(performance.now() - b);
        if (r.status !== 0 && r.status !== 1) throw new Error(`k8ts why ${q} exited ${r.status}: ${r.stderr}`);
      }
      results[q] = { first: first.slice(0, 100), inProcessMsP50: Math.round(median(inproc)), cliMsP50: Math.round(median(cli)), cliMsMax: Math.round(Math.max(...cli)) };
      console.log(`${q}: in process p50 ${Math.round(median(inproc))} ms, CLI p50 ${Math.round(median(cli))} ms (max ${Math.round(Math.max(...cli))}) — ${first.slice(0, 90)}`);
    }
    // The floor of any CLI run here: node start-up and loading the why command, no API call.
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = performance.now();
      spawnSync(process.execPath, [join(ROOT, 'bin/k8ts'), 'why', '--help']);
      floor.push(performance.now() - b);
    }
    console.log(`k8ts why --help (start-up floor): p50 ${Math.round(median(floor))} ms`);
    const out = { machine, pods: PODS, nodes, runs: RUNS, cliStartupFloorMsP50: Math.round(median(floor)), results };
    console.log(`RESULT ${JSON.stringify(out)}`);
  } finally {
    c.close();
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
