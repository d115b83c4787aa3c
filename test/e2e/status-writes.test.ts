// Issue 10, "status writes only on change": the article's nginx rolled out and updated on a
// simulated node; a watch on all pods sees every version, and no pod's status is written
// twice with the same content, no condition's lastTransitionTime moves while its status
// stays, and once rolled out the pods are not written at all.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, eventually, type TestCluster } from '../helpers/cluster.js';
import { credsFromKubeconfig, type Creds } from '../helpers/http.js';
import { ARTICLE_NGINX } from '../helpers/article.js';
import { statusWriteViolations, storageRevision, watchObjects } from '../helpers/writes.js';

let c: TestCluster;
let creds: Creds;

before(async () => {
  c = await startCluster({ extraArgs: ['--runtime', 'simulated'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('pod status writes (simulated runtime)', { timeout: 300_000 }, () => {
  it('rollout and update of the article nginx: every pod status write changes something; quiet afterwards', { timeout: 280_000 }, async () => {
    const rv = await storageRevision(creds);
    const pods = watchObjects(creds, '/api/v1/pods', String(rv));
    try {
      const f = join(c.dataDir, 'nginx.yaml');
      writeFileSync(f, ARTICLE_NGINX);
      await c.k(['apply', '-f', f]);
      await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=120s'], { timeoutMs: 130_000 });
      await c.k(['set', 'image', 'deployment/nginx-dep', 'nginx=library/nginx:1.18-alpine']);
      await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=120s'], { timeoutMs: 130_000 });
      // Old pods finish terminating; then nothing should touch the pods.
      await eventually(async () => JSON.parse(await c.k(['get', 'pods', '-o', 'json'])).items.length === 5, 30_000, 250);
      await new Promise((r) => setTimeout(r, 2000));
      const before = pods.events.length;
      await new Promise((r) => setTimeout(r, 10_000));
      const quiet = pods.events.slice(before);
      assert.deepEqual(quiet.map((e) => `${e.type} ${e.object.metadata.name} rv ${e.object.metadata.resourceVersion}`), [], 'no pod writes in a settled cluster');
    } finally {
      pods.stop();
    }
    const modified = pods.events.filter((e) => e.type === 'MODIFIED');
    assert.ok(modified.length >= 20, `the watch saw the rollouts (${modified.length} MODIFIED events)`);
    assert.deepEqual(statusWriteViolations(pods.events), []);
  });
});
