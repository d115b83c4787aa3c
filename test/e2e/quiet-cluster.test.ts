// Issue 10, "Quiet cluster" (must show): after the article's nginx rolls out with real
// containers (5 pods, readiness and liveness probes every second), over 60 s the server
// makes fewer than 1.5 writes/s (all resources, from the storage revision) and uses under
// 3 % of a core (utime+stime of the server process); through the rollout and the window, no
// pod's status is written twice with the same content and no transition time moves alone.
// Runs real containers: host lane only (scripts/run-tests.mjs isHostTest), under the host lock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeSkipReason } from '../helpers/node.js';
import { startRealArticleCluster, stopArticleCluster, measureQuiet, type ArticleCluster } from '../helpers/quiet.js';
import { statusWriteViolations } from '../helpers/writes.js';

const skip = runtimeSkipReason();
let a: ArticleCluster | undefined;
let imageSkip: string | undefined;

before(async () => {
  if (skip) return;
  const started = await startRealArticleCluster();
  if ('skip' in started) {
    imageSkip = started.skip;
    return;
  }
  a = started;
}, { timeout: 300_000 });

after(async () => {
  if (a) await stopArticleCluster(a);
}, { timeout: 180_000 });

describe('quiet cluster (real containers)', { skip: skip ?? false, timeout: 400_000 }, () => {
  it('5 nginx pods probed every second: < 1.5 writes/s and < 3 % of a core over 60 s; statuses written only on change', { timeout: 120_000 }, async (t) => {
    if (!a) return t.skip(imageSkip ?? 'no cluster');
    // Let the rollout's tail (old ReplicaSet scale-down, last status writes) finish.
    await new Promise((r) => setTimeout(r, 10_000));
    const pods = JSON.parse(await a.c.k(['get', 'pods', '-o', 'json'])).items as Array<{ status: { phase: string; conditions?: Array<{ type: string; status: string }> } }>;
    assert.equal(pods.filter((p) => p.status.phase === 'Running' && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length, 5);
    const q = await measureQuiet(a, 60);
    t.diagnostic(`quiet window: ${JSON.stringify(q)}`);
    assert.deepEqual(statusWriteViolations(a.pods.events), []);
    assert.equal(q.podEvents, 0, 'no pod is written while nothing changes');
    assert.ok(q.writesPerSecond < 1.5, `writes/s ${q.writesPerSecond} (${q.writes} in ${q.seconds} s)`);
    assert.ok(q.cpuPercent < 3, `server CPU ${q.cpuPercent} % of a core`);
  });
});
