// Latency bookkeeping for the API benchmark: nearest-rank percentiles over a bounded sample.

export interface LatencySummary {
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted array (q in 0..1). NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(latenciesMs: readonly number[], elapsedMs: number): LatencySummary {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return {
    ops: s.length,
    opsPerSec: elapsedMs > 0 ? (s.length * 1000) / elapsedMs : 0,
    p50: percentile(s, 0.5),
    p99: percentile(s, 0.99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
  };
}

/** Rounds for display and for the RESULT line (2 decimals; NaN becomes null in JSON). */
export function r2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Counts failures by "phase: reason", keeping one sample message each (evidence for the report). */
export class ErrorLog {
  readonly counts = new Map<string, number>();
  readonly samples = new Map<string, string>();

  record(phase: string, reason: string, sample: string): void {
    const k = `${phase}: ${reason}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (!this.samples.has(k)) this.samples.set(k, sample.slice(0, 300));
  }

  count(phasePrefix: string): number {
    let n = 0;
    for (const [k, v] of this.counts) if (k.startsWith(phasePrefix)) n += v;
    return n;
  }

  toJSON(): Record<string, { count: number; sample: string }> {
    const out: Record<string, { count: number; sample: string }> = {};
    for (const [k, v] of this.counts) out[k] = { count: v, sample: this.samples.get(k) ?? '' };
    return out;
  }
}
