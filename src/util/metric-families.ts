// Counters and histograms for hot paths (API requests, storage operations, work queues). prom-client's `inc(labels)` and
// `observe(labels, v)` hash and validate the label object on every call (about 0.6 µs each,
// three per request); here a label combination is resolved once into a series handle, and
// recording is a few additions on that handle.
//
// The families register in a prom-client Registry and answer its `get()` contract (the
// objects `getMetricsAsJSON()` returns), so the text exposition, the JSON used to merge other
// event loops' registries, and `resetMetrics()` work as for prom-client's own metrics.
import type { Registry } from './metrics.js';

type Labels = Readonly<Record<string, string>>;

export interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

interface MetricJson {
  name: string;
  help: string;
  type: MetricType;
  values: MetricValue[];
  aggregator: 'sum';
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); observations above the last bound only count. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    if (i < b.length) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

abstract class Family<S extends { labels: Labels }> {
  readonly aggregator = 'sum' as const;
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series of `labels` (all of labelNames), created on first use: call once per combination and keep the handle. */
  seriesFor(labels: Labels): S {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = this.create(labels);
      this.series.set(key, s);
    }
    return s;
  }

  protected abstract create(labels: Labels): S;

  protected abstract zero(s: S): void;

  /** Zeroes every series (handles stay valid: callers keep them for good). */
  reset(): void {
    for (const s of this.series.values()) this.zero(s);
  }

  /** Registers in `registry`, or returns the family registered there under this name already. */
  protected static registerIn<F extends { name: string }>(registry: Registry, f: F): F {
    const existing = registry.getSingleMetric(f.name) as unknown as F | undefined;
    if (existing) return existing;
    registry.registerMetric(f as never);
    return f;
  }
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter' as const;

  static register(registry: Registry, name: string, help: string, labelNames: readonly string[]): CounterFamily {
    return Family.registerIn(registry, new CounterFamily(name, help, labelNames));
  }

  protected create(labels: Labels): CounterSeries {
    return new CounterSeries({ ...labels });
  }

  protected zero(s: CounterSeries): void {
    s.value = 0;
  }

  get(): MetricJson {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) values.push({ value: s.value, labels: { ...s.labels } });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram' as const;

  private constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  static register(registry: Registry, name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): HistogramFamily {
    return Family.registerIn(registry, new HistogramFamily(name, help, labelNames, [...buckets].sort((a, b) => a - b)));
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries({ ...labels }, this.buckets);
  }

  protected zero(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
  }

  get(): MetricJson {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) pushHistogramSamples(values, this.name, s.labels, s, this.buckets);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** prom-client's histogram shape: cumulative `_bucket{le}` lines, then `+Inf`, `_sum` and `_count`. */
export function pushHistogramSamples(out: MetricValue[], name: string, labels: Labels, s: HistogramSeries, bounds: readonly number[]): void {
  const bucket = `${name}_bucket`;
  let acc = 0;
  for (let i = 0; i < bounds.length; i++) {
    acc += s.counts[i];
    out.push({ value: acc, labels: { ...labels, le: bounds[i] }, metricName: bucket });
  }
  out.push({ value: s.count, labels: { ...labels, le: '+Inf' }, metricName: bucket });
  out.push({ value: s.sum, labels: { ...labels }, metricName: `${name}_sum` });
  out.push({ value: s.count, labels: { ...labels }, metricName: `${name}_count` });
}

/**
 * A family whose samples are read from the caller's own numbers at scrape time (gauges of
 * live state, counters kept as plain fields). Registered once per registry and name.
 */
export function registerScrapeFamily(registry: Registry, name: string, help: string, type: MetricType, collect: (out: MetricValue[]) => void): void {
  if (registry.getSingleMetric(name)) return;
  const family = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get(): MetricJson {
      const values: MetricValue[] = [];
      collect(values);
      return { name, help, type, values, aggregator: 'sum' };
    },
    reset(): void {},
  };
  registry.registerMetric(family as never);
}
