// WorkQueue: what to work on next. Fair and stingy, as client-go's workqueue:
//
// - fair: keys are handed out in the order they were first added;
// - stingy: a key added many times before a worker gets it is handed out once, and a key
//   is never handed to two workers at once. A key re-added while a worker holds it is
//   queued again only when that worker calls done().
//
// States of one key:
//
//            add                 get                 done
//   (absent) ───▶ waiting ──────────────▶ processing ─────▶ (absent)
//                   ▲                         │  add
//                   │        done             ▼
//                   └──────────────── processing+dirty
//
// After shutDown, adds are ignored and every pending or future get() resolves undefined;
// keys still queued are dropped (controllers re-list on restart, so nothing is lost).
import type { Clock } from '../controller-types.js';
import { realClock } from '../controller-types.js';
import { Fifo } from './fifo.js';

/** Optional metrics sink; every hook gets the queue's name. */
export interface QueueMetrics {
  /** A key entered the queue (collapsed duplicates are not counted). */
  add?(queue: string): void;
  /** Number of keys waiting, after every change. */
  depth?(queue: string, depth: number): void;
  /** How long a key waited before a worker got it. */
  latency?(queue: string, ms: number): void;
  /** How long a worker held a key (get to done). */
  workDuration?(queue: string, ms: number): void;
  /** A key was re-added through the rate limiter. */
  retry?(queue: string): void;
}

export interface WorkQueueOptions {
  /** Used in metrics and log lines. */
  name?: string;
  clock?: Clock;
  metrics?: QueueMetrics;
}

type Waiter<K> = (key: K | undefined) => void;

export class WorkQueue<K> {
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics | undefined;

  /** Keys waiting for a worker, in order. Every key here is also in `dirty`. */
  private readonly queue = new Fifo<K>();
  /** Keys that need processing (waiting, or re-added while processing). */
  private readonly dirty = new Set<K>();
  /** Keys a worker holds. */
  private readonly processing = new Set<K>();
  /** Pending get() calls, oldest first. */
  private readonly waiters = new Fifo<Waiter<K>>();
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  // Only filled when a metrics sink is present.
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? '';
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics;
  }

  /** Marks `key` as needing processing. No-op after shutDown. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.metrics) {
      this.metrics.add?.(this.name);
      this.addedAt.set(key, this.clock.now());
    }
    if (this.processing.has(key)) return;
    this.enqueueOrHandOff(key);
  }

  /**
   * The next key to process; resolves undefined once the queue is shut down. The caller
   * must call done(key) when finished with it.
   */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.queue.length > 0) {
      const key = this.queue.shift() as K;
      this.startProcessing(key);
      this.reportDepth();
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was re-added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.metrics) {
      const started = this.startedAt.get(key);
      this.startedAt.delete(key);
      if (started !== undefined) this.metrics.workDuration?.(this.name, this.clock.now() - started);
    }
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueueOrHandOff(key);
    if (this.processing.size === 0 && this.drainWaiters.length > 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** Seconds of work in progress, summed over the keys being processed (needs a metrics sink). */
  unfinishedWorkSeconds(): number {
    const now = this.clock.now();
    let ms = 0;
    for (const t of this.startedAt.values()) ms += now - t;
    return ms / 1000;
  }

  /** Seconds the longest-held key has been processed; 0 when none (needs a metrics sink). */
  longestRunningProcessorSeconds(): number {
    const now = this.clock.now();
    let ms = 0;
    for (const t of this.startedAt.values()) ms = Math.max(ms, now - t);
    return ms / 1000;
  }

  /** Number of keys waiting for a worker (not counting those being processed). */
  len(): number {
    return this.queue.length;
  }

  /** True when nothing is waiting and no worker holds a key. */
  isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  shuttingDownNow(): boolean {
    return this.shuttingDown;
  }

  /** Ignores further adds and releases every worker blocked in get(). Idempotent. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.queue.clear();
    this.addedAt.clear();
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w(undefined);
    this.onShutDown();
  }

  /** shutDown, then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Hook for layers that hold resources (timers) to release them. */
  protected onShutDown(): void {}

  private enqueueOrHandOff(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.startProcessing(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.reportDepth();
  }

  private startProcessing(key: K): void {
    this.dirty.delete(key);
    this.processing.add(key);
    if (this.metrics) {
      const now = this.clock.now();
      const added = this.addedAt.get(key);
      this.addedAt.delete(key);
      if (added !== undefined) this.metrics.latency?.(this.name, now - added);
      this.startedAt.set(key, now);
    }
  }

  private reportDepth(): void {
    this.metrics?.depth?.(this.name, this.queue.length);
  }
}
