// Node CPU and memory for the dashboard, from the kubelet's /metrics/resource (the endpoint
// metrics-server scrapes), read through the API's nodes/NAME/proxy with the user's identity: a
// user without `get nodes/proxy` sees no stats, as upstream. The kubelet reports pods' and
// containers' usage (cgroups); a node's figure is the sum over its pods. CPU is a rate, so it
// needs two scrapes: the first one gives memory only.

/** One scrape: per pod (namespace/name) cumulative CPU seconds and working-set bytes. */
export interface ResourceSample {
  atMs: number;
  cpuSeconds: Map<string, number>;
  memoryBytes: Map<string, number>;
}

export interface NodeUsage {
  /** Cores in use between the two scrapes (undefined after the first). */
  cpuCores?: number;
  memoryBytes: number;
  pods: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text of /metrics/resource (pod_* series; the rest is ignored). */
export function parseResourceMetrics(text: string, atMs: number): ResourceSample {
  const s: ResourceSample = { atMs, cpuSeconds: new Map(), memoryBytes: new Map() };
  for (const line of text.split('\n')) {
    if (!line.startsWith('pod_')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2];
    const key = `${labels.namespace ?? ''}/${labels.pod ?? ''}`;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    if (m[1] === 'pod_cpu_usage_seconds_total') s.cpuSeconds.set(key, v);
    else if (m[1] === 'pod_memory_working_set_bytes') s.memoryBytes.set(key, v);
  }
  return s;
}

/** A node's usage from its latest scrape and the one before (pods in both count for CPU). */
export function nodeUsage(cur: ResourceSample, prev?: ResourceSample): NodeUsage {
  let memoryBytes = 0;
  for (const v of cur.memoryBytes.values()) memoryBytes += v;
  const pods = new Set([...cur.cpuSeconds.keys(), ...cur.memoryBytes.keys()]).size;
  if (!prev || cur.atMs <= prev.atMs) return { memoryBytes, pods };
  let cpu = 0;
  for (const [k, v] of cur.cpuSeconds) {
    const before = prev.cpuSeconds.get(k);
    if (before !== undefined && v >= before) cpu += v - before;
  }
  return { cpuCores: cpu / ((cur.atMs - prev.atMs) / 1000), memoryBytes, pods };
}
