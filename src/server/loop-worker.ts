// The entry point of every worker-thread loop: configures logging, measures this loop's
// event-loop delay, answers the supervisor's pings and metric requests, starts the loop's
// module and stops it on request. See protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setMaxListeners } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import { configureLogging, logger, errorMessage } from '../util/log.js';
import { registry } from '../util/metrics.js';
import { LAG_RESOLUTION_MS, lagMs, type FromLoop, type LoopModule, type LoopWorkerData, type RunningLoop, type ToLoop } from './protocol.js';
import { BugError } from '../util/bug-error.js';

const data = workerData as LoopWorkerData;
const port = parentPort!;
const send = (m: FromLoop): void => port.postMessage(m);
configureLogging(data.log);
const log = logger(data.loop);
setMaxListeners(200);

const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
delay.enable();

const abort = new AbortController();
setMaxListeners(0, abort.signal);
let running: RunningLoop | undefined;
let stopping = false;

port.on('message', (m: ToLoop) => {
  switch (m.type) {
    case 'ping': {
      const heap = getHeapStatistics();
      send({ type: 'pong', id: m.id, lagMaxMs: lagMs(delay.max), lagP99Ms: lagMs(delay.percentile(99)), heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size });
      delay.reset();
      return;
    }
    case 'metrics':
      void registry.getMetricsAsJSON().then(
        (metrics) => send({ type: 'metrics', id: m.id, metrics }),
        () => send({ type: 'metrics', id: m.id, metrics: [] }),
      );
      return;
    case 'stop':
      void stop();
      return;
    default: {
      const never: never = m;
      throw new BugError(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  abort.abort();
  await running?.close().catch((e) => log.warn(`stopping: ${errorMessage(e)}`));
  send({ type: 'stopped' });
  port.close();
  process.exit(0);
}

try {
  const mod = (await import(data.module)) as LoopModule<unknown>;
  running = await mod.runLoop(data.options, abort.signal);
  send({ type: 'ready', info: running.info ?? {} });
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
