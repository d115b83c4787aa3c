// Idle RSS of `k8ts server --runtime simulated --datastore memory` (API server, controllers,
// scheduler, a simulated node, DNS and Ingress; the 100 MB budget), for one build or as an A/B of
// several builds, started in alternating rounds so that machine load hits them alike. A refactor
// that moves imports (barrels, surfaces) shows up here when it makes a loop load more modules.
//   node dist/bench/idle-rss.bench.js [--k8ts PATH]... [--rounds 3] [--idle-seconds 40]
// --k8ts: a bin/k8ts to run (repeatable; default this checkout's). Needs no host lock: simulated
// runtime, free ports, a temporary data dir removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/cluster.js';
import { bounded } from '../src/testing/bounded.js';

const { values } = parseArgs({ options: { k8ts: { type: 'string', multiple: true }, rounds: { type: 'string', default: '3' }, 'idle-seconds': { type: 'string', default: '40' } } });
const root = process.env.K8TS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../..');
const builds = (values.k8ts?.length ? values.k8ts : [join(root, 'bin/k8ts')]).map((p) => resolve(p));
const rounds = Number(values.rounds);
const idleMs = Number(values['idle-seconds']) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function idleRss(bin: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-idle-rss-'));
  const [port, http, https, kubelet] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = ['server', '--runtime', 'simulated', '--datastore', 'memory', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--ingress-http-port', String(http), '--ingress-https-port', String(https), '--kubelet-port', String(kubelet)];
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
    return rssMB(proc.pid!);
  } finally {
    const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await bounded(exited, 30_000, `stopping ${bin} server`).finally(() => clearTimeout(killer));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const samples = builds.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (let b = 0; b < builds.length; b++) {
    const mb = await idleRss(builds[b]!);
    samples[b]!.push(mb);
    console.log(`round ${r + 1} ${builds[b]}: RSS ${mb.toFixed(1)} MB after ${idleMs / 1000} s idle`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = builds.map((bin, i) => ({ k8ts: bin, medianMB: +median(samples[i]!).toFixed(1), samplesMB: samples[i]!.map((x) => +x.toFixed(1)) }));
for (const row of rows) console.log(`${row.k8ts}: median idle RSS ${row.medianMB} MB (${row.samplesMB.join(', ')})`);
console.log(`RESULT ${JSON.stringify({ bench: 'idle-rss', date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, idleSeconds: idleMs / 1000, rows })}`);
