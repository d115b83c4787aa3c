// One serialized worker per pod, as upstream's podWorkers: work for a pod never runs twice
// at once, updates arriving meanwhile collapse into one more round, and each pod moves
// through its lifecycle exactly once:
//
//   syncing ──(terminal phase | deletionTimestamp | removed from the API)──▶ terminating
//      ▲ resync (back-off end, PLEG, probes, periodic)                          │ kill, stop sandbox,
//      └──────────────                                                          ▼ unmount volumes
//                                                                          terminated
//        deletionTimestamp: delete the object (grace 0) ─┘   removed: clean up, worker gone
import type { TimerClock, TimerHandle } from '../client/workqueue/index.js';
import type { Pod } from '../api/types/index.js';
import type { SyncResult } from './pod-sync.js';
import { errorMessage, logger } from '../util/log.js';
import { podWorkerDuration } from './metrics.js';
import { podSpec } from './pod-types.js';
import { BugError } from '../util/bug-error.js';

/** Runs one step of the handler, timing it into kubelet_pod_worker_duration_seconds. */
async function timed<T>(operation: string, step: () => Promise<T>): Promise<T> {
  const end = podWorkerDuration.startTimer({ operation });
  try {
    return await step();
  } finally {
    end();
  }
}

const defaultLog = logger('kubelet');

export type WorkerPhase =
  | { kind: 'syncing' }
  | { kind: 'terminating'; graceSeconds: number }
  | { kind: 'terminated' };

export interface PodLifecycleHandler {
  syncPod(pod: Readonly<Pod>): Promise<SyncResult>;
  terminatePod(pod: Readonly<Pod>, graceSeconds: number): Promise<void>;
  /** The pod object is being deleted and everything stopped: delete it with grace 0. */
  finishDeletion(pod: Readonly<Pod>): Promise<void>;
  /** The object is gone from the API: remove containers, sandboxes, directories. */
  removePod(pod: Readonly<Pod>): Promise<void>;
}

interface Worker {
  uid: string;
  pod: Readonly<Pod>;
  phase: WorkerPhase;
  removed: boolean;
  deletionRequested: boolean;
  busy: boolean;
  pending: boolean;
  timer?: TimerHandle;
  failures: number;
}

export interface PodWorkersOptions {
  clock: TimerClock;
  /** Periodic resync of a running pod (refreshes volumes and tokens). Default 60 s. */
  resyncMs?: number;
  /** Retry delay after a failed sync: 1 s doubling up to this. Default 60 s. */
  maxRetryMs?: number;
  log?: (msg: string) => void;
}

const isAbort = (e: unknown): boolean => (e as { name?: string })?.name === 'AbortError';

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly handler: PodLifecycleHandler, private readonly o: PodWorkersOptions) {}

  /** A pod was added or changed in the API. */
  update(pod: Readonly<Pod>): void {
    const uid = pod.metadata.uid ?? '';
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, pod, phase: { kind: 'syncing' }, removed: false, deletionRequested: false, busy: false, pending: false, failures: 0 };
      this.workers.set(uid, w);
    }
    w.pod = pod;
    this.kick(w);
  }

  /** The pod object is gone from the API. */
  remove(pod: Readonly<Pod>): void {
    const uid = pod.metadata.uid ?? '';
    const w = this.workers.get(uid);
    if (w) {
      w.removed = true;
      this.kick(w);
      return;
    }
    // Never seen by this kubelet run (e.g. deleted while it was down): clean up directly.
    const nw: Worker = { uid, pod, phase: { kind: 'terminated' }, removed: true, deletionRequested: true, busy: false, pending: false, failures: 0 };
    this.workers.set(uid, nw);
    this.kick(nw);
  }

  /** Asks for another sync of the pod, now or after `afterMs`. */
  sync(uid: string, afterMs = 0): void {
    const w = this.workers.get(uid);
    if (!w) return;
    if (afterMs <= 0) return this.kick(w);
    this.arm(w, afterMs);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.workers.get(uid)?.phase;
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** True when no worker is running or has work pending (timers may be armed). */
  isIdle(): boolean {
    for (const w of this.workers.values()) if (w.busy || w.pending) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) w.timer?.clear();
  }

  private arm(w: Worker, ms: number): void {
    w.timer?.clear();
    w.timer = this.o.clock.setTimer(() => this.kick(w), ms);
  }

  private kick(w: Worker): void {
    if (this.stopped) return;
    w.pending = true;
    if (!w.busy) void this.run(w);
  }

  private async run(w: Worker): Promise<void> {
    w.busy = true;
    try {
      while (w.pending && !this.stopped) {
        w.pending = false;
        try {
          await this.step(w);
          w.failures = 0;
        } catch (e) {
          if (isAbort(e)) return;
          w.failures++;
          const delay = Math.min(1000 * 2 ** (w.failures - 1), this.o.maxRetryMs ?? 60_000);
          const msg = `pod ${w.pod.metadata.namespace}/${w.pod.metadata.name} (${w.uid}): ${w.phase.kind} failed: ${errorMessage(e)}; retrying in ${delay} ms`;
          if (this.o.log) this.o.log(msg);
          else defaultLog.error(msg);
          this.arm(w, delay);
        }
      }
    } finally {
      w.busy = false;
    }
  }

  /** One step of the pod's lifecycle; sets `pending` when another step should follow. */
  private async step(w: Worker): Promise<void> {
    const phase = w.phase;
    switch (phase.kind) {
      case 'syncing': {
        const pod = w.pod;
        if (w.removed || pod.metadata.deletionTimestamp) {
          const grace = w.removed ? 0 : (pod.metadata.deletionGracePeriodSeconds ?? podSpec(pod).terminationGracePeriodSeconds ?? 30);
          w.phase = { kind: 'terminating', graceSeconds: grace };
          w.pending = true;
          return;
        }
        const r = await timed('sync', () => this.handler.syncPod(pod));
        if (r.terminal) {
          w.phase = { kind: 'terminating', graceSeconds: 0 };
          w.pending = true;
          return;
        }
        this.arm(w, Math.min(r.requeueAfterMs ?? Infinity, this.o.resyncMs ?? 60_000));
        return;
      }
      case 'terminating':
        w.timer?.clear();
        await timed('terminate', () => this.handler.terminatePod(w.pod, phase.graceSeconds));
        w.phase = { kind: 'terminated' };
        w.pending = true;
        return;
      case 'terminated':
        if (w.removed) {
          await timed('cleanup', () => this.handler.removePod(w.pod));
          w.timer?.clear();
          this.workers.delete(w.uid);
          return;
        }
        if (w.pod.metadata.deletionTimestamp && !w.deletionRequested) {
          await timed('finish_deletion', () => this.handler.finishDeletion(w.pod));
          w.deletionRequested = true;
        }
        return;
      default: {
        const never: never = phase;
        throw new BugError(`unknown worker phase ${JSON.stringify(never)}`);
      }
    }
  }
}
