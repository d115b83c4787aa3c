import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStats, ContainerStatus } from '../runtime/index.js';
import { collectResourceMetrics } from './resource-metrics.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from './constants.js';

const ctr = (id: string, pod: string, name: string, state: ContainerStatus['state'] = 'running'): ContainerStatus => ({
  id, sandboxId: `sb-${pod}`, name, attempt: 0, state, image: 'busybox', imageRef: 'sha256:x', createdAt: 0, logPath: '',
  labels: { [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_NAME]: pod, [LABEL_CONTAINER_NAME]: name },
});

test('/metrics/resource: container and pod CPU seconds and working set, upstream names; exited containers and missing cgroups left out', async () => {
  const stats: Record<string, ContainerStats | undefined> = {
    a: { cpuUsageNanoseconds: 1_500_000_000, memoryWorkingSetBytes: 1000, memoryUsageBytes: 1500 },
    b: { cpuUsageNanoseconds: 500_000_000, memoryWorkingSetBytes: 24 },
    c: undefined,
  };
  const runtime = {
    listContainers: async () => [ctr('a', 'web', 'nginx'), ctr('b', 'web', 'sidecar'), ctr('c', 'gone', 'x'), ctr('d', 'done', 'y', 'exited')],
    containerStats: async (id: string) => {
      if (id === 'd') throw new Error('not asked for exited containers');
      return stats[id];
    },
  };
  const { text } = await collectResourceMetrics(runtime);
  assert.match(text, /^container_cpu_usage_seconds_total\{container="nginx",namespace="default",pod="web"\} 1\.5$/m);
  assert.match(text, /^container_cpu_usage_seconds_total\{container="sidecar",namespace="default",pod="web"\} 0\.5$/m);
  assert.match(text, /^container_memory_working_set_bytes\{container="nginx",namespace="default",pod="web"\} 1000$/m);
  assert.match(text, /^pod_cpu_usage_seconds_total\{namespace="default",pod="web"\} 2$/m);
  assert.match(text, /^pod_memory_working_set_bytes\{namespace="default",pod="web"\} 1024$/m);
  assert.match(text, /^scrape_error 0$/m);
  assert.doesNotMatch(text, /pod="gone"|pod="done"/);
  // A runtime without cgroups (simulated) serves the empty families.
  const none = await collectResourceMetrics({ listContainers: async () => [ctr('a', 'web', 'nginx')] });
  assert.doesNotMatch(none.text, /pod="web"/);
});
