// Issue "Kubelet on runc" benchmark: pod start latency (create → Ready seen through a watch)
// through the whole system — API server, scheduler, kubelet, runc — for 1 pod at a time and for
// 100 pods at once, side by side in the same run with bare `runc run -d` of the same image; and
// the server's RSS with 100 pods running. Needs root, runc, conmon, tini (skips otherwise).
//
// Usage: node dist/bench/kubelet.bench.js [--single 20] [--batch 100] [--k8ts PATH]
// --k8ts: the bin/k8ts to run (default this checkout's), e.g. another checkout's build for a
// before/after comparison. Real containers: run it under `flock /tmp/k8ts-host.lock`.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, copyFileSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, readRss } from './api/server-process.js';
import { RestClient } from '../src/client/rest-client.js';
import { R } from '../src/client/resources.js';
import type { KObject } from '../src/api/types/index.js';
import { cleanupNodeNetwork, forceCleanupRuntime, runtimeSkipReason } from '../test/helpers/node.js';
import { freePort } from '../test/helpers/cluster.js';
import { ensureTestImages } from '../src/runtime/images/testing/index.js';

const { values: args } = parseArgs({ options: { single: { type: 'string', default: '20' }, batch: { type: 'string', default: '100' }, k8ts: { type: 'string' } } });
/** The checkout whose bin/k8ts runs. */
const ROOT = args.k8ts ? dirname(dirname(resolve(args.k8ts))) : join(dirname(fileURLToPath(import.meta.url)), '../..');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
const r1 = (x: number): number => Math.round(x * 10) / 10;

function podBody(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'kbench' } },
    spec: { terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  };
}

/** Bare `runc run -d` of a busybox bundle: the floor any pod start sits on. */
function bareRunc(n: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'k8tsb-runc-'));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const a of ['sh', 'sleep']) symlinkSync('busybox', join(rootfs, 'bin', a));
  for (const d of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
  execFileSync('runc', ['spec'], { cwd: dir });
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['sleep', '3600'];
  spec.root.readonly = true;
  spec.linux.cgroupsPath = '/k8tsb-runc/c';
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  const out: number[] = [];
  const runcRoot = join(dir, 'state');
  try {
    for (let i = 0; i < n; i++) {
      const id = `k8tsb-bare-${i}`;
      const t0 = performance.now();
      spawnSync('runc', ['--root', runcRoot, 'run', '-d', '--bundle', dir, id], { stdio: 'ignore' });
      out.push(performance.now() - t0);
      spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spawnSync('sh', ['-c', 'for c in /sys/fs/cgroup/*/k8tsb-runc; do rmdir $c/c $c 2>/dev/null; done'], { stdio: 'ignore' });
  }
  return out;
}

async function main(): Promise<void> {
  const skip = runtimeSkipReason();
  const images = skip ? undefined : ensureTestImages();
  if (skip || !images || 'skip' in images) {
    const why = skip ?? (images && 'skip' in images ? images.skip : 'no images');
    console.log(`kubelet bench skipped: ${why}`);
    return;
  }
  const machine = { date: new Date().toISOString(), nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version, k8ts: join(ROOT, 'bin/k8ts') };
  cleanupNodeNetwork();
  const s = await startServer(ROOT, 'sqlite', 60_000, ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort())]);
  const c = new RestClient({
    transport: { kind: 'https', server: `https://${s.creds.host}:${s.creds.port}`, ca: s.creds.ca.toString(), cert: s.creds.cert.toString(), key: s.creds.key.toString() },
    userAgent: 'k8ts-bench',
  });
  try {
    execFileSync(process.execPath, [join(ROOT, 'bin/k8ts'), 'image', 'load', join(images.dir, 'busybox.tar'), '--data-dir', s.dir]);
    // Wait for the node.
    for (let i = 0; i < 100; i++) {
      const nodes = await c.list(R.nodes);
      if (nodes.items.some((n) => (n.status as { conditions?: Array<{ type: string; status: string }> }).conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const created = new Map<string, number>();
    const ready = new Map<string, number>();
    const list = await c.list(R.pods, 'default');
    const w = c.watch(R.pods, 'default', { resourceVersion: list.metadata.resourceVersion }, (ev) => {
      const p = ev.object;
      const conds = (p.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      if (!ready.has(p.metadata.name!) && conds.some((x) => x.type === 'Ready' && x.status === 'True')) ready.set(p.metadata.name!, performance.now());
    });
    const waitReady = async (names: string[]): Promise<void> => {
      const end = Date.now() + 120_000;
      while (names.some((n) => !ready.has(n))) {
        if (Date.now() > end) throw new Error('pods did not become ready in 120 s');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // One pod at a time (warm image).
    const single: number[] = [];
    for (let i = 0; i < Number(args.single); i++) {
      const name = `single-${i}`;
      created.set(name, performance.now());
      await c.create(R.pods, 'default', podBody(name));
      await waitReady([name]);
      single.push(ready.get(name)! - created.get(name)!);
      await c.delete(R.pods, 'default', name);
    }
    // A batch created at once.
    const names = Array.from({ length: Number(args.batch) }, (_, i) => `batch-${i}`);
    const t0 = performance.now();
    await Promise.all(names.map(async (n) => {
      created.set(n, performance.now());
      await c.create(R.pods, 'default', podBody(n));
    }));
    await waitReady(names);
    const batchAll = performance.now() - t0;
    const batch = names.map((n) => ready.get(n)! - created.get(n)!);
    await new Promise((r) => setTimeout(r, 2000));
    const rss = readRss(s.pid);
    w.stop();
    // Graceful deletion: the kubelet stops and tears each pod down, then removes the object.
    for (const n of names) await c.delete(R.pods, 'default', n).catch(() => undefined);
    for (let i = 0; i < 600 && (await c.list(R.pods, 'default')).items.length; i++) await new Promise((r) => setTimeout(r, 100));
    const bare = bareRunc(Number(args.single));
    const result = {
      machine,
      singlePodMs: { p50: r1(pct(single, 50)), p99: r1(pct(single, 99)) },
      batchPodMs: { pods: names.length, p50: r1(pct(batch, 50)), p99: r1(pct(batch, 99)), allReadyMs: Math.round(batchAll) },
      bareRuncMs: { p50: r1(pct(bare, 50)), p99: r1(pct(bare, 99)) },
      ratioSingleP50: r1(pct(single, 50) / pct(bare, 50)),
      serverRssWith100PodsMB: Math.round(rss.rssMB),
    };
    console.log(`pod start (create → Ready via watch), one at a time: p50 ${result.singlePodMs.p50} ms, p99 ${result.singlePodMs.p99} ms`);
    console.log(`pod start, ${names.length} at once: p50 ${result.batchPodMs.p50} ms, p99 ${result.batchPodMs.p99} ms; all ready after ${result.batchPodMs.allReadyMs} ms`);
    console.log(`bare runc run -d of busybox: p50 ${result.bareRuncMs.p50} ms, p99 ${result.bareRuncMs.p99} ms; ratio (pod p50 / runc p50) ${result.ratioSingleP50}`);
    console.log(`server (API + controllers + scheduler + kubelet) RSS with ${names.length} pods running: ${result.serverRssWith100PodsMB} MB`);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    c.close();
    forceCleanupRuntime(s.dir);
    await s.stop();
    cleanupNodeNetwork();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
