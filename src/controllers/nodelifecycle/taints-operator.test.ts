// Regression: the node lifecycle controller had its own ToleratesTaint, which read an empty
// operator ("", which the API accepts and upstream treats as Equal) as "tolerates nothing", so a
// pod with `operator: ""` and tolerationSeconds was evicted at once from an unreachable node
// instead of after its tolerationSeconds. It now uses the one rule in src/api/taints.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evictionTime } from './taints.js';

test('an empty toleration operator means Equal for taint-based eviction', { timeout: 5000 }, () => {
  const since = Date.parse('2026-01-01T00:00:00Z');
  const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  assert.equal(evictionTime([{ key: taint.key, operator: '', effect: 'NoExecute', tolerationSeconds: 600 }], [taint], since), since + 600_000);
  assert.equal(evictionTime([{ key: taint.key, operator: '', effect: 'NoExecute' }], [taint], since), undefined);
  assert.equal(evictionTime([{ key: taint.key, operator: '', value: 'x', effect: 'NoExecute', tolerationSeconds: 600 }], [taint], since), since);
});
