// Work-queue metrics in this loop's Prometheus registry, with client-go's names and its
// `name` label (the controller's name):
//
//   workqueue_depth                              gauge      keys waiting for a worker
//   workqueue_adds_total                         counter    keys added (collapsed duplicates not counted)
//   workqueue_retries_total                      counter    keys re-added through the rate limiter
//   workqueue_queue_duration_seconds             histogram  time a key waited before a worker got it
//   workqueue_work_duration_seconds              histogram  time a worker held a key (get to done)
//   workqueue_unfinished_work_seconds            gauge      sum of the ages of the keys being processed
//   workqueue_longest_running_processor_seconds  gauge      age of the oldest key being processed
//
// Hot path: each queue resolves its labelled children once, so an add or a get costs a
// counter increment or a histogram observe, never a label lookup. The two "unfinished"
// gauges are computed when /metrics is scraped (a collect callback over the registered
// queues), not kept up to date by a timer as client-go does.
import { counter, gauge, histogram } from '../../util/metrics.js';
import type { QueueMetrics } from './queue.js';

/** client-go's buckets for the two duration histograms: 10 ns .. 10 s, ×10 each. */
const DURATION_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/** What a queue reports at scrape time about the keys its workers hold. */
export interface InFlightWork {
  /** Seconds, summed over the keys being processed. */
  unfinishedWorkSeconds(): number;
  /** Seconds the longest-held key has been processed; 0 when none. */
  longestRunningProcessorSeconds(): number;
}

const inFlight = new Map<string, Set<InFlightWork>>();

function metricFamilies() {
  const unfinished = gauge('workqueue_unfinished_work_seconds',
    'How many seconds of work has been done that is in progress and has not been observed by work_duration. Large values indicate stuck threads.', ['name']);
  const longest = gauge('workqueue_longest_running_processor_seconds',
    'How many seconds has the longest running processor for workqueue been running.', ['name']);
  return {
    depth: gauge('workqueue_depth', 'Current depth of workqueue', ['name']),
    adds: counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name']),
    retries: counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name']),
    queueDuration: histogram('workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested.', ['name'], DURATION_BUCKETS),
    workDuration: histogram('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', ['name'], DURATION_BUCKETS),
    unfinished,
    longest,
  };
}

let families: ReturnType<typeof metricFamilies> | undefined;
let collectorsInstalled = false;

function installCollectors(f: ReturnType<typeof metricFamilies>): void {
  if (collectorsInstalled) return;
  collectorsInstalled = true;
  // prom-client calls `collect` on every scrape; it may set values for any label set.
  const collect = (pick: (w: InFlightWork) => number, combine: (a: number, b: number) => number) => function (this: { reset(): void; set(l: { name: string }, v: number): void }) {
    this.reset();
    for (const [name, set] of inFlight) {
      let v = 0;
      for (const w of set) v = combine(v, pick(w));
      this.set({ name }, v);
    }
  };
  (f.unfinished as unknown as { collect?: unknown }).collect = collect((w) => w.unfinishedWorkSeconds(), (a, b) => a + b);
  (f.longest as unknown as { collect?: unknown }).collect = collect((w) => w.longestRunningProcessorSeconds(), Math.max);
}

/** A QueueMetrics sink writing to this loop's registry under `name`. */
export function prometheusQueueMetrics(name: string): QueueMetrics {
  families ??= metricFamilies();
  installCollectors(families);
  const depth = families.depth.labels({ name });
  const adds = families.adds.labels({ name });
  const retries = families.retries.labels({ name });
  const queueDuration = families.queueDuration.labels({ name });
  const workDuration = families.workDuration.labels({ name });
  // Series exist from the start (0), as client-go's do once a queue is created.
  depth.set(0);
  adds.inc(0);
  retries.inc(0);
  return {
    add: () => adds.inc(),
    depth: (_q, n) => depth.set(n),
    latency: (_q, ms) => queueDuration.observe(ms / 1000),
    workDuration: (_q, ms) => workDuration.observe(ms / 1000),
    retry: () => retries.inc(),
  };
}

/**
 * Reports `work` under `name` for the two in-flight gauges until the returned function is
 * called (a stopped controller unregisters its queue).
 */
export function trackInFlightWork(name: string, work: InFlightWork): () => void {
  families ??= metricFamilies();
  installCollectors(families);
  let set = inFlight.get(name);
  if (!set) inFlight.set(name, (set = new Set()));
  set.add(work);
  return () => {
    const s = inFlight.get(name);
    if (!s) return;
    s.delete(work);
    if (s.size === 0) inFlight.delete(name);
  };
}
