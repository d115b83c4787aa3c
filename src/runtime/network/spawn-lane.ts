// Host commands (ip, runc, mount, CNI plugins…) spawned from a small thread pool instead of the
// caller's event loop.
//
// Why: child_process.spawn is synchronous up to the child's exec — libuv forks the whole process
// (page tables of a 150+ MB server) and waits on a pipe until the child has exec'd, which takes
// 3–40 ms when the two cores are busy. The agent shares its loop with the API server, and 100
// pods at once spawn ~500 processes: spawning alone held the loop 40 % of the time (issue 18).
// On a lane thread the wait blocks only that thread; the loop keeps serving.
//
//   run() ──postMessage──▶ lane thread 0 ─┐ spawn, collect stdout/stderr, exit code
//         (least busy)  ▶ lane thread 1 ─┘ ──postMessage──▶ run() resolves
//
// Threads start on first use and end after IDLE_MS without work, so an idle server carries none
// (~10 MB each). A thread that fails to start or dies fails its pending requests; the next
// request starts a new one. Set K8TS_SPAWN_LANES=0 to spawn on the caller's loop.
import { Worker } from 'node:worker_threads';
import type { SpawnReply, SpawnRequest } from './spawn-worker.js';

/** Lane threads (two cores: one waits on a fork while the other collects output). */
const LANES = Math.max(0, Number(process.env.K8TS_SPAWN_LANES ?? 2));
/** A lane with no work for this long ends. */
const IDLE_MS = 30_000;

interface Pending {
  resolve(r: SpawnReply): void;
  /** The thread the request went to (a thread ending fails only its own requests). */
  worker: Worker;
}

class Lane {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | undefined;

  get busy(): number {
    return this.pending.size;
  }

  send(req: SpawnRequest): Promise<SpawnReply> {
    const w = this.start();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.pending.size === 0) w.ref();
    return new Promise((resolve) => {
      this.pending.set(req.id, { resolve, worker: w });
      w.postMessage(req);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./spawn-worker.js', import.meta.url), {
      name: 'k8ts-spawn',
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    w.on('message', (r: SpawnReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      p.resolve(r);
      if (this.pending.size === 0) this.settle(w);
    });
    const fail = (why: string): void => {
      if (this.worker === w) this.worker = undefined;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(id);
        p.resolve({ id, code: null, stdout: '', stderr: '', spawnError: why });
      }
    };
    w.on('error', (e) => fail(`spawn lane thread failed: ${e.message}`));
    w.on('exit', (code) => fail(`spawn lane thread exited (${code})`));
    this.worker = w;
    return w;
  }

  /** No work left: let the process exit, and end the thread after IDLE_MS. */
  private settle(w: Worker): void {
    w.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker === w && this.pending.size === 0) {
        this.worker = undefined;
        void w.terminate();
      }
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

const lanes: Lane[] = Array.from({ length: LANES }, () => new Lane());
let nextId = 1;

/** Whether commands go to lane threads (false: the caller spawns them itself). */
export function spawnLanesEnabled(): boolean {
  return lanes.length > 0;
}

/** Runs a command on the least busy lane thread. */
export function spawnOnLane(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; extraEnv?: Record<string, string>; input?: string | Buffer; timeoutMs?: number; detachedWithSyncPipe?: { outFd: number } },
): Promise<SpawnReply> {
  let lane = lanes[0]!;
  for (const l of lanes) if (l.busy < lane.busy) lane = l;
  const input = typeof opts.input === 'string' || opts.input === undefined ? opts.input : new Uint8Array(opts.input);
  return lane.send({ id: nextId++, cmd, args: [...args], env: opts.env, extraEnv: opts.extraEnv, input, timeoutMs: opts.timeoutMs, detachedWithSyncPipe: opts.detachedWithSyncPipe });
}
