import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLoopMetrics, describeLoops } from './loops-status.js';

const exposition = `# HELP k8ts_event_loop_lag_seconds lag
# TYPE k8ts_event_loop_lag_seconds gauge
k8ts_event_loop_lag_seconds{loop="main"} 0.0031
k8ts_event_loop_lag_seconds{loop="controllers"} 41.02
k8ts_event_loop_lag_seconds{loop="node"} 0.0024
k8ts_loop_stalled{loop="controllers"} 1
k8ts_loop_stalled{loop="node"} 0
k8ts_loop_restarts_total{loop="controllers"} 0
k8ts_loop_restarts_total{loop="node"} 1
k8ts_loop_heap_bytes{loop="node",kind="used"} 123
`;

test('k8ts status: loops from /metrics, a stalled loop and restarts named', { timeout: 5000 }, () => {
  const loops = parseLoopMetrics(exposition);
  assert.deepEqual(loops.map((l) => l.name), ['main', 'controllers', 'node']);
  assert.equal(describeLoops(loops), 'main 3 ms, controllers 41.0 s STALLED, node 2 ms (1 restart)');
  assert.equal(describeLoops(parseLoopMetrics('')), 'unknown (no loop metrics)');
});
