// Micro benchmark of what the API server's metrics add to each request and storage operation,
// measured in CPU time (process.cpuUsage), so that other load on a shared machine disturbs it
// little. The end-to-end effect is measured by api.bench.ts; this one isolates the cost.
//
//   npm run build && node dist/bench/apiserver-metrics.bench.js
//
// Prints per-operation CPU costs and one `RESULT {...}` line.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lookupResource } from '../src/api/registry/index.js';
import { parseRequestPath, type ResourceRequestInfo } from '../src/apiserver/request-info.js';
import { beginRequest, endRequest, ensureMetrics, requestSeries } from '../src/apiserver/request-metrics.js';
import { InstrumentedStore } from '../src/apiserver/storage-metrics.js';
import { MemoryStore, type Store } from '../src/storage/index.js';
import { registry } from '../src/util/metrics.js';

const N = 200_000;

function cpuNsPerOp(n: number, fn: () => void): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / n;
}

async function cpuNsPerOpAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / n;
}

/** A request as the pipeline sees it: method, headers, and a response that has been answered. */
function fakeRequest(method: string, path: string): { req: IncomingMessage; res: ServerResponse; url: URL; info: ResourceRequestInfo } {
  const url = new URL(path, 'https://localhost');
  const info = parseRequestPath(url.pathname) as ResourceRequestInfo;
  const req = { method, headers: {} } as IncomingMessage;
  const res = { statusCode: 200, headersSent: true, writableEnded: true } as ServerResponse;
  return { req, res, url, info };
}

async function main(): Promise<void> {
  ensureMetrics();
  const out: Record<string, number> = {};
  const p = (label: string, ns: number): void => {
    out[label] = Math.round(ns);
    process.stdout.write(`  ${label.padEnd(52)} ${ns.toFixed(0).padStart(7)} ns CPU/op\n`);
  };

  process.stdout.write('Per request (series lookup, in-flight, counter, 2 histograms):\n');
  for (const [method, path] of [
    ['GET', '/api/v1/namespaces/bench/pods/pod-1'],
    ['GET', '/api/v1/namespaces/bench/pods?limit=500'],
    ['POST', '/api/v1/namespaces/bench/pods'],
  ] as const) {
    const f = fakeRequest(method, path);
    const def = lookupResource(f.info.group, f.info.version, f.info.resource)!;
    const one = (): void => {
      const s = requestSeries(f.req, f.url, f.info, def);
      beginRequest(s);
      endRequest(s, f.req, f.res, performance.now());
    };
    cpuNsPerOp(20_000, one); // warm up
    p(`${method} ${path}`, cpuNsPerOp(N, one));
  }

  // Bare and instrumented stores alternate, 3 rounds each, and the lowest figure counts: GC
  // and other load on the machine only ever add time.
  process.stdout.write('Per storage operation (MemoryStore, bare vs InstrumentedStore; best of 3):\n');
  const value = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'bench' } });
  const M = 50_000;
  const best: Record<string, number> = {};
  const run = async (name: string, s: Store): Promise<void> => {
    const key = (i: number): string => `/registry/core/pods/bench/pod-${i}`;
    const c = await cpuNsPerOpAsync(M, (i) => s.create(key(i), value));
    const g = await cpuNsPerOpAsync(M, (i) => s.get(key(i)));
    best[`${name} create`] = Math.min(best[`${name} create`] ?? Infinity, c);
    best[`${name} get`] = Math.min(best[`${name} get`] ?? Infinity, g);
    await s.close();
  };
  for (let round = 0; round < 3; round++) {
    await run('bare', new MemoryStore());
    await run('instrumented', new InstrumentedStore(new MemoryStore()));
  }
  for (const [k, v] of Object.entries(best)) p(k, v);

  const t0 = process.cpuUsage();
  const text = await registry.metrics();
  const d = process.cpuUsage(t0);
  out['scrapeCpuUs'] = d.user + d.system;
  process.stdout.write(`One scrape of this registry: ${d.user + d.system} µs CPU, ${text.length} bytes\n`);
  process.stdout.write(`RESULT ${JSON.stringify({ date: new Date().toISOString(), node: process.version, nsPerOp: out, scrapeBytes: text.length })}\n`);
}

await main();
