// The worker loop every controller shares (STYLE §2). A controller supplies reconcile(key)
// and the event handlers that enqueue keys; this file does the rest:
//
//   informer handlers ──enqueue(key)──▶ RateLimitingQueue ──get──▶ worker ──▶ reconcile(key)
//                                              ▲                                  │
//                                              └──── addRateLimited (threw) ◀─────┤
//                                                    forget (returned) ◀──────────┘
//
// Guarantees:
// - workers start only once the caches in `waitFor` have synced (client-go's
//   WaitForCacheSync): a reconcile never acts on a half-listed cache (an empty pod cache
//   after a restart would make a ReplicaSet create its pods a second time);
// - a key is reconciled by one worker at a time; keys added while their reconcile runs are
//   reconciled again afterwards;
// - a worker yields to the event loop (setImmediate) between taking a key and reconciling
//   it, so a chain of ready keys that needs no I/O (a reconcile that re-adds its own key,
//   two controllers feeding each other from warm caches) cannot starve timers, sockets and
//   the other parts sharing this loop;
// - failures back off per key (5 ms doubling to 1000 s, plus an overall 10 qps / burst 100
//   bucket: client-go's DefaultControllerRateLimiter), never retried immediately;
//   requeueRateLimited(key) from inside reconcile backs off the same way;
// - aborting `signal` shuts the queue down: workers finish their current reconcile and exit.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { KObject } from '../api/types/index.js';
import { isAlreadyExists, isConflict, isStatusError } from '../api/status.js';
import { controllerRef } from '../api/pod-util.js';
import { logger, errorMessage, type Logger } from '../util/log.js';
import { isBugError } from '../util/bug-error.js';
import type { Clock } from './controller-types.js';
import { realClock } from './controller-types.js';
import { isDeletedFinalStateUnknown, keyOf, type DeletedFinalStateUnknown, type EventHandler } from './informer-types.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './workqueue/rate-limiters.js';
import type { QueueMetrics } from './workqueue/queue.js';
import { prometheusQueueMetrics, trackInFlightWork } from './workqueue/prometheus-metrics.js';

/** Anything with a cache that fills asynchronously (a SharedInformer). */
export interface Syncable {
  whenSynced(): Promise<void>;
}

export interface ControllerOptions {
  name: string;
  /** Concurrent reconciles (of different keys); default 1. */
  workers?: number;
  /** Brings the object named by `key` (`namespace/name` or `name`) to its desired state; throws to retry. */
  reconcile(key: string): Promise<void>;
  signal: AbortSignal;
  clock?: Clock;
  rateLimiter?: RateLimiter;
  /** Informers whose caches must be synced before the first reconcile. */
  waitFor?: readonly Syncable[];
  /** Work-queue metrics; default: this loop's Prometheus registry, labelled with `name`. */
  metrics?: QueueMetrics;
}

export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  private readonly workers: number;
  private readonly reconcileFn: (key: string) => Promise<void>;
  private readonly signal: AbortSignal;
  private readonly waitFor: readonly Syncable[];
  private readonly log: Logger;
  private readonly failures = new FailureLog();
  /** Keys whose running reconcile asked for a rate-limited requeue: not forgotten on return. */
  private readonly backingOff = new Set<string>();
  /** Keys whose reconcile is running. */
  private readonly reconciling = new Set<string>();
  private running = false;
  private synced = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.workers = Math.max(1, opts.workers ?? 1);
    this.reconcileFn = opts.reconcile;
    this.signal = opts.signal;
    this.waitFor = opts.waitFor ?? [];
    this.log = logger('controller').child(opts.name);
    const clock = opts.clock ?? realClock;
    this.queue = new RateLimitingQueue<string>({
      name: opts.name,
      clock,
      rateLimiter: opts.rateLimiter ?? defaultControllerRateLimiter<string>(clock),
      metrics: opts.metrics ?? prometheusQueueMetrics(opts.name),
    });
    const untrack = trackInFlightWork(opts.name, this.queue);
    const stop = (): void => {
      this.queue.shutDown();
      untrack();
    };
    if (this.signal.aborted) stop();
    else this.signal.addEventListener('abort', stop, { once: true });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /**
   * Adds `key` after `delayMs`: for looking again at a known time. A delay <= 0 adds at
   * once, except from inside the key's own reconcile: "look at me again now" from a
   * reconcile that did no I/O is a loop, so it gets the key's rate-limited back-off.
   */
  enqueueAfter(key: string, delayMs: number): void {
    if (!(delayMs > 0) && this.reconciling.has(key)) return this.requeueRateLimited(key);
    this.queue.addAfter(key, delayMs);
  }

  /**
   * Looks at `key` again after its rate-limited back-off, as if its reconcile had failed,
   * but quietly. For "not yet, look again soon" without a known time (client-go's
   * enqueueRateLimited): the back-off grows while the key keeps asking, and resets on a
   * reconcile that returns without asking.
   */
  requeueRateLimited(key: string): void {
    if (this.reconciling.has(key)) this.backingOff.add(key);
    this.queue.addRateLimited(key);
  }

  /** True once the caches in `waitFor` have synced and workers run. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the workers once the caches have synced; returns at once. Calling it again does nothing. */
  run(): void {
    if (this.running || this.signal.aborted) return;
    this.running = true;
    void this.start();
  }

  private async start(): Promise<void> {
    if (this.waitFor.length > 0) {
      this.log.v(2, 'waiting for caches to sync');
      const aborted = new Promise<void>((r) => this.signal.addEventListener('abort', () => r(), { once: true }));
      await Promise.race([Promise.all(this.waitFor.map((i) => i.whenSynced())), aborted]);
      if (this.signal.aborted) return;
      this.log.v(2, 'caches are synced');
    }
    this.synced = true;
    for (let i = 0; i < this.workers; i++) void this.worker();
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await yieldToEventLoop();
        if (this.signal.aborted) continue;
        this.reconciling.add(key);
        await this.reconcileFn(key);
        if (this.backingOff.delete(key)) continue;
        const failures = this.queue.numRequeues(key);
        this.queue.forget(key);
        this.failures.succeeded(key, failures, this.log);
      } catch (err) {
        this.backingOff.delete(key);
        if (!(this.signal.aborted && isAbortError(err))) {
          this.failures.failed(key, err, this.queue.numRequeues(key) + 1, this.log);
          this.queue.addRateLimited(key);
        }
      } finally {
        this.reconciling.delete(key);
        this.queue.done(key);
      }
    }
  }
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** Errors that signal a bug in our code rather than an expected failure (logged with a stack frame). */
function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || isBugError(err);
}

/**
 * Which reconcile failures reach the log. A key failing for the same reason is retried
 * with a back-off that doubles each time; logging every retry would print a line per
 * retry of a stuck key, and nothing new. The rule:
 *
 * - the 1st failure of a key is logged, and then its 2nd, 4th, 8th, ... (powers of two):
 *   one line per doubling of the retry count (with the back-off capped at 1000 s, a key
 *   failing for a whole day writes 7 lines);
 * - a failure whose message differs from the key's last logged one is logged at once;
 * - a success after a logged failure is logged (at -v 2) with the number of failures;
 * - conflicts and AlreadyExists are routine under optimistic concurrency (the cache was
 *   behind; the retry reads a newer copy): retried, never logged above -v 4.
 *
 * Bugs get their first stack frame appended, still on one line; expected errors never get
 * stack traces. State is per key and dropped when the key succeeds.
 */
class FailureLog {
  private readonly lastLogged = new Map<string, string>();

  failed(key: string, err: unknown, attempt: number, log: Logger): void {
    let message = errorMessage(err);
    if (isConflict(err) || isAlreadyExists(err)) {
      log.v(4, `reconcile ${key} failed (attempt ${attempt}), retrying: ${message}`);
      return;
    }
    if (!isStatusError(err) && isBug(err)) {
      const frame = (err as Error).stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
      if (frame) message += ` (${frame.trim()})`;
    }
    const changed = this.lastLogged.get(key) !== message;
    const powerOfTwo = (attempt & (attempt - 1)) === 0;
    if (!changed && !powerOfTwo) return;
    this.lastLogged.set(key, message);
    log.error(`reconcile ${key} failed${attempt > 1 ? ` (attempt ${attempt})` : ''}: ${message}`);
  }

  succeeded(key: string, failures: number, log: Logger): void {
    if (this.lastLogged.size === 0 || !this.lastLogged.delete(key)) return;
    log.v(2, `reconcile ${key} succeeded after ${failures} failure(s)`);
  }
}

type HandlerObject = Readonly<KObject> | DeletedFinalStateUnknown;

function unwrap(obj: HandlerObject): Readonly<KObject> {
  return isDeletedFinalStateUnknown<KObject>(obj) ? obj.obj : obj;
}

/** Enqueues the object's own key; accepts delete tombstones. */
export function enqueueObject(controller: Controller, obj: HandlerObject): void {
  if (isDeletedFinalStateUnknown(obj)) controller.enqueue(obj.key);
  else controller.enqueue(keyOf(obj));
}

/**
 * Enqueues `namespace/ownerName` when `obj`'s controller ownerReference has kind
 * `ownerKind` (owners are in the object's namespace; a cluster-scoped object enqueues
 * `ownerName`). Accepts delete tombstones. Returns whether something was enqueued.
 */
export function enqueueOwner(controller: Controller, obj: HandlerObject, ownerKind: string): boolean {
  const o = unwrap(obj);
  const ref = controllerRef(o);
  if (!ref || ref.kind !== ownerKind) return false;
  const ns = o.metadata.namespace;
  controller.enqueue(ns ? `${ns}/${ref.name}` : ref.name);
  return true;
}

/**
 * True when an update carries a change (a different resourceVersion); periodic resyncs
 * deliver old === new and are noise for most handlers.
 */
export function isRealUpdate(oldObj: Readonly<KObject>, newObj: Readonly<KObject>): boolean {
  return oldObj.metadata.resourceVersion !== newObj.metadata.resourceVersion;
}

/**
 * The usual handler for a controller's primary resource: enqueue the object's key on add,
 * on every real update and on delete.
 */
export function enqueueSelf<T extends KObject = KObject>(controller: Controller): EventHandler<T> {
  return {
    onAdd: (o) => enqueueObject(controller, o),
    onUpdate: (o, n) => {
      if (isRealUpdate(o, n)) enqueueObject(controller, n);
    },
    onDelete: (o) => enqueueObject(controller, o as HandlerObject),
  };
}
