// `k8ts status` reports the server's event loops from its /metrics: each loop's lag, whether it
// is stalled, and how often it was restarted after a crash (src/server/supervisor.ts).

export interface LoopReport {
  name: string;
  lagSeconds: number;
  stalled: boolean;
  restarts: number;
}

const SAMPLE = /^(k8ts_event_loop_lag_seconds|k8ts_loop_stalled|k8ts_loop_restarts_total)\{loop="([^"]+)"\}\s+(\S+)$/;

/** The loops named in a Prometheus text exposition, in the order they first appear. */
export function parseLoopMetrics(text: string): LoopReport[] {
  const loops = new Map<string, LoopReport>();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const [, metric, name, raw] = m;
    const value = Number(raw);
    let r = loops.get(name);
    if (!r) loops.set(name, (r = { name, lagSeconds: 0, stalled: false, restarts: 0 }));
    if (metric === 'k8ts_event_loop_lag_seconds') r.lagSeconds = value;
    else if (metric === 'k8ts_loop_stalled') r.stalled = value === 1;
    else r.restarts = value;
  }
  return [...loops.values()];
}

function formatLag(s: number): string {
  return s >= 1 ? `${s.toFixed(1)} s` : `${Math.round(s * 1000)} ms`;
}

/** One line: `main 3 ms, controllers 41.0 s STALLED, node 2 ms (1 restart)`. */
export function describeLoops(loops: readonly LoopReport[]): string {
  if (!loops.length) return 'unknown (no loop metrics)';
  return loops
    .map((l) => {
      let s = `${l.name} ${formatLag(l.lagSeconds)}`;
      if (l.stalled) s += ' STALLED';
      if (l.restarts) s += ` (${l.restarts} restart${l.restarts === 1 ? '' : 's'})`;
      return s;
    })
    .join(', ');
}
