// Prometheus metrics (prom-client). Each event loop (worker thread) has its own registry;
// the API server's loop collects the others' as JSON and serves the union on /metrics
// (src/server/supervisor.ts). Metrics that exist in several loops carry a `loop` label so
// that the union never adds unrelated series together.
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export { Registry, Counter, Gauge, Histogram };

/** This loop's registry. */
export const registry = new Registry();

let defaultsCollected = false;
/** Process metrics (RSS, CPU, heap, handles): once per process, in the supervising loop. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
}

/** Latency buckets in seconds for requests and operations: 1 ms .. 60 s. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A metric of this registry by name, created on first use (modules may load twice in tests). */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}
export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = latencyBuckets): Histogram<L> {
  return (registry.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
