// The fixed memory cost of an event loop on a worker thread: RSS of a bare node process, then
// with N idle workers (each only a timer). A floor under what the server's loop split adds to
// its RSS before any of our code loads.
//   node dist/bench/worker-cost.bench.js [--workers 2]
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' } } });
const n = Number(values.workers);
const rssMB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

await sleep(500);
const r0 = rssMB();
const workers: Worker[] = [];
for (let i = 0; i < n; i++) {
  const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
  workers.push(w);
  await new Promise((r) => w.once('online', r));
}
await sleep(1500);
const r1 = rssMB();
console.log(`bare node ${r0.toFixed(1)} MB; with ${n} idle workers ${r1.toFixed(1)} MB: +${((r1 - r0) / n).toFixed(1)} MB per worker`);
console.log(`RESULT ${JSON.stringify({ bench: 'worker-cost', node: process.version, workers: n, bareMB: +r0.toFixed(1), withWorkersMB: +r1.toFixed(1), perWorkerMB: +((r1 - r0) / n).toFixed(1) })}`);
for (const w of workers) await w.terminate();
