// End-to-end benchmark of `k8ts server` over HTTPS with the admin client certificate.
//
//   npx tsc -p tsconfig.json && node dist/bench/api.bench.js [--datastore sqlite|memory|both] [--quick]
//
// Starts its own servers (temp data dirs, a free port on 127.0.0.1) and measures:
//   1. CRUD throughput/latency (create, get, list of 100, update, watch-event) at 1/10/100 clients
//   2. p99 of writes at a fixed 100 writes/s (open loop)             target p99 <= 20 ms
//   3. LIST of 10,000 pods, full and ?limit=500 paging                target <= 200 ms
//   4. watch fan-out of N writes to 1,000 watchers
//   5. idle RSS of a fresh server, and RSS after the 10k-pod load     target idle <= 60 MB
// Prints tables as it goes and one `RESULT {...}` JSON line at the end. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CRUD_MAX_CLIENTS, CRUD_OPS, prepareCrud, runCrudPhase, runFixedRate, type CrudRow, type FixedRateResult } from './api/crud.js';
import type { BenchContext } from './api/loops.js';
import { runBigList, runWatchFanout, type BigListResult, type FanoutResult } from './api/scale.js';
import { readRss, startServer, type ServerHandle } from './api/server-process.js';
import { ErrorLog, fmt, r2 } from './api/stats.js';
import { podManifest } from './api/pods.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const { values: args } = parseArgs({
  options: { datastore: { type: 'string', default: 'sqlite' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  strict: true,
});
if (args.help) {
  process.stdout.write('usage: node dist/bench/api.bench.js [--datastore sqlite|memory|both] [--quick]\n');
  process.exit(0);
}
const datastores = args.datastore === 'both' ? ['sqlite', 'memory'] : [args.datastore!];
for (const d of datastores) if (d !== 'sqlite' && d !== 'memory') throw new Error(`--datastore must be sqlite, memory or both, got "${d}"`);

const QUICK = args.quick!;
const CFG = QUICK
  ? { idleMs: 1000, clients: [1, 10, 100], phase: { durationMs: 400, maxOps: 2000 }, rate: 100, rateS: 2, bigPods: 1000, listReps: 3, pagedReps: 1, watchers: 100, fanEvents: 10, fanIntervalMs: 50 }
  : { idleMs: 5000, clients: [1, 10, 100], phase: { durationMs: 3000, maxOps: 30_000 }, rate: 100, rateS: 10, bigPods: 10_000, listReps: 10, pagedReps: 3, watchers: 1000, fanEvents: 50, fanIntervalMs: 100 };

const TARGETS = { fixedRateP99Ms: 20, list10kMs: 200, idleRssMB: 60 };

// Hard bounds: a stuck run still ends, and the exit hook kills the servers it started.
const HARD_LIMIT_MS = (QUICK ? 3 : 20) * 60_000 * datastores.length;
setTimeout(() => {
  process.stderr.write(`api.bench: hard time limit of ${HARD_LIMIT_MS / 60_000} min reached, aborting\n`);
  process.exit(2);
}, HARD_LIMIT_MS).unref();
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const log = (s: string): void => void process.stderr.write(`[api.bench] ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function machineFacts(): Record<string, string | number> {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    /* keep os.cpus() */
  }
  return { date: new Date().toISOString(), nproc, cpuModel, memTotalGB: r2(totalmem() / 2 ** 30), kernel: release(), node: process.version };
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const left = (i: number): boolean => i === 0 || headers[i] === 'note';
  const line = (r: string[]): string => r.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

interface RunResult {
  datastore: string;
  startupMs: number;
  rss: { idleMB: number; afterSeedMB?: number; after10kMB?: number; hwmAfter10kMB?: number; afterCrudMB?: number; with1000WatchersMB?: number };
  crud: CrudRow[];
  fixedRate?: FixedRateResult;
  bigList?: BigListResult;
  fanout?: FanoutResult;
  errors: Record<string, { count: number; sample: string }>;
  serverLogErrors: string[];
  serverCrashed: boolean;
  aborted?: string;
}

function checkAlive(s: ServerHandle, what: string): void {
  if (s.exited()) throw new Error(`the server exited during ${what}; last log lines:\n${s.logTail().join('\n')}`);
}

async function runDatastore(datastore: string): Promise<RunResult> {
  const errors = new ErrorLog();
  const out: RunResult = { datastore, startupMs: 0, rss: { idleMB: Number.NaN }, crud: [], errors: {}, serverLogErrors: [], serverCrashed: false };
  const servers: ServerHandle[] = [];
  try {
    // Server 1: idle RSS, then the 10k-pod LIST.
    log(`${datastore}: starting server 1 (idle RSS, big LIST)`);
    // The API server alone: controllers and the scheduler would act on the benchmark's 10k pods.
    const s1 = await startServer(ROOT, datastore, 30_000, ['--disable', 'controllers,scheduler,agent']);
    servers.push(s1);
    out.startupMs = r2(s1.startupMs);
    await sleep(CFG.idleMs);
    out.rss.idleMB = r2(readRss(s1.pid).rssMB);
    log(`${datastore}: idle RSS ${fmt(out.rss.idleMB)} MB after ${CFG.idleMs / 1000} s; seeding ${CFG.bigPods} pods with 50 clients`);
    const ctx1: BenchContext = { creds: s1.creds, errors };
    out.bigList = await runBigList(ctx1, CFG.bigPods, 50, CFG.listReps, CFG.pagedReps, () => r2(readRss(s1.pid).rssMB));
    checkAlive(s1, 'the big LIST');
    const after = readRss(s1.pid);
    out.rss.afterSeedMB = out.bigList.rssAfterSeedMB;
    out.rss.after10kMB = r2(after.rssMB);
    out.rss.hwmAfter10kMB = r2(after.hwmMB);
    out.serverLogErrors.push(...s1.errorLines().map((l) => `server1: ${l}`));
    await s1.stop();

    // Server 2: CRUD, fixed-rate writes, watch fan-out.
    log(`${datastore}: starting server 2 (CRUD, fixed rate, fan-out)`);
    const s2 = await startServer(ROOT, datastore, 30_000, ['--disable', 'controllers,scheduler,agent']);
    servers.push(s2);
    const ctx2: BenchContext = { creds: s2.creds, errors };
    const fx = await prepareCrud(ctx2);
    for (const op of CRUD_OPS) {
      for (const c of CFG.clients) {
        if (c > CRUD_MAX_CLIENTS) continue;
        const row = await runCrudPhase(ctx2, fx, op, c, CFG.phase);
        checkAlive(s2, `${op} x${c}`);
        out.crud.push(row);
        log(`${datastore}: ${op.padEnd(6)} x${String(c).padEnd(3)} ${fmt(row.opsPerSec, 0).padStart(6)} ops/s  p50 ${fmt(row.p50, 2)} ms  p99 ${fmt(row.p99, 2)} ms  errors ${row.errors}`);
      }
    }
    out.rss.afterCrudMB = r2(readRss(s2.pid).rssMB);
    log(`${datastore}: fixed rate ${CFG.rate} writes/s for ${CFG.rateS} s`);
    out.fixedRate = await runFixedRate(ctx2, CFG.rate, CFG.rateS);
    checkAlive(s2, 'the fixed-rate phase');
    log(`${datastore}: fan-out of ${CFG.fanEvents} writes to ${CFG.watchers} watchers`);
    out.fanout = await runWatchFanout(ctx2, CFG.watchers, CFG.fanEvents, CFG.fanIntervalMs, () => r2(readRss(s2.pid).rssMB));
    out.rss.with1000WatchersMB = out.fanout.serverRssWithWatchersMB;
    checkAlive(s2, 'the fan-out phase');
    out.serverLogErrors.push(...s2.errorLines().map((l) => `server2: ${l}`));
  } catch (e) {
    out.aborted = e instanceof Error ? e.message : String(e);
    out.serverCrashed = servers.some((s) => s.exited());
    log(`${datastore}: ABORTED: ${out.aborted}`);
    for (const s of servers) if (!s.exited()) out.serverLogErrors.push(...s.errorLines());
  } finally {
    for (const s of servers) await s.stop();
  }
  out.errors = errors.toJSON();
  return out;
}

function printRun(r: RunResult): void {
  const p = (s: string): void => void process.stdout.write(`${s}\n`);
  p(`\n=== datastore: ${r.datastore} (server ready in ${fmt(r.startupMs, 0)} ms) ===`);
  p('\nCRUD (closed loop: each client is a sequential loop on one keep-alive TLS connection)');
  p(
    table(
      ['op', 'clients', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'note'],
      r.crud.map((c) => [
        c.op,
        c.clients,
        c.ops,
        fmt(c.opsPerSec, 0),
        fmt(c.p50, 2),
        fmt(c.p99, 2),
        fmt(c.max, 1),
        c.errors,
        c.op === 'watch' ? `after PUT response: p50 ${fmt(c.afterResponseP50 ?? Number.NaN, 2)} p99 ${fmt(c.afterResponseP99 ?? Number.NaN, 2)} ms` : c.op === 'list' ? `${c.listBytes} bytes/response` : '',
      ]),
    ),
  );
  const f = r.fixedRate;
  if (f) {
    p(`\nFixed rate: ${f.ratePerSec} writes/s for ${f.durationS} s (open loop; half creates, half PUTs)`);
    p(
      table(
        ['writes', 'ops', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['all', f.all.ops, fmt(f.all.p50, 2), fmt(f.all.p99, 2), fmt(f.all.max, 1)],
          ['creates', f.creates.ops, fmt(f.creates.p50, 2), fmt(f.creates.p99, 2), fmt(f.creates.max, 1)],
          ['updates', f.updates.ops, fmt(f.updates.p50, 2), fmt(f.updates.p99, 2), fmt(f.updates.max, 1)],
          ['all, from schedule', f.fromSchedule.ops, fmt(f.fromSchedule.p50, 2), fmt(f.fromSchedule.p99, 2), fmt(f.fromSchedule.max, 1)],
        ],
      ),
    );
    p(`  writes > 20 ms: ${f.over20ms}; errors: ${f.errors}; max generator lag ${fmt(f.maxGeneratorLagMs, 1)} ms; target p99 <= ${TARGETS.fixedRateP99Ms} ms: ${f.all.p99 <= TARGETS.fixedRateP99Ms ? 'MET' : 'MISSED'}`);
  }
  const b = r.bigList;
  if (b) {
    p(`\nLIST of ${b.pods} pods (seeded at ${fmt(b.seed.opsPerSec, 0)} creates/s with 50 clients, p50 ${fmt(b.seed.p50, 1)} ms, p99 ${fmt(b.seed.p99, 1)} ms, ${b.seed.errors} errors)`);
    p(
      table(
        ['request', 'reps', 'items', 'p50 ms', 'max ms', 'note'],
        [
          ['GET /api/v1/pods', b.full.reps, b.full.items, fmt(b.full.p50, 1), fmt(b.full.max, 1), `${fmt(b.full.bytes / 2 ** 20, 1)} MiB/response`],
          ['?limit=500 page', b.paged.reps * b.paged.pages, '500', fmt(b.paged.pageP50, 1), fmt(b.paged.pageMax, 1), ''],
          ['?limit=500 all pages', b.paged.reps, b.paged.items, fmt(b.paged.totalP50, 1), fmt(b.paged.totalMax, 1), `${b.paged.pages} pages`],
        ],
      ),
    );
    p(`  target full LIST <= ${TARGETS.list10kMs} ms: ${b.full.p50 <= TARGETS.list10kMs ? 'MET' : 'MISSED'} (p50)`);
  }
  const w = r.fanout;
  if (w) {
    p(`\nWatch fan-out: ${w.events} creates, one every ${CFG.fanIntervalMs} ms, to ${w.watchersOpened}/${w.watchers} watchers (opened in ${fmt(w.openMs, 0)} ms)`);
    p(
      table(
        ['delay', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['write response -> last watcher', fmt(w.lastAfterResponse.p50, 1), fmt(w.lastAfterResponse.p99, 1), fmt(w.lastAfterResponse.max, 1)],
          ['write response -> first watcher', fmt(w.firstAfterResponse.p50, 1), fmt(w.firstAfterResponse.p99, 1), fmt(w.firstAfterResponse.max, 1)],
          ['write sent -> last watcher', fmt(w.lastAfterSend.p50, 1), fmt(w.lastAfterSend.p99, 1), fmt(w.lastAfterSend.max, 1)],
        ],
      ),
    );
    p(`  delivered ${w.delivered} of ${w.expectedDeliveries} events (${w.delivered === w.expectedDeliveries ? 'all' : 'MISSING SOME'}); streams ended early: ${w.streamsEndedEarly}`);
  }
  p(`\nServer RSS: idle ${fmt(r.rss.idleMB)} MB (target <= ${TARGETS.idleRssMB}: ${r.rss.idleMB <= TARGETS.idleRssMB ? 'MET' : 'MISSED'}); after seeding ${b?.pods ?? '?'} pods ${fmt(r.rss.afterSeedMB ?? Number.NaN)} MB, after their LISTs ${fmt(r.rss.after10kMB ?? Number.NaN)} MB (peak ${fmt(r.rss.hwmAfter10kMB ?? Number.NaN)} MB); after CRUD ${fmt(r.rss.afterCrudMB ?? Number.NaN)} MB; with ${w?.watchersOpened ?? '?'} watchers ${fmt(r.rss.with1000WatchersMB ?? Number.NaN)} MB`);
  const errs = Object.entries(r.errors);
  if (errs.length) {
    p('\nErrors (phase: reason  count  sample)');
    for (const [k, v] of errs) p(`  ${k}  x${v.count}  ${v.sample}`);
  }
  if (r.serverLogErrors.length) {
    p(`\nServer log lines that look like errors (${r.serverLogErrors.length}, first 10):`);
    for (const l of r.serverLogErrors.slice(0, 10)) p(`  ${l}`);
  }
  if (r.aborted) p(`\nRUN ABORTED: ${r.aborted}`);
}

function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? (Number.isFinite(x) ? r2(x) : null) : x))) as T;
}

const machine = machineFacts();
process.stdout.write(`k8ts API server benchmark${QUICK ? ' (--quick)' : ''}\n`);
process.stdout.write(`machine: ${machine.nproc} CPUs, ${machine.cpuModel}, ${machine.memTotalGB} GB, Linux ${machine.kernel}, node ${machine.node}, ${machine.date}\n`);
process.stdout.write(`pod body: ${JSON.stringify(podManifest('storefront-7d9f8b6c5d-abcde', 'default')).length} bytes; client and server share the machine\n`);
const runs: RunResult[] = [];
for (const d of datastores) {
  const r = await runDatastore(d);
  runs.push(r);
  printRun(r);
}
process.stdout.write(`\nRESULT ${JSON.stringify(rounded({ quick: QUICK, machine, targets: TARGETS, config: CFG, runs }))}\n`);
process.exitCode = runs.some((r) => r.aborted) ? 1 : 0;
