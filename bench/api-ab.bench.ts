// A/B of two builds of `k8ts server` under the same background load: both servers run at
// once and the CRUD phases of api.bench.ts alternate between them in short rounds, so load
// from other work on a shared machine falls on both alike. Reports per phase the median over
// rounds of ops/s and p99 for A and B, and each server's CPU time per request (utime+stime from
// /proc/PID/stat over all rounds), which waiting on other processes does not inflate.
//
//   node dist/bench/api-ab.bench.js --a /path/to/checkout-A --b /path/to/checkout-B [--rounds 6] [--phase-ms 1000] [--fixed-rate-s 0]
//
// --fixed-rate-s S adds, each round and side, S seconds of the open-loop fixed-rate writes of
// api.bench.ts (100 writes/s, half creates, half PUTs); reported: the median over rounds of
// their p99 (issue → response) and the writes over 20 ms.
//
// Each path is a directory with bin/k8ts and a built dist/ (e.g. copies of two worktrees).
// Prints a table and one `RESULT {...}` line.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { prepareCrud, runCrudPhase, runFixedRate, type CrudFixture, type CrudOp } from './api/crud.js';
import type { BenchContext } from './api/loops.js';
import { startServer, type ServerHandle } from './api/server-process.js';
import { ErrorLog, fmt } from './api/stats.js';

const { values: args } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '6' }, 'phase-ms': { type: 'string', default: '1000' }, 'fixed-rate-s': { type: 'string', default: '0' }, datastore: { type: 'string', default: 'sqlite' } },
  strict: true,
});
if (!args.a || !args.b) {
  process.stderr.write('usage: node dist/bench/api-ab.bench.js --a DIR --b DIR [--rounds N] [--phase-ms MS] [--datastore sqlite|memory]\n');
  process.exit(2);
}
const ROUNDS = Number(args.rounds);
const FIXED_RATE_S = Number(args['fixed-rate-s']);
const PHASE = { durationMs: Number(args['phase-ms']), maxOps: 100_000 };
const PHASES: Array<[CrudOp, number]> = [
  ['create', 1],
  ['create', 10],
  ['get', 1],
  ['get', 10],
  ['list', 1],
  ['update', 1],
];

setTimeout(() => {
  process.stderr.write('api-ab: hard time limit of 15 min reached\n');
  process.exit(2);
}, 15 * 60_000).unref();
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Side {
  name: 'A' | 'B';
  server: ServerHandle;
  ctx: BenchContext;
  fx: CrudFixture;
  rows: Map<string, { ops: number[]; p99: number[]; cpuMs: number; n: number }>;
  fixedRate: { p99: number[]; over20ms: number; writes: number; errors: number };
}

/** CPU time (user + system) of a process in ms, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function main(): Promise<void> {
  const errors = new ErrorLog();
  const sides: Side[] = [];
  try {
    for (const [name, dir] of [
      ['A', args.a!],
      ['B', args.b!],
    ] as const) {
      const server = await startServer(resolve(dir), args.datastore!, 30_000, ['--disable', 'controllers,scheduler,agent']);
      const ctx: BenchContext = { creds: server.creds, errors };
      sides.push({ name, server, ctx, fx: await prepareCrud(ctx), rows: new Map(), fixedRate: { p99: [], over20ms: 0, writes: 0, errors: 0 } });
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always follows the other's garbage.
      const order = round % 2 ? [sides[1], sides[0]] : sides;
      for (const [op, clients] of PHASES) {
        for (const s of order) {
          const cpu0 = cpuMs(s.server.pid);
          const row = await runCrudPhase(s.ctx, s.fx, op, clients, PHASE);
          const k = `${op} x${clients}`;
          const r = s.rows.get(k) ?? { ops: [], p99: [], cpuMs: 0, n: 0 };
          r.cpuMs += cpuMs(s.server.pid) - cpu0;
          r.n += row.ops;
          r.ops.push(row.opsPerSec);
          r.p99.push(row.p99);
          s.rows.set(k, r);
        }
      }
      if (FIXED_RATE_S > 0) {
        for (const s of order) {
          const fr = await runFixedRate(s.ctx, 100, FIXED_RATE_S, `pool${round}-`);
          s.fixedRate.p99.push(fr.all.p99);
          s.fixedRate.over20ms += fr.over20ms;
          s.fixedRate.writes += fr.all.ops;
          s.fixedRate.errors += fr.errors;
        }
      }
      process.stderr.write(`[api-ab] round ${round + 1}/${ROUNDS} done\n`);
    }
  } finally {
    for (const s of sides) await s.server.stop();
  }
  const result: Record<string, Record<string, number>> = {};
  process.stdout.write(`phase        A ops/s  B ops/s   B/A   A p99 ms  B p99 ms  A CPU µs/op  B CPU µs/op   B/A   (median of ${ROUNDS} rounds of ${PHASE.durationMs} ms; CPU over all)\n`);
  for (const [op, clients] of PHASES) {
    const k = `${op} x${clients}`;
    const a = sides[0].rows.get(k)!;
    const b = sides[1].rows.get(k)!;
    const r = { aOps: median(a.ops), bOps: median(b.ops), aP99: median(a.p99), bP99: median(b.p99), aCpuUs: (a.cpuMs * 1000) / a.n, bCpuUs: (b.cpuMs * 1000) / b.n };
    result[k] = r;
    process.stdout.write(
      `${k.padEnd(11)} ${fmt(r.aOps, 0).padStart(8)} ${fmt(r.bOps, 0).padStart(8)}  ${fmt(r.bOps / r.aOps, 2).padStart(5)}  ${fmt(r.aP99, 2).padStart(8)}  ${fmt(r.bP99, 2).padStart(8)}  ${fmt(r.aCpuUs, 1).padStart(11)}  ${fmt(r.bCpuUs, 1).padStart(11)}  ${fmt(r.bCpuUs / r.aCpuUs, 2).padStart(5)}\n`,
    );
  }
  let fixedRate: Record<string, unknown> | undefined;
  if (FIXED_RATE_S > 0) {
    const [a, b] = [sides[0].fixedRate, sides[1].fixedRate];
    fixedRate = { aP99: median(a.p99), bP99: median(b.p99), aMaxP99: Math.max(...a.p99), bMaxP99: Math.max(...b.p99), aOver20ms: a.over20ms, bOver20ms: b.over20ms, aWrites: a.writes, bWrites: b.writes, aErrors: a.errors, bErrors: b.errors };
    process.stdout.write(
      `fixed-rate 100 writes/s, ${FIXED_RATE_S} s a round: p99 median A ${fmt(median(a.p99), 2)} ms, B ${fmt(median(b.p99), 2)} ms (worst round A ${fmt(Math.max(...a.p99), 2)}, B ${fmt(Math.max(...b.p99), 2)}); over 20 ms: A ${a.over20ms}/${a.writes}, B ${b.over20ms}/${b.writes}; errors A ${a.errors}, B ${b.errors}\n`,
    );
  }
  process.stdout.write(`RESULT ${JSON.stringify({ date: new Date().toISOString(), a: args.a, b: args.b, rounds: ROUNDS, phaseMs: PHASE.durationMs, phases: result, fixedRate, errors: errors.toJSON() })}\n`);
}

await main();
