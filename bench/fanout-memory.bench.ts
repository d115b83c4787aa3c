// Issue 18 (fan-out and memory): watch fan-out to many watchers, and the growth table (server
// RSS, heap per loop, LIST time, create rate as the stored pods grow), for one or more builds
// in alternating rounds so that a shared, loaded machine treats every build alike.
//
//   npm run build && node dist/bench/fanout-memory.bench.js [--k8ts ROOT]... [--rounds 2]
//       [--steps 1000,10000] [--watchers 1000] [--events 50] [--skip-fanout] [--skip-growth]
//
// --disable (default agent,scheduler) leaves the node and the scheduler out, so a created pod
// is one ADDED event and stays as created: the figures are the API server's and the
// controllers' cost per stored pod, not a node's. `--disable ''` keeps everything.
// --k8ts is a checkout root with a built dist/ (default: this one); repeat it for an A/B.
// Each round starts a fresh server per build and phase (`bin/k8ts server`, temp data dir,
// SQLite by default, `--runtime simulated`: no containers, so no host lock). Growth seeds pods with 50 clients up to each step, then reads RSS,
// the heap of every loop (/metrics), times 2 full LISTs of all pods and 1 walk paged by 500.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { newAgent } from './api/http.js';
import { call, type BenchContext } from './api/loops.js';
import { createNamespaces, seedPods } from './api/crud.js';
import { runWatchFanout, type FanoutResult } from './api/scale.js';
import { heapsMB, readRss, startServer, type ServerHandle } from './api/server-process.js';
import { ErrorLog, fmt, percentile } from './api/stats.js';
import { freePort } from '../test/helpers/cluster.js';

const { values: args } = parseArgs({
  options: {
    k8ts: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '1000,10000' },
    watchers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '50' },
    datastore: { type: 'string', default: 'sqlite' },
    'skip-fanout': { type: 'boolean', default: false },
    'skip-growth': { type: 'boolean', default: false },
    disable: { type: 'string', default: 'agent,scheduler' },
  },
});
const roots = (args.k8ts?.length ? args.k8ts : ['.']).map((p) => resolve(p));
const rounds = Number(args.rounds);
const steps = args.steps!.split(',').map(Number);
const watchers = Number(args.watchers);
const events = Number(args.events);

interface GrowthRow {
  pods: number;
  createPerSec: number;
  createP99: number;
  rssMB: number;
  heapMB: Record<string, number>;
  listMs: number;
  pagedMs: number;
  pages: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withServer<T>(root: string, fn: (ctx: BenchContext, s: ServerHandle) => Promise<T>): Promise<T> {
  // A simulated node: no containers, namespaces or host network touched, so no host lock.
  const ports = [await freePort(), await freePort(), await freePort()];
  const s = await startServer(root, args.datastore!, 30_000, ['--runtime', 'simulated', '--kubelet-port', String(ports[0]), '--ingress-http-port', String(ports[1]), '--ingress-https-port', String(ports[2]), ...(args.disable ? ['--disable', args.disable] : [])]);
  try {
    return await fn({ creds: s.creds, errors: new ErrorLog() }, s);
  } finally {
    await s.stop();
  }
}

async function growth(root: string): Promise<{ baseRssMB: number; rows: GrowthRow[] }> {
  return withServer(root, async (ctx, s) => {
    const ns = 'k8ts-bench-growth';
    await createNamespaces(ctx, [ns]);
    await sleep(2000);
    const baseRssMB = readRss(s.pid).rssMB;
    const agent = newAgent(ctx.creds, 1);
    const rows: GrowthRow[] = [];
    let have = 0;
    try {
      for (const step of steps) {
        const seeded = await seedPods(ctx, ns, `g${have}-`, step - have, 50, { maxErrors: 200 });
        have = step;
        await sleep(1500);
        const rssMB = readRss(s.pid).rssMB;
        const heapMB = heapsMB((await call(ctx, agent, 'GET', '/metrics', 200)).body);
        const lat: number[] = [];
        for (let i = 0; i < 2; i++) {
          const t = performance.now();
          await call(ctx, agent, 'GET', '/api/v1/pods', 200, { keepBytes: 1024, timeoutMs: 120_000 });
          lat.push(performance.now() - t);
        }
        let token: string | undefined;
        let pages = 0;
        const t0 = performance.now();
        do {
          const r = await call(ctx, agent, 'GET', `/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`, 200, { keepBytes: 4096 });
          token = /"continue":"([^"]*)"/.exec(r.body.slice(0, 4096))?.[1] || undefined;
          pages++;
        } while (token && pages < 1000);
        const pagedMs = performance.now() - t0;
        const row = { pods: step, createPerSec: seeded.result.opsPerSec, createP99: seeded.result.p99, rssMB, heapMB, listMs: Math.min(...lat), pagedMs, pages };
        rows.push(row);
        process.stderr.write(`  ${root}: ${step} pods: ${fmt(row.createPerSec, 0)} creates/s, RSS ${fmt(rssMB)} MB (${fmt(((rssMB - baseRssMB) * 1024) / step, 1)} KB/pod), heap ${JSON.stringify(heapMB)}, LIST ${fmt(row.listMs, 0)} ms, paged ${fmt(pagedMs, 0)} ms / ${pages} pages\n`);
        if (seeded.result.errors) process.stderr.write(`  seed errors: ${JSON.stringify([...ctx.errors.counts])}\n`);
      }
    } finally {
      agent.destroy();
    }
    return { baseRssMB, rows };
  });
}

async function fanout(root: string): Promise<FanoutResult> {
  return withServer(root, async (ctx, s) => {
    await createNamespaces(ctx, ['bench-fan']);
    const r = await runWatchFanout(ctx, watchers, events, 100, () => readRss(s.pid).rssMB);
    process.stderr.write(`  ${root}: fan-out ${r.watchersOpened} watchers, delivered ${r.delivered}/${r.expectedDeliveries}; response→last p50 ${fmt(r.lastAfterResponse.p50)} p99 ${fmt(r.lastAfterResponse.p99)} max ${fmt(r.lastAfterResponse.max)} ms; RSS with watchers ${fmt(r.serverRssWithWatchersMB ?? Number.NaN)} MB\n`);
    if (ctx.errors.counts.size) process.stderr.write(`  errors: ${JSON.stringify([...ctx.errors.counts])}\n`);
    return r;
  });
}

const fan = roots.map(() => [] as FanoutResult[]);
const grow = roots.map(() => [] as { baseRssMB: number; rows: GrowthRow[] }[]);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

process.stderr.write(`load before: ${load()}\n`);
for (let round = 0; round < rounds; round++) {
  // Alternate the order each round so neither build always runs first.
  const order = roots.map((_, i) => i);
  if (round % 2 === 1) order.reverse();
  for (const b of order) {
    process.stderr.write(`round ${round + 1}, ${roots[b]} (load ${load()})\n`);
    if (!args['skip-fanout']) fan[b]!.push(await fanout(roots[b]!));
    if (!args['skip-growth']) grow[b]!.push(await growth(roots[b]!));
  }
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5);
process.stdout.write(`\nfan-out: ${watchers} watchers × ${events} creates, ms from the write's response to the last watcher (median over ${rounds} rounds)\n`);
for (const [b, root] of roots.entries()) {
  const rs = fan[b]!;
  if (!rs.length) continue;
  process.stdout.write(`${root}: p50 ${fmt(median(rs.map((r) => r.lastAfterResponse.p50)))} p99 ${fmt(median(rs.map((r) => r.lastAfterResponse.p99)))} (rounds: ${rs.map((r) => fmt(r.lastAfterResponse.p99)).join(', ')}); delivered ${rs.map((r) => `${r.delivered}/${r.expectedDeliveries}`).join(', ')}\n`);
}
process.stdout.write(`\ngrowth (median over rounds): pods | creates/s | RSS MB | KB/pod over the empty server | heap MB per loop | LIST ms | paged-by-500 walk ms\n`);
for (const [b, root] of roots.entries()) {
  const gs = grow[b]!;
  if (!gs.length) continue;
  process.stdout.write(`${root}:\n`);
  for (const [i, step] of steps.entries()) {
    const rows = gs.map((g) => g.rows[i]!).filter(Boolean);
    const rss = median(rows.map((r) => r.rssMB));
    const base = median(gs.map((g) => g.baseRssMB));
    process.stdout.write(`  ${step} | ${fmt(median(rows.map((r) => r.createPerSec)), 0)} | ${fmt(rss)} | ${fmt(((rss - base) * 1024) / step)} | ${JSON.stringify(rows[rows.length - 1]!.heapMB)} | ${fmt(median(rows.map((r) => r.listMs)), 0)} | ${fmt(median(rows.map((r) => r.pagedMs)), 0)}\n`);
  }
}
process.stdout.write(`load after: ${load()}\n`);
process.stdout.write(`RESULT ${JSON.stringify({ roots, rounds, steps, watchers, events, fan, grow })}\n`);
