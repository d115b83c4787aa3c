// Closed-loop CRUD phases (create, get, list, update, watch-event latency) at several client
// counts, plus the open-loop fixed-rate write phase.
import { newAgent, openWatch, type WatchStream } from './http.js';
import { call, closedLoop, openLoop, type BenchContext, type LoopLimits, type LoopResult } from './loops.js';
import { namespaceManifest, podManifest, SEQ_ANNOTATION, type PodManifest } from './pods.js';
import { r2, summarize, type LatencySummary } from './stats.js';

export const NS = { create: 'bench-create', list: 'bench-list', update: 'bench-update', watch: 'bench-watch', rate: 'bench-rate', fan: 'bench-fan', big: 'bench-big' } as const;

const podsPath = (ns: string): string => `/api/v1/namespaces/${ns}/pods`;

export async function createNamespaces(ctx: BenchContext, names: readonly string[]): Promise<void> {
  const agent = newAgent(ctx.creds, 1);
  try {
    for (const n of names) await call(ctx, agent, 'POST', '/api/v1/namespaces', 201, { body: namespaceManifest(n) });
  } finally {
    agent.destroy();
  }
}

/** Creates `count` pods named `${prefix}${i}` with `concurrency` clients; returns the stored objects. */
export async function seedPods(ctx: BenchContext, ns: string, prefix: string, count: number, concurrency: number, limits?: Partial<LoopLimits>): Promise<{ objects: PodManifest[]; result: LoopResult }> {
  const agent = newAgent(ctx.creds, concurrency);
  const objects: PodManifest[] = new Array(count);
  try {
    const result = await closedLoop(ctx, `seed ${ns}`, concurrency, { durationMs: limits?.durationMs ?? 600_000, maxOps: count, maxErrors: limits?.maxErrors ?? 50 }, async (_w, i) => {
      const t = performance.now();
      const r = await call(ctx, agent, 'POST', podsPath(ns), 201, { body: JSON.stringify(podManifest(`${prefix}${i}`, ns)) });
      const lat = performance.now() - t;
      objects[i] = JSON.parse(r.body) as PodManifest;
      return lat;
    });
    return { objects, result };
  } finally {
    agent.destroy();
  }
}

/** A PUT body for `obj` with its annotation bumped to `seq` (the whole object, as client-go sends it). */
function updateBody(obj: PodManifest, seq: number): string {
  obj.metadata.annotations[SEQ_ANNOTATION] = String(seq);
  return JSON.stringify(obj);
}

const rvOf = (body: string): string => {
  const o = JSON.parse(body) as PodManifest;
  return o.metadata.resourceVersion!;
};

export interface CrudFixture {
  updatePods: PodManifest[];
  watchPods: PodManifest[];
  listNames: string[];
}

export const CRUD_MAX_CLIENTS = 100;

export async function prepareCrud(ctx: BenchContext): Promise<CrudFixture> {
  await createNamespaces(ctx, [NS.create, NS.list, NS.update, NS.watch, NS.rate, NS.fan]);
  const list = await seedPods(ctx, NS.list, 'l-', 100, 20);
  const upd = await seedPods(ctx, NS.update, 'u-', CRUD_MAX_CLIENTS, 20);
  const wat = await seedPods(ctx, NS.watch, 'w-', CRUD_MAX_CLIENTS, 20);
  for (const s of [list, upd, wat]) if (s.result.errors) throw new Error('seeding the CRUD fixture failed; see the error table');
  return { updatePods: upd.objects, watchPods: wat.objects, listNames: list.objects.map((o) => o.metadata.name) };
}

export type CrudOp = 'create' | 'get' | 'list' | 'update' | 'watch';
export const CRUD_OPS: readonly CrudOp[] = ['create', 'get', 'list', 'update', 'watch'];

export interface CrudRow extends LoopResult {
  op: CrudOp;
  clients: number;
  /** watch only: delay from the PUT's response to the event (p50/p99). */
  afterResponseP50?: number;
  afterResponseP99?: number;
  listBytes?: number;
}

let seqCounter = 1;

export async function runCrudPhase(ctx: BenchContext, fx: CrudFixture, op: CrudOp, clients: number, limits: LoopLimits): Promise<CrudRow> {
  const agent = newAgent(ctx.creds, clients);
  const phase = `${op} x${clients}`;
  try {
    // Warm the connections so TLS handshakes are not in the figures.
    await Promise.all(Array.from({ length: clients }, () => call(ctx, agent, 'GET', `${podsPath(NS.list)}/${fx.listNames[0]}`, 200)));
    switch (op) {
      case 'create': {
        const tag = `c${clients}-${Date.now().toString(36)}-`;
        const row = await closedLoop(ctx, phase, clients, limits, async (_w, i) => {
          const body = JSON.stringify(podManifest(`${tag}${i}`, NS.create));
          const t = performance.now();
          await call(ctx, agent, 'POST', podsPath(NS.create), 201, { body });
          return performance.now() - t;
        });
        return { op, clients, ...row };
      }
      case 'get': {
        const row = await closedLoop(ctx, phase, clients, limits, async (w, i) => {
          const t = performance.now();
          await call(ctx, agent, 'GET', `${podsPath(NS.list)}/${fx.listNames[(w * 7 + i) % fx.listNames.length]}`, 200);
          return performance.now() - t;
        });
        return { op, clients, ...row };
      }
      case 'list': {
        let bytes = 0;
        const row = await closedLoop(ctx, phase, clients, limits, async () => {
          const t = performance.now();
          const r = await call(ctx, agent, 'GET', `${podsPath(NS.list)}?limit=500`, 200, { keepBytes: 4096 });
          bytes = r.bytes;
          return performance.now() - t;
        });
        return { op, clients, ...row, listBytes: bytes };
      }
      case 'update': {
        const row = await closedLoop(ctx, phase, clients, limits, async (w) => {
          const obj = fx.updatePods[w]!;
          const body = updateBody(obj, seqCounter++);
          const t = performance.now();
          const r = await call(ctx, agent, 'PUT', `${podsPath(NS.update)}/${obj.metadata.name}`, 200, { body });
          const lat = performance.now() - t;
          obj.metadata.resourceVersion = rvOf(r.body);
          return lat;
        });
        return { op, clients, ...row };
      }
      case 'watch':
        return await runWatchLatency(ctx, fx, clients, limits, agent, phase);
      default: {
        const never: never = op;
        throw new Error(`unknown op ${String(never)}`);
      }
    }
  } finally {
    agent.destroy();
  }
}

/**
 * Each client owns one pod and a watch on it (fieldSelector metadata.name); one op = PUT the pod
 * with a new `bench/seq`, then wait for the MODIFIED event carrying that value. The latency is
 * PUT sent → event received; the delay after the PUT's response is reported beside it.
 */
async function runWatchLatency(ctx: BenchContext, fx: CrudFixture, clients: number, limits: LoopLimits, agent: ReturnType<typeof newAgent>, phase: string): Promise<CrudRow> {
  const watchAgent = newAgent(ctx.creds, clients);
  const streams: WatchStream[] = [];
  const waiters: ({ needle: string; resolve: (at: number) => void; reject: (e: Error) => void } | undefined)[] = new Array(clients);
  const afterResp: number[] = [];
  try {
    // Watch from the current revision (list, then watch, as informers do): the pods' own
    // resourceVersions may be older than the watch cache's window by now.
    const listed = await call(ctx, agent, 'GET', `${podsPath(NS.watch)}?limit=1`, 200);
    const fromRv = (JSON.parse(listed.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    for (let w = 0; w < clients; w++) {
      const obj = fx.watchPods[w]!;
      const path = `${podsPath(NS.watch)}?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${obj.metadata.name}`)}&resourceVersion=${fromRv}`;
      streams.push(
        await openWatch(watchAgent, ctx.creds, path, (line, at) => {
          const wt = waiters[w];
          if (line.startsWith('{"type":"ERROR"')) {
            waiters[w] = undefined;
            wt?.reject(new Error(`watch ERROR event: ${line.slice(0, 300)}`));
            if (!wt) ctx.errors.record(phase, 'watch ERROR event', line);
            return;
          }
          if (wt && line.includes(wt.needle)) {
            waiters[w] = undefined;
            wt.resolve(at);
          }
        }),
      );
    }
    const row = await closedLoop(ctx, phase, clients, limits, async (w) => {
      const obj = fx.watchPods[w]!;
      const seq = seqCounter++;
      const body = updateBody(obj, seq);
      let timer: NodeJS.Timeout | undefined;
      const event = new Promise<number>((resolve, reject) => {
        waiters[w] = { needle: `"${SEQ_ANNOTATION}":"${seq}"`, resolve, reject };
        timer = setTimeout(() => {
          waiters[w] = undefined;
          reject(new Error(`no watch event within 10000 ms for ${obj.metadata.name} seq ${seq}`));
        }, 10_000);
      });
      const t = performance.now();
      try {
        const r = await call(ctx, agent, 'PUT', `${podsPath(NS.watch)}/${obj.metadata.name}`, 200, { body });
        const tResp = performance.now();
        obj.metadata.resourceVersion = rvOf(r.body);
        const at = await event;
        afterResp.push(at - tResp);
        return at - t;
      } finally {
        clearTimeout(timer);
        waiters[w] = undefined;
        event.catch(() => undefined);
      }
    });
    const ar = summarize(afterResp, 1);
    const closedEarly = streams.filter((s) => s.ended()).length;
    if (closedEarly) ctx.errors.record(phase, 'watch stream ended early', `${closedEarly} of ${clients} watch streams ended during the phase`);
    return { op: 'watch', clients, ...row, afterResponseP50: r2(ar.p50), afterResponseP99: r2(ar.p99) };
  } finally {
    for (const s of streams) s.close();
    watchAgent.destroy();
  }
}

export interface FixedRateResult {
  ratePerSec: number;
  durationS: number;
  all: LatencySummary;
  creates: LatencySummary;
  updates: LatencySummary;
  fromSchedule: LatencySummary;
  maxGeneratorLagMs: number;
  errors: number;
  /** How many writes took over 20 ms (issue → response). */
  over20ms: number;
}

/** Open loop: a write every 1000/rate ms; even slots create a new pod, odd slots PUT a pool pod. */
export async function runFixedRate(ctx: BenchContext, ratePerSec: number, durationS: number, poolPrefix = 'pool-'): Promise<FixedRateResult> {
  const pool = await seedPods(ctx, NS.rate, poolPrefix, 100, 20);
  const agent = newAgent(ctx.creds, 256);
  try {
    // Warm a few connections (the open loop opens more on demand; those handshakes count).
    await Promise.all(Array.from({ length: 8 }, () => call(ctx, agent, 'GET', `${podsPath(NS.rate)}/${poolPrefix}0`, 200)));
    const count = Math.round(ratePerSec * durationS);
    const kind: ('c' | 'u')[] = [];
    const tag = `r-${Date.now().toString(36)}-`;
    const res = await openLoop(ctx, 'fixed-rate', count, 1000 / ratePerSec, async (i) => {
      if (i % 2 === 0) {
        kind[i] = 'c';
        await call(ctx, agent, 'POST', podsPath(NS.rate), 201, { body: JSON.stringify(podManifest(`${tag}${i}`, NS.rate)) });
      } else {
        kind[i] = 'u';
        const obj = pool.objects[(i >> 1) % pool.objects.length]!;
        const r = await call(ctx, agent, 'PUT', `${podsPath(NS.rate)}/${obj.metadata.name}`, 200, { body: updateBody(obj, seqCounter++) });
        obj.metadata.resourceVersion = rvOf(r.body);
      }
    });
    const c: number[] = [];
    const u: number[] = [];
    res.perOp.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      (kind[i] === 'c' ? c : u).push(v);
    });
    return {
      ratePerSec,
      durationS,
      all: res.latency,
      creates: summarize(c, res.elapsedMs),
      updates: summarize(u, res.elapsedMs),
      fromSchedule: res.latencyFromSchedule,
      maxGeneratorLagMs: res.maxGeneratorLagMs,
      errors: res.errors,
      over20ms: res.perOp.filter((v) => v > 20).length,
    };
  } finally {
    agent.destroy();
  }
}
