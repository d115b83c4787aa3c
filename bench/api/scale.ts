// Scale phases: LIST of many pods (full and paged) and watch fan-out to many watchers.
import type https from 'node:https';
import { newAgent, openWatch, type WatchStream } from './http.js';
import { call, recordFailure, type BenchContext } from './loops.js';
import { podManifest } from './pods.js';
import { createNamespaces, NS, seedPods } from './crud.js';
import { summarize, type LatencySummary } from './stats.js';

export interface BigListResult {
  pods: number;
  seed: { ops: number; opsPerSec: number; p50: number; p99: number; errors: number; elapsedMs: number };
  full: LatencySummary & { reps: number; bytes: number; items: number };
  paged: { reps: number; pages: number; pageP50: number; pageMax: number; totalP50: number; totalMax: number; items: number };
  /** Server RSS right after seeding, before any big LIST (the LISTs' garbage is not in it). */
  rssAfterSeedMB: number;
}

function listMeta(head: string): { continueToken?: string; remaining?: number } {
  const meta = /"metadata":\{([^}]*)\}/.exec(head)?.[1] ?? '';
  const cont = /"continue":"([^"]*)"/.exec(meta)?.[1];
  const rem = /"remainingItemCount":(\d+)/.exec(meta)?.[1];
  return { continueToken: cont || undefined, remaining: rem === undefined ? undefined : Number(rem) };
}

/** Seeds `count` pods with `concurrency` clients, then times `GET /api/v1/pods` and `?limit=500` paging. */
export async function runBigList(ctx: BenchContext, count: number, concurrency: number, reps: number, pagedReps: number, readRssMB: () => number): Promise<BigListResult> {
  await createNamespaces(ctx, [NS.big]);
  const seeded = await seedPods(ctx, NS.big, 'p-', count, concurrency, { maxErrors: 200 });
  const s = seeded.result;
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfterSeedMB = readRssMB();
  const agent = newAgent(ctx.creds, 1);
  try {
    // Verify the count once (parsing is not timed), then time raw transfers.
    const first = await call(ctx, agent, 'GET', '/api/v1/pods', 200);
    const items = (JSON.parse(first.body) as { items: unknown[] }).items.length;
    const lat: number[] = [];
    let bytes = first.bytes;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const r = await call(ctx, agent, 'GET', '/api/v1/pods', 200, { keepBytes: 1024, timeoutMs: 60_000 });
      lat.push(performance.now() - t);
      bytes = r.bytes;
    }
    const pageLat: number[] = [];
    const totals: number[] = [];
    let pages = 0;
    let pagedItems = 0;
    for (let rep = 0; rep < pagedReps; rep++) {
      let token: string | undefined;
      let n = 0;
      let seen = 0;
      const t0 = performance.now();
      do {
        const t = performance.now();
        const path = `/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
        const r = await call(ctx, agent, 'GET', path, 200);
        pageLat.push(performance.now() - t);
        // Counting items by their kind marker avoids a JSON.parse in the timed loop.
        seen += r.body.split('"kind":"Pod"').length - 1;
        token = listMeta(r.body.slice(0, 2048)).continueToken;
        n++;
      } while (token && n < 1000);
      totals.push(performance.now() - t0);
      pages = n;
      pagedItems = seen;
    }
    const ps = summarize(pageLat, 1);
    const ts = summarize(totals, 1);
    return {
      pods: count,
      seed: { ops: s.ops, opsPerSec: s.opsPerSec, p50: s.p50, p99: s.p99, errors: s.errors, elapsedMs: s.elapsedMs },
      full: { ...summarize(lat, lat.reduce((a, b) => a + b, 0)), reps, bytes, items },
      paged: { reps: pagedReps, pages, pageP50: ps.p50, pageMax: ps.max, totalP50: ts.p50, totalMax: ts.max, items: pagedItems },
      rssAfterSeedMB,
    };
  } finally {
    agent.destroy();
  }
}

export interface FanoutResult {
  watchers: number;
  watchersOpened: number;
  openMs: number;
  events: number;
  expectedDeliveries: number;
  delivered: number;
  /** Write response → last watcher has the event. */
  lastAfterResponse: LatencySummary;
  /** Write response → first watcher has the event (negative: it arrived before the response). */
  firstAfterResponse: LatencySummary;
  /** Write request sent → last watcher has the event. */
  lastAfterSend: LatencySummary;
  streamsEndedEarly: number;
  serverRssWithWatchersMB?: number;
  errors: number;
}

/**
 * Opens `watchers` watch streams on one namespace's pods (spread over several agents), then
 * creates `events` pods one every `intervalMs` and records, per pod, when each watcher got it.
 */
export async function runWatchFanout(ctx: BenchContext, watchers: number, events: number, intervalMs: number, readRssMB: () => number): Promise<FanoutResult> {
  const ns = NS.fan;
  const agentsN = Math.max(1, Math.ceil(watchers / 100));
  const agents: https.Agent[] = Array.from({ length: agentsN }, () => newAgent(ctx.creds, Math.ceil(watchers / agentsN)));
  const writer = newAgent(ctx.creds, 16);
  const streams: WatchStream[] = [];
  const count = new Int32Array(events);
  const firstAt = new Float64Array(events).fill(Number.POSITIVE_INFINITY);
  const lastAt = new Float64Array(events).fill(Number.NEGATIVE_INFINITY);
  const sentAt = new Float64Array(events).fill(Number.NaN);
  const respAt = new Float64Array(events).fill(Number.NaN);
  let delivered = 0;
  let endedEarly = 0;
  let closing = false;
  let errors = 0;
  const marker = '"name":"fan-';
  const onLine = (line: string, at: number): void => {
    const p = line.indexOf(marker);
    if (p < 0) {
      if (line.startsWith('{"type":"ERROR"')) ctx.errors.record('fanout', 'watch ERROR event', line);
      return;
    }
    const i = Number.parseInt(line.slice(p + marker.length, p + marker.length + 8), 10);
    if (!(i >= 0 && i < events)) return;
    count[i]!++;
    delivered++;
    if (at < firstAt[i]!) firstAt[i] = at;
    if (at > lastAt[i]!) lastAt[i] = at;
  };
  try {
    const listed = await call(ctx, writer, 'GET', `/api/v1/namespaces/${ns}/pods`, 200);
    const rv = (JSON.parse(listed.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const path = `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${rv}`;
    const tOpen = performance.now();
    let nextW = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (nextW < watchers) {
          const w = nextW++;
          try {
            streams.push(await openWatch(agents[w % agentsN]!, ctx.creds, path, onLine, () => void (closing || endedEarly++)));
          } catch (e) {
            errors++;
            recordFailure(ctx, 'fanout open', e);
          }
        }
      }),
    );
    const openMs = performance.now() - tOpen;
    await new Promise((r) => setTimeout(r, 500));
    const rssWith = readRssMB();

    const tag = 'fan-';
    const t0 = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < events; i++) {
      const due = t0 + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify(podManifest(`${tag}${i}`, ns));
      sentAt[i] = performance.now();
      writes.push(
        call(ctx, writer, 'POST', `/api/v1/namespaces/${ns}/pods`, 201, { body }).then(
          () => void (respAt[i] = performance.now()),
          (e: unknown) => {
            errors++;
            recordFailure(ctx, 'fanout write', e);
          },
        ),
      );
    }
    await Promise.all(writes);
    const expected = streams.length * events;
    const deadline = performance.now() + 20_000;
    while (delivered < expected && performance.now() < deadline && streams.some((s) => !s.ended())) await new Promise((r) => setTimeout(r, 50));
    if (delivered < expected) ctx.errors.record('fanout', 'events missing', `${expected - delivered} of ${expected} deliveries missing 20 s after the last write`);

    const lastResp: number[] = [];
    const firstResp: number[] = [];
    const lastSend: number[] = [];
    for (let i = 0; i < events; i++) {
      if (Number.isNaN(respAt[i]!) || count[i] === 0) continue;
      lastResp.push(lastAt[i]! - respAt[i]!);
      firstResp.push(firstAt[i]! - respAt[i]!);
      lastSend.push(lastAt[i]! - sentAt[i]!);
    }
    return {
      watchers,
      watchersOpened: streams.length,
      openMs,
      events,
      expectedDeliveries: watchers * events,
      delivered,
      lastAfterResponse: summarize(lastResp, 1),
      firstAfterResponse: summarize(firstResp, 1),
      lastAfterSend: summarize(lastSend, 1),
      streamsEndedEarly: endedEarly,
      serverRssWithWatchersMB: rssWith,
      errors,
    };
  } finally {
    closing = true;
    for (const s of streams) s.close();
    for (const a of agents) a.destroy();
    writer.destroy();
  }
}
