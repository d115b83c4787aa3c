// The supervisor runs the server's parts on their own event loops (worker threads) beside the
// main loop (API server and storage; by default also the node) and watches over them:
//
//   start ──▶ starting ──ready──▶ running ◀──pong──▶ stalled (no pong for stallAfterMs)
//                 │                  │
//                 │ failed (first)   │ crashed (uncaught error, out of memory, exit)
//                 ▼                  ▼
//             start() rejects    restarting ──back-off 1 s doubling to 60 s──▶ starting
//
// A loop that crashes is restarted with back-off (reset after it ran 60 s); a loop that stalls
// (a hot loop, a long synchronous task) is reported in the log, in /metrics
// (`k8ts_event_loop_lag_seconds{loop}`, `k8ts_loop_stalled{loop}`) and so in `k8ts status`. Other
// loops keep running: Node has no preemption inside one loop, but threads are scheduled by the OS.
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AggregatorRegistry } from 'prom-client';
import { logger, logConfig, errorMessage } from '../util/log.js';
import { registry, counter, gauge, Gauge } from '../util/metrics.js';
import { LAG_RESOLUTION_MS, lagMs, type FromLoop, type LoopModule, type LoopWorkerData, type RunningLoop, type ToLoop } from './protocol.js';

/** The name under which the supervising (main) loop reports its own lag. */
export const MAIN_LOOP = 'main';

export interface LoopSpec {
  name: string;
  /** File URL of a module exporting `runLoop(options, signal)` (protocol.ts LoopModule). */
  module: string;
  options: unknown;
}

export type LoopState = 'starting' | 'running' | 'stalled' | 'restarting' | 'stopped';

export interface LoopStatus {
  name: string;
  state: LoopState;
  /** Event-loop lag now: the age of an unanswered ping, else the worst delay of the last period. */
  lagMs: number;
  restarts: number;
}

export interface SupervisorOptions {
  pingIntervalMs?: number;
  /** No answer to a ping for this long (or a measured delay this long) counts as a stall. */
  stallAfterMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A loop that ran this long without crashing starts its back-off again from the beginning. */
  backoffResetMs?: number;
  /** Heap limits per loop: a loop that runs out of memory is restarted instead of taking the process down. */
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
}

const log = logger('supervisor');
/** The supervisor whose loops /metrics reports (one per process). */
let current: LoopSupervisor | undefined;
const lagGauge: Gauge<'loop'> =
  (registry.getSingleMetric('k8ts_event_loop_lag_seconds') as Gauge<'loop'> | undefined) ??
  new Gauge({
    name: 'k8ts_event_loop_lag_seconds',
    help: 'Event-loop lag of each loop of the server: the age of an unanswered ping, else the longest delay measured in the last second.',
    labelNames: ['loop'],
    registers: [registry],
    collect() {
      for (const s of current?.status() ?? []) this.set({ loop: s.name }, s.lagMs / 1000);
    },
  });
const stalledGauge = gauge('k8ts_loop_stalled', 'Whether a loop of the server is stalled (1) or answering (0).', ['loop']);
const heapGauge = gauge('k8ts_loop_heap_bytes', 'V8 heap of each worker loop of the server (used, total).', ['loop', 'kind']);
const restartsCounter = counter('k8ts_loop_restarts_total', 'Restarts of each loop of the server after a crash.', ['loop']);

class SupervisedLoop {
  worker?: Worker;
  state: LoopState = 'starting';
  restarts = 0;
  startedAt = 0;
  backoffMs: number;
  lastLagMs = 0;
  pingSentAt?: number;
  pingId = 0;
  stalledSince?: number;
  lastSlowReport = 0;
  restartTimer?: NodeJS.Timeout;
  readonly pendingMetrics = new Map<number, (m: unknown[]) => void>();
  stoppedWaiter?: () => void;
  constructor(readonly spec: LoopSpec, initialBackoffMs: number) {
    this.backoffMs = initialBackoffMs;
  }
  send(m: ToLoop): void {
    this.worker?.postMessage(m);
  }
  lagNow(now: number): number {
    const waiting = this.pingSentAt === undefined ? 0 : now - this.pingSentAt;
    return Math.max(this.lastLagMs, waiting);
  }
}

export class LoopSupervisor {
  private readonly loops = new Map<string, SupervisedLoop>();
  /** Loop modules run on this (the main) loop: started with startInline, stopped with the rest. */
  private readonly inline: Array<{ name: string; running: RunningLoop }> = [];
  private readonly inlineAbort = new AbortController();
  private readonly o: Required<SupervisorOptions>;
  private readonly ticker: NodeJS.Timeout;
  private readonly mainDelay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private mainLagMs = 0;
  private lastTick = performance.now();
  private stopping = false;

  constructor(o: SupervisorOptions = {}) {
    this.o = {
      pingIntervalMs: o.pingIntervalMs ?? 1000,
      stallAfterMs: o.stallAfterMs ?? 2000,
      backoffInitialMs: o.backoffInitialMs ?? 1000,
      backoffMaxMs: o.backoffMaxMs ?? 60_000,
      backoffResetMs: o.backoffResetMs ?? 60_000,
      maxOldGenerationSizeMb: o.maxOldGenerationSizeMb ?? 2048,
      maxYoungGenerationSizeMb: o.maxYoungGenerationSizeMb ?? 4,
    };
    this.mainDelay.enable();
    this.ticker = setInterval(() => this.tick(), this.o.pingIntervalMs);
    this.ticker.unref();
    current = this;
    lagGauge.set({ loop: MAIN_LOOP }, 0);
  }

  /** Starts a loop; resolves with its ready info, rejects if its first start fails. */
  start(spec: LoopSpec): Promise<Record<string, unknown>> {
    if (this.loops.has(spec.name)) throw new Error(`loop ${spec.name} already started`);
    const loop = new SupervisedLoop(spec, this.o.backoffInitialMs);
    this.loops.set(spec.name, loop);
    stalledGauge.set({ loop: spec.name }, 0);
    restartsCounter.inc({ loop: spec.name }, 0);
    return new Promise((resolve, reject) => this.spawn(loop, { resolve, reject }));
  }

  /**
   * Runs a loop module on this (the main) loop rather than on a thread of its own: it shares
   * the main loop's lag and life, and saves the ~15 MB a thread of its own costs.
   */
  async startInline(spec: LoopSpec): Promise<Record<string, unknown>> {
    const mod = (await import(spec.module)) as LoopModule<unknown>;
    const running = await mod.runLoop(spec.options, this.inlineAbort.signal);
    this.inline.push({ name: spec.name, running });
    return running.info ?? {};
  }

  private spawn(loop: SupervisedLoop, first?: { resolve(info: Record<string, unknown>): void; reject(e: Error): void }): void {
    const data: LoopWorkerData = { loop: loop.spec.name, module: loop.spec.module, options: loop.spec.options, log: logConfig() };
    const worker = new Worker(new URL('./loop-worker.js', import.meta.url), {
      workerData: data,
      name: `k8ts-${loop.spec.name}`,
      resourceLimits: { maxOldGenerationSizeMb: this.o.maxOldGenerationSizeMb, maxYoungGenerationSizeMb: this.o.maxYoungGenerationSizeMb },
    });
    loop.worker = worker;
    loop.state = 'starting';
    loop.pingSentAt = undefined;
    loop.lastLagMs = 0;
    let failure: string | undefined;
    worker.on('message', (m: FromLoop) => {
      switch (m.type) {
        case 'ready':
          loop.state = 'running';
          loop.startedAt = Date.now();
          if (first) first.resolve(m.info);
          else log.info(`loop ${loop.spec.name} is running again (restart ${loop.restarts})`);
          first = undefined;
          return;
        case 'failed':
          failure = m.message;
          return;
        case 'pong':
          heapGauge.set({ loop: loop.spec.name, kind: 'used' }, m.heapUsed);
          heapGauge.set({ loop: loop.spec.name, kind: 'total' }, m.heapTotal);
          this.onPong(loop, m.lagMaxMs);
          return;
        case 'metrics':
          loop.pendingMetrics.get(m.id)?.(m.metrics);
          loop.pendingMetrics.delete(m.id);
          return;
        case 'stopped':
          loop.stoppedWaiter?.();
          return;
        default: {
          const never: never = m;
          log.error(`loop ${loop.spec.name}: unknown message ${JSON.stringify(never)}`);
        }
      }
    });
    worker.on('error', (e) => {
      failure = e.stack ?? e.message;
    });
    worker.on('exit', (code) => {
      if (loop.worker !== worker) return;
      loop.worker = undefined;
      for (const done of loop.pendingMetrics.values()) done([]);
      loop.pendingMetrics.clear();
      if (this.stopping) {
        loop.state = 'stopped';
        loop.stoppedWaiter?.();
        return;
      }
      const why = failure ?? `exited with code ${code}`;
      if (first) {
        loop.state = 'stopped';
        first.reject(new Error(`the ${loop.spec.name} loop did not start: ${why}`));
        return;
      }
      if (Date.now() - loop.startedAt > this.o.backoffResetMs) loop.backoffMs = this.o.backoffInitialMs;
      const delay = loop.backoffMs;
      loop.backoffMs = Math.min(this.o.backoffMaxMs, loop.backoffMs * 2);
      loop.state = 'restarting';
      loop.restarts++;
      restartsCounter.inc({ loop: loop.spec.name });
      stalledGauge.set({ loop: loop.spec.name }, 0);
      log.error(`loop ${loop.spec.name} crashed (restarting in ${delay / 1000} s): ${why}`);
      loop.restartTimer = setTimeout(() => {
        loop.restartTimer = undefined;
        if (!this.stopping) this.spawn(loop);
      }, delay);
    });
  }

  private onPong(loop: SupervisedLoop, lagMaxMs: number): void {
    const now = performance.now();
    const roundTrip = loop.pingSentAt === undefined ? 0 : now - loop.pingSentAt;
    loop.pingSentAt = undefined;
    loop.lastLagMs = Math.max(lagMaxMs, roundTrip);
    if (loop.stalledSince !== undefined) {
      log.info(`loop ${loop.spec.name} answers again after ${((now - loop.stalledSince) / 1000).toFixed(1)} s`);
      loop.stalledSince = undefined;
      if (loop.state === 'stalled') loop.state = 'running';
      stalledGauge.set({ loop: loop.spec.name }, 0);
    } else if (loop.lastLagMs >= this.o.stallAfterMs && Date.now() - loop.lastSlowReport > 30_000) {
      loop.lastSlowReport = Date.now();
      log.warn(`loop ${loop.spec.name}: its event loop was blocked for ${Math.round(loop.lastLagMs)} ms`);
    }
  }

  private tick(): void {
    const now = performance.now();
    // The main loop's own lag: the worst measured delay, or how late this tick fired.
    this.mainLagMs = Math.max(lagMs(this.mainDelay.max), now - this.lastTick - this.o.pingIntervalMs, 0);
    this.mainDelay.reset();
    this.lastTick = now;
    for (const loop of this.loops.values()) {
      if (!loop.worker) continue;
      if (loop.pingSentAt === undefined) {
        loop.pingSentAt = now;
        loop.send({ type: 'ping', id: ++loop.pingId });
        continue;
      }
      const waiting = now - loop.pingSentAt;
      if (waiting >= this.o.stallAfterMs && loop.stalledSince === undefined) {
        loop.stalledSince = loop.pingSentAt;
        if (loop.state === 'running') loop.state = 'stalled';
        stalledGauge.set({ loop: loop.spec.name }, 1);
        log.warn(`loop ${loop.spec.name} is stalled: no answer for ${(waiting / 1000).toFixed(1)} s (its event loop is blocked)`);
      }
    }
  }

  status(): LoopStatus[] {
    const now = performance.now();
    return [
      { name: MAIN_LOOP, state: 'running' as LoopState, lagMs: this.mainLagMs, restarts: 0 },
      ...[...this.loops.values()].map((l) => ({ name: l.spec.name, state: l.state, lagMs: l.lagNow(now), restarts: l.restarts })),
    ];
  }

  /** Prometheus text of every loop: this loop's registry plus each answering loop's (1 s budget each). */
  async metrics(): Promise<string> {
    const parts = await Promise.all([
      registry.getMetricsAsJSON(),
      ...[...this.loops.values()].map(
        (l) =>
          new Promise<unknown[]>((resolve) => {
            if (!l.worker || l.stalledSince !== undefined) return resolve([]);
            const id = ++l.pingId;
            const t = setTimeout(() => {
              l.pendingMetrics.delete(id);
              resolve([]);
            }, 1000);
            l.pendingMetrics.set(id, (m) => {
              clearTimeout(t);
              resolve(m);
            });
            l.send({ type: 'metrics', id });
          }),
      ),
    ]);
    return AggregatorRegistry.aggregate(parts as object[]).metrics();
  }

  /** Asks every loop to stop (releasing Leases, closing servers), then ends the threads still running. */
  async stop(timeoutMs = 3000): Promise<void> {
    this.stopping = true;
    clearInterval(this.ticker);
    this.inlineAbort.abort();
    for (const l of this.inline) await l.running.close().catch((e) => log.warn(`stopping ${l.name}: ${errorMessage(e)}`));
    const loops = [...this.loops.values()];
    await Promise.all(
      loops.map(async (l) => {
        if (l.restartTimer) clearTimeout(l.restartTimer);
        const w = l.worker;
        if (!w) return;
        const stopped = new Promise<void>((r) => (l.stoppedWaiter = r));
        l.send({ type: 'stop' });
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
        if ((await Promise.race([stopped, timer])) === 'timeout') log.warn(`loop ${l.spec.name} did not stop in ${timeoutMs} ms; ending it`);
        await w.terminate().catch((e) => log.warn(`ending loop ${l.spec.name}: ${errorMessage(e)}`));
        l.state = 'stopped';
      }),
    );
  }
}
