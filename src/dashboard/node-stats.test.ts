import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeUsage, parseResourceMetrics } from './node-stats.js';

const scrape = (cpuA: number, cpuB: number, memA: number, memB: number): string => `# HELP pod_cpu_usage_seconds_total Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="default",pod="a"} ${cpuA}
pod_cpu_usage_seconds_total{namespace="default",pod="b"} ${cpuB}
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="default",pod="a"} ${memA}
pod_memory_working_set_bytes{namespace="default",pod="b"} ${memB}
container_cpu_usage_seconds_total{container="c",namespace="default",pod="a"} 99
scrape_error 0
`;

test('parses the pod series of /metrics/resource', () => {
  const s = parseResourceMetrics(scrape(1.5, 2, 1000, 2000), 0);
  assert.deepEqual([...s.cpuSeconds], [['default/a', 1.5], ['default/b', 2]]);
  assert.deepEqual([...s.memoryBytes], [['default/a', 1000], ['default/b', 2000]]);
});

test('node usage: memory from one scrape; CPU as the rate between two, over pods in both', () => {
  const first = parseResourceMetrics(scrape(10, 20, 1000, 2000), 1_000);
  assert.deepEqual(nodeUsage(first), { memoryBytes: 3000, pods: 2 });
  const second = parseResourceMetrics(scrape(11, 20.5, 1500, 2000), 11_000);
  const u = nodeUsage(second, first);
  assert.equal(u.memoryBytes, 3500);
  assert.equal(u.cpuCores, 0.15); // 1.5 core-seconds in 10 s
  // A pod restarted (its counter went back) adds nothing rather than a negative rate.
  const third = parseResourceMetrics(scrape(0.1, 21.5, 100, 2000), 21_000);
  assert.equal(nodeUsage(third, second).cpuCores, 0.1);
});
