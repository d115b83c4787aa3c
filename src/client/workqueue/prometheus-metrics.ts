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
// Hot path: prom-client's `inc(labels)` / `observe(labels, v)` hash the label object on
// every call (over 1 µs per key for the five calls a key costs). Here each queue name owns
// plain numbers (QueueStats) that the queue bumps; the registry reads them only when
// /metrics is scraped, through metric objects that answer prom-client's `get()` contract
// (so text exposition and the JSON used to merge other loops' registries work unchanged).
// The two in-flight gauges are computed at scrape time from the queues being run, where
// client-go refreshes them every 500 ms.
//
// Counters are cumulative per queue name for the life of the loop: a controller started
// again (a new leadership term) continues its predecessor's series.
import { registry } from '../../util/metrics.js';
import { HistogramSeries, pushHistogramSamples, registerScrapeFamily, type MetricValue } from '../../util/metric-families.js';
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

class QueueStats {
  depth = 0;
  adds = 0;
  retries = 0;
  readonly queueDuration = new HistogramSeries({}, DURATION_BUCKETS);
  readonly workDuration = new HistogramSeries({}, DURATION_BUCKETS);
  readonly running = new Set<InFlightWork>();
}

const stats = new Map<string, QueueStats>();

type Collect = (name: string, s: QueueStats, out: MetricValue[]) => void;

/** One metric family read from `stats` at scrape time. */
function family(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: Collect): void {
  registerScrapeFamily(registry, name, help, type, (out) => {
    for (const [queue, s] of stats) samples(queue, s, out);
  });
}

function histogramSamples(metric: string, pick: (s: QueueStats) => HistogramSeries): Collect {
  return (queue, s, out) => pushHistogramSamples(out, metric, { name: queue }, pick(s), DURATION_BUCKETS);
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  family('workqueue_depth', 'Current depth of workqueue', 'gauge', (name, s, out) => void out.push({ value: s.depth, labels: { name } }));
  family('workqueue_adds_total', 'Total number of adds handled by workqueue', 'counter', (name, s, out) => void out.push({ value: s.adds, labels: { name } }));
  family('workqueue_retries_total', 'Total number of retries handled by workqueue', 'counter', (name, s, out) => void out.push({ value: s.retries, labels: { name } }));
  family('workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested.', 'histogram',
    histogramSamples('workqueue_queue_duration_seconds', (s) => s.queueDuration));
  family('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', 'histogram',
    histogramSamples('workqueue_work_duration_seconds', (s) => s.workDuration));
  family('workqueue_unfinished_work_seconds', 'How many seconds of work has been done that is in progress and has not been observed by work_duration. Large values indicate stuck threads.', 'gauge',
    (name, s, out) => {
      if (s.running.size === 0) return;
      let v = 0;
      for (const w of s.running) v += w.unfinishedWorkSeconds();
      out.push({ value: v, labels: { name } });
    });
  family('workqueue_longest_running_processor_seconds', 'How many seconds has the longest running processor for workqueue been running.', 'gauge',
    (name, s, out) => {
      if (s.running.size === 0) return;
      let v = 0;
      for (const w of s.running) v = Math.max(v, w.longestRunningProcessorSeconds());
      out.push({ value: v, labels: { name } });
    });
}

function statsFor(name: string): QueueStats {
  register();
  let s = stats.get(name);
  if (!s) stats.set(name, (s = new QueueStats()));
  return s;
}

/** A QueueMetrics sink writing to this loop's registry under `name`. */
export function prometheusQueueMetrics(name: string): QueueMetrics {
  const s = statsFor(name);
  return {
    add: () => void s.adds++,
    depth: (_q, n) => void (s.depth = n),
    latency: (_q, ms) => s.queueDuration.observe(ms / 1000),
    workDuration: (_q, ms) => s.workDuration.observe(ms / 1000),
    retry: () => void s.retries++,
  };
}

/**
 * Reports `work` under `name` for the two in-flight gauges until the returned function is
 * called (a stopped controller unregisters its queue).
 */
export function trackInFlightWork(name: string, work: InFlightWork): () => void {
  const s = statsFor(name);
  s.running.add(work);
  return () => void s.running.delete(work);
}
