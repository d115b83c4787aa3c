// Load generators: a closed loop (N clients, each a sequential request loop) and an open loop
// (requests fired on a fixed schedule whether or not earlier ones completed).
import type https from 'node:https';
import { request, type Reply, type RequestOptions } from './http.js';
import type { Credentials } from './server-process.js';
import { ErrorLog, summarize, type LatencySummary } from './stats.js';

export interface BenchContext {
  readonly creds: Credentials;
  readonly errors: ErrorLog;
}

/** A reply with an unexpected HTTP status (kept as evidence, never retried silently). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export async function call(ctx: BenchContext, agent: https.Agent, method: string, path: string, expect: number, opts?: RequestOptions): Promise<Reply> {
  const r = await request(agent, ctx.creds, method, path, opts);
  if (r.status !== expect) throw new HttpStatusError(r.status, r.body, `${method} ${path}`);
  return r;
}

export function recordFailure(ctx: BenchContext, phase: string, e: unknown): void {
  if (e instanceof HttpStatusError) {
    const reason = /"reason":"([^"]+)"/.exec(e.body)?.[1];
    ctx.errors.record(phase, `HTTP ${e.status}${reason ? ` ${reason}` : ''}`, e.message);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    ctx.errors.record(phase, msg.replace(/\d+/g, 'N').slice(0, 60), msg);
  }
}

export interface LoopLimits {
  durationMs: number;
  maxOps: number;
  /** Stop the phase after this many failures (a broken server must not spin the loop). */
  maxErrors?: number;
}

export interface LoopResult extends LatencySummary {
  errors: number;
  elapsedMs: number;
}

/**
 * `clients` sequential loops sharing one op counter. `op(client, seq)` performs one operation and
 * returns its latency in ms (so ops that wait for a watch event can measure end to end).
 */
export async function closedLoop(ctx: BenchContext, phase: string, clients: number, limits: LoopLimits, op: (client: number, seq: number) => Promise<number>): Promise<LoopResult> {
  const lat: number[] = [];
  let started = 0;
  let errors = 0;
  const maxErrors = limits.maxErrors ?? 200;
  const t0 = performance.now();
  const deadline = t0 + limits.durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      while (started < limits.maxOps && errors < maxErrors && performance.now() < deadline) {
        const seq = started++;
        try {
          lat.push(await op(w, seq));
        } catch (e) {
          errors++;
          recordFailure(ctx, phase, e);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  return { ...summarize(lat, elapsedMs), errors, elapsedMs };
}

export interface OpenLoopResult {
  scheduled: number;
  /** Latency from the moment the request was issued. */
  latency: LatencySummary;
  /** Latency from the moment it was scheduled (includes any lag of the generator itself). */
  latencyFromSchedule: LatencySummary;
  maxGeneratorLagMs: number;
  errors: number;
  elapsedMs: number;
}

/** Fires `op(i)` at t0 + i·intervalMs for i < count, regardless of completions. */
export async function openLoop(ctx: BenchContext, phase: string, count: number, intervalMs: number, op: (i: number) => Promise<void>): Promise<OpenLoopResult & { perOp: number[] }> {
  const lat: number[] = [];
  const latSched: number[] = [];
  const perOp = new Array<number>(count).fill(Number.NaN);
  const inflight: Promise<void>[] = [];
  let errors = 0;
  let maxLag = 0;
  const t0 = performance.now() + 20;
  let next = 0;
  const fire = (i: number, scheduledAt: number): void => {
    const sent = performance.now();
    maxLag = Math.max(maxLag, sent - scheduledAt);
    inflight.push(
      op(i).then(
        () => {
          const end = performance.now();
          lat.push(end - sent);
          latSched.push(end - scheduledAt);
          perOp[i] = end - sent;
        },
        (e: unknown) => {
          errors++;
          recordFailure(ctx, phase, e);
        },
      ),
    );
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < count && t0 + next * intervalMs <= now) {
        fire(next, t0 + next * intervalMs);
        next++;
      }
      if (next >= count) return resolve();
      setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
  await Promise.all(inflight);
  const elapsedMs = performance.now() - t0;
  return {
    scheduled: count,
    latency: summarize(lat, elapsedMs),
    latencyFromSchedule: summarize(latSched, elapsedMs),
    maxGeneratorLagMs: maxLag,
    errors,
    elapsedMs,
    perOp,
  };
}
