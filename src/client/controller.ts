// The worker loop every controller shares (STYLE §2). A controller supplies reconcile(key)
// and the event handlers that enqueue keys; this file does the rest:
//
//   informer handlers ──enqueue(key)──▶ RateLimitingQueue ──get──▶ worker ──▶ reconcile(key)
//                                              ▲                                  │
//                                              └──── addRateLimited (threw) ◀─────┤
//                                                    forget (returned) ◀──────────┘
//
// Guarantees: a key is reconciled by one worker at a time; keys added while their
// reconcile runs are reconciled again afterwards; failures back off per key (5 ms doubling
// to 1000 s, plus an overall 10 qps / burst 100 bucket). Aborting `signal` shuts the queue
// down: workers finish their current reconcile and exit.
import type { KObject } from '../api/types.js';
import { isConflict, isStatusError } from '../api/status.js';
import { controllerRef } from '../api/pod-util.js';
import type { Clock } from './controller-types.js';
import { realClock } from './controller-types.js';
import { isDeletedFinalStateUnknown, keyOf, type DeletedFinalStateUnknown, type EventHandler } from './informer-types.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './workqueue/rate-limiters.js';

export interface ControllerOptions {
  name: string;
  /** Concurrent reconciles (of different keys); default 1. */
  workers?: number;
  /** Brings the object named by `key` (`namespace/name` or `name`) to its desired state; throws to retry. */
  reconcile(key: string): Promise<void>;
  signal: AbortSignal;
  clock?: Clock;
  rateLimiter?: RateLimiter;
}

export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  private readonly workers: number;
  private readonly reconcileFn: (key: string) => Promise<void>;
  private readonly signal: AbortSignal;
  private running = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.workers = Math.max(1, opts.workers ?? 1);
    this.reconcileFn = opts.reconcile;
    this.signal = opts.signal;
    const clock = opts.clock ?? realClock;
    this.queue = new RateLimitingQueue<string>({
      name: opts.name,
      clock,
      rateLimiter: opts.rateLimiter ?? defaultControllerRateLimiter<string>(clock),
    });
    if (this.signal.aborted) this.queue.shutDown();
    else this.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Starts the workers; returns at once. Calling it again does nothing. */
  run(): void {
    if (this.running || this.signal.aborted) return;
    this.running = true;
    for (let i = 0; i < this.workers; i++) void this.worker();
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileFn(key);
        this.queue.forget(key);
      } catch (err) {
        if (!(this.signal.aborted && isAbortError(err))) {
          logReconcileError(this.name, key, err);
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** Errors that signal a bug in our code rather than an expected failure. */
function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError
    || (err instanceof Error && err.name === 'BugError');
}

/**
 * One line per failure. Conflicts are routine under optimistic concurrency (the cache was
 * behind; the retry reads a newer copy), so they are not logged. Bugs get their first
 * stack frame appended, still on one line; expected errors never get stack traces.
 */
function logReconcileError(name: string, key: string, err: unknown): void {
  if (isConflict(err)) return;
  let message = err instanceof Error ? err.message : String(err);
  if (!isStatusError(err) && isBug(err)) {
    const frame = (err as Error).stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
    if (frame) message += ` (${frame.trim()})`;
  }
  console.error(`controller ${name}: reconcile ${key} failed: ${message.replace(/\s*\n\s*/g, ' ')}`);
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
