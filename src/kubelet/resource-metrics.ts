// The kubelet's /metrics/resource (upstream's resource metrics endpoint, what metrics-server
// scrapes): CPU and working-set memory of each running container and pod, read from the
// containers' cgroups by the runtime (cgroup v1 or v2 files, src/runtime/oci/cgroup-driver.ts).
// A fresh registry per scrape: the values are the cgroups' own counters, not ours to accumulate.
import { Counter, Gauge, Registry } from '../util/metrics.js';
import type { ContainerStats, RuntimeService } from '../runtime/index.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from './constants.js';

export interface ContainerSample {
  namespace: string;
  pod: string;
  container: string;
  stats: ContainerStats;
}

/** Prometheus text for the samples, with upstream's metric names and labels. */
export async function formatResourceMetrics(samples: readonly ContainerSample[], scrapeError = false): Promise<{ contentType: string; text: string }> {
  const reg = new Registry();
  const cCpu = new Counter({ name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed by the container in core-seconds', labelNames: ['container', 'namespace', 'pod'], registers: [reg] });
  const cMem = new Gauge({ name: 'container_memory_working_set_bytes', help: 'Current working set of the container in bytes', labelNames: ['container', 'namespace', 'pod'], registers: [reg] });
  const pCpu = new Counter({ name: 'pod_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed by the pod in core-seconds', labelNames: ['namespace', 'pod'], registers: [reg] });
  const pMem = new Gauge({ name: 'pod_memory_working_set_bytes', help: 'Current working set of the pod in bytes', labelNames: ['namespace', 'pod'], registers: [reg] });
  const err = new Gauge({ name: 'scrape_error', help: '1 if there was an error while getting container metrics, 0 otherwise', registers: [reg] });
  err.set(scrapeError ? 1 : 0);
  for (const s of samples) {
    const c = { container: s.container, namespace: s.namespace, pod: s.pod };
    const p = { namespace: s.namespace, pod: s.pod };
    if (s.stats.cpuUsageNanoseconds !== undefined) {
      cCpu.inc(c, s.stats.cpuUsageNanoseconds / 1e9);
      pCpu.inc(p, s.stats.cpuUsageNanoseconds / 1e9);
    }
    if (s.stats.memoryWorkingSetBytes !== undefined) {
      cMem.set(c, s.stats.memoryWorkingSetBytes);
      pMem.inc(p, s.stats.memoryWorkingSetBytes);
    }
  }
  return { contentType: reg.contentType, text: await reg.metrics() };
}

/** Reads every running container's stats from the runtime (none when it has no cgroups). */
export async function collectResourceMetrics(runtime: Pick<RuntimeService, 'listContainers' | 'containerStats'>): Promise<{ contentType: string; text: string }> {
  const samples: ContainerSample[] = [];
  let scrapeError = false;
  if (runtime.containerStats) {
    for (const c of await runtime.listContainers()) {
      if (c.state !== 'running') continue;
      const stats = await runtime.containerStats(c.id).catch(() => {
        scrapeError = true;
        return undefined;
      });
      if (!stats) continue;
      samples.push({ namespace: c.labels[LABEL_POD_NAMESPACE] ?? '', pod: c.labels[LABEL_POD_NAME] ?? '', container: c.labels[LABEL_CONTAINER_NAME] ?? c.name, stats });
    }
  }
  return formatResourceMetrics(samples, scrapeError);
}
