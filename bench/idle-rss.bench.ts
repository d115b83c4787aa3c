// Idle RSS of `k8ts server --runtime simulated` (API server, controllers, scheduler, a simulated
// node, DNS and Ingress; the 100 MB budget), for one build or as an A/B of
// several builds, started in alternating rounds so that machine load hits them alike. A refactor
// that moves imports (barrels, surfaces) shows up here when it makes a loop load more modules.
//   node dist/bench/idle-rss.bench.js [--k8ts PATH]... [--rounds 3] [--idle-seconds 40] [--datastore sqlite|memory]
// --k8ts: a bin/k8ts to run (repeatable; default this checkout's). Needs no host lock: simulated
// runtime, free ports, a temporary data dir removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/cluster.js';
import { bounded } from '../src/testing/bounded.js';
import { heapsMB } from './api/server-process.js';

const { values } = parseArgs({ options: { k8ts: { type: 'string', multiple: true }, rounds: { type: 'string', default: '3' }, 'idle-seconds': { type: 'string', default: '40' }, datastore: { type: 'string', default: 'sqlite' } } });
const root = process.env.K8TS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../..');
const builds = (values.k8ts?.length ? values.k8ts : [join(root, 'bin/k8ts')]).map((p) => resolve(p));
const rounds = Number(values.rounds);
const idleMs = Number(values['idle-seconds']) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** GET /metrics with the admin client certificate the server wrote into its data dir. */
function scrape(dataDir: string, port: number): Promise<string> {
  const tls = (f: string): string => readFileSync(join(dataDir, 'tls', f), 'utf8');
  return bounded(
    new Promise((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', ca: tls('server-ca.crt'), cert: tls('client-admin.crt'), key: tls('client-admin.key') }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => ok(body));
      });
      req.on('error', fail);
      req.end();
    }),
    10_000,
    'GET /metrics',
  );
}

async function idleRss(bin: string): Promise<{ rssMB: number; heapMB: Record<string, number> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-idle-rss-'));
  const [port, http, https, kubelet] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = ['server', '--runtime', 'simulated', '--datastore', values.datastore!, '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--ingress-http-port', String(http), '--ingress-https-port', String(https), '--kubelet-port', String(kubelet)];
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await bounded(
      new Promise<void>((ok, fail) => {
        proc.stderr!.on('data', () => log.includes('kubeconfig written') && ok());
        proc.once('exit', (code) => fail(new Error(`server exited with ${code}:\n${log}`)));
      }),
      30_000,
      `${bin} server to start`,
    );
    await sleep(idleMs);
    const rss = rssMB(proc.pid!);
    return { rssMB: rss, heapMB: heapsMB(await scrape(dataDir, port)) };
  } finally {
    const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await bounded(exited, 30_000, `stopping ${bin} server`).finally(() => clearTimeout(killer));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const samples = builds.map(() => [] as number[]);
const heaps = builds.map(() => [] as Record<string, number>[]);
for (let r = 0; r < rounds; r++) {
  // Alternate the order each round, so neither build always starts right after the other stops.
  const order = builds.map((_, i) => i);
  if (r % 2) order.reverse();
  for (const b of order) {
    const s = await idleRss(builds[b]!);
    samples[b]!.push(s.rssMB);
    heaps[b]!.push(s.heapMB);
    console.log(`round ${r + 1} ${builds[b]}: RSS ${s.rssMB.toFixed(1)} MB after ${idleMs / 1000} s idle; heap used ${Object.entries(s.heapMB).map(([k, v]) => `${k} ${v}`).join(', ')} MB`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = builds.map((bin, i) => {
  const loops = [...new Set(heaps[i]!.flatMap((h) => Object.keys(h)))];
  const heapMB = Object.fromEntries(loops.map((l) => [l, median(heaps[i]!.map((h) => h[l] ?? 0))]));
  return { k8ts: bin, medianMB: +median(samples[i]!).toFixed(1), samplesMB: samples[i]!.map((x) => +x.toFixed(1)), medianHeapMB: heapMB };
});
for (const row of rows) {
  console.log(`${row.k8ts}: median idle RSS ${row.medianMB} MB (${row.samplesMB.join(', ')}); median heap used ${Object.entries(row.medianHeapMB).map(([k, v]) => `${k} ${v}`).join(', ')} MB`);
}
console.log(`RESULT ${JSON.stringify({ bench: 'idle-rss', date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, idleSeconds: idleMs / 1000, datastore: values.datastore, rows })}`);
