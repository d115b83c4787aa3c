// helm 3 with an operator-shaped chart (test/fixtures/charts/crontab-operator): the CRD in
// crds/ is installed first, then templates create custom objects of it (plus the operator's
// RBAC naming the custom resource); upgrade adds and changes objects; uninstall removes the
// objects and keeps the CRD, as helm does with crds/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulated, run, ROOT, type TestCluster } from './support.js';

const HELM = join(ROOT, '.tools/helm');
const CHART = join(ROOT, 'test/fixtures/charts/crontab-operator');
const NS = 'helm-crd';
let c: TestCluster;
let env: NodeJS.ProcessEnv;

before(async () => {
  c = await startSimulated();
  env = { KUBECONFIG: c.kubeconfig, HOME: c.dataDir, HELM_CACHE_HOME: join(c.dataDir, 'helm/cache'), HELM_CONFIG_HOME: join(c.dataDir, 'helm/config'), HELM_DATA_HOME: join(c.dataDir, 'helm/data') };
  await c.k(['create', 'namespace', NS]);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const ok = async (args: string[]): Promise<string> => {
  const r = await run(HELM, [...args, '--namespace', NS], { env, cwd: c.dataDir, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `helm ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};
const crontabs = async (): Promise<Record<string, any>> => {
  const list = JSON.parse(await c.k(['-n', NS, 'get', 'crontabs.charts.k8ts-test.example.com', '-o', 'json']));
  return Object.fromEntries(list.items.map((i: any) => [i.metadata.name, i.spec]));
};

describe('helm and CRDs', () => {
  it('an operator chart installs its CRD and custom objects, upgrades, uninstalls', { timeout: 300_000 }, async () => {
    await ok(['install', 'ops', CHART, '--wait', '--timeout', '60s']);
    assert.deepEqual(await crontabs(), { 'ops-nightly': { cronSpec: '0 3 * * *', replicas: 1 } });
    assert.match(await c.k(['-n', NS, 'get', 'crontabs.charts.k8ts-test.example.com']), /^ops-nightly\s+0 3 \* \* \*\s*$/m);
    // A value the schema refuses fails the upgrade with the API server's message (the next
    // upgrade then deploys a valid revision again).
    const bad = await run(HELM, ['upgrade', 'ops', CHART, '--set', 'schedules[0].name=x,schedules[0].cronSpec=1,schedules[0].replicas=-1', '--namespace', NS], { env, cwd: c.dataDir, timeoutMs: 120_000 });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/);
    await ok(['upgrade', 'ops', CHART, '--set', 'schedules[0].name=nightly,schedules[0].cronSpec=0 4 * * *,schedules[0].replicas=2,schedules[1].name=hourly,schedules[1].cronSpec=0 * * * *,schedules[1].replicas=0', '--wait', '--timeout', '60s']);
    assert.deepEqual(await crontabs(), { 'ops-nightly': { cronSpec: '0 4 * * *', replicas: 2 }, 'ops-hourly': { cronSpec: '0 * * * *', replicas: 0 } });
    await ok(['uninstall', 'ops', '--wait', '--timeout', '60s']);
    assert.deepEqual(await crontabs(), {});
    assert.match(await c.k(['get', 'crd', 'crontabs.charts.k8ts-test.example.com']), /crontabs.charts.k8ts-test.example.com/);
  });
});
