// Cost of the controller work queue's hot path (issue 10): one key through add → get → done,
// without metrics and with the Prometheus sink (client-go's workqueue_* metrics); and a
// Controller running no-op reconciles, where each key now waits one setImmediate turn
// before its reconcile (the yield that keeps a chain of ready keys from starving the loop).
//
//   node dist/bench/workqueue.bench.js
//
// Prints a table and, last, `RESULT {...}` with every figure.
import { cpus } from 'node:os';
import { WorkQueue } from '../src/client/workqueue/queue.js';
import { prometheusQueueMetrics } from '../src/client/workqueue/prometheus-metrics.js';
import { Controller } from '../src/client/controller.js';

const KEYS = 1000;
const ROUNDS = 50;

async function queueCycle(withMetrics: boolean): Promise<number> {
  const q = new WorkQueue<string>({ name: 'bench', metrics: withMetrics ? prometheusQueueMetrics('bench-queue') : undefined });
  const keys = Array.from({ length: KEYS }, (_, i) => `ns/key-${i}`);
  // Warm-up, then measure.
  for (let r = 0; r < 2 * ROUNDS; r++) {
    if (r === ROUNDS) var start = process.hrtime.bigint(); // eslint-disable-line no-var
    for (const k of keys) q.add(k);
    for (let i = 0; i < KEYS; i++) q.done((await q.get())!);
  }
  const ns = Number(process.hrtime.bigint() - start!);
  q.shutDown();
  return ns / (ROUNDS * KEYS);
}

async function controllerThroughput(): Promise<number> {
  const abort = new AbortController();
  let done = 0;
  const total = 100_000;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  const c = new Controller({
    name: 'bench-controller', workers: 5, signal: abort.signal,
    reconcile: async () => {
      if (++done === total) finished();
    },
  });
  c.run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) c.enqueue(`ns/k-${i}`);
  await all;
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  abort.abort();
  return total / s;
}

// Alternating runs, median of each: the machine is shared, so load falls on both.
const runs: { plain: number[]; metered: number[] } = { plain: [], metered: [] };
for (let i = 0; i < 7; i++) {
  runs.plain.push(await queueCycle(false));
  runs.metered.push(await queueCycle(true));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const plain = median(runs.plain);
const metered = median(runs.metered);
const perSecond = await controllerThroughput();
console.log('workqueue hot path (one key: add + get + done)');
console.log(`  no metrics           ${plain.toFixed(0).padStart(6)} ns`);
console.log(`  prometheus metrics   ${metered.toFixed(0).padStart(6)} ns`);
console.log(`controller, 5 workers, no-op reconcile: ${Math.round(perSecond)} keys/s`);
console.log('RESULT ' + JSON.stringify({
  node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
  queueCycleNs: { noMetrics: Math.round(plain), prometheus: Math.round(metered) },
  controllerKeysPerSecond: Math.round(perSecond),
}));
