// helm 3.17 (.tools/helm) against a server with simulated nodes: the `helm create` chart
// through install, upgrade, rollback, `helm test` and uninstall (the release Secrets gone); a
// chart with hooks (a pre-install Job, a post-delete ConfigMap); `--atomic` failing and rolling
// back. Simulated pods become Ready unless annotated sim.k8ts.io/never-ready, and the pods of
// Jobs and of `helm test` (restartPolicy Never) run to completion.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulated, run, must, ROOT, type TestCluster } from './support.js';

const HELM = join(ROOT, '.tools/helm');
let c: TestCluster;
let env: NodeJS.ProcessEnv;

before(async () => {
  c = await startSimulated();
  env = { KUBECONFIG: c.kubeconfig, HOME: c.dataDir, HELM_CACHE_HOME: join(c.dataDir, 'helm/cache'), HELM_CONFIG_HOME: join(c.dataDir, 'helm/config'), HELM_DATA_HOME: join(c.dataDir, 'helm/data') };
  await c.k(['create', 'namespace', 'helm-client']);
  await must(HELM, ['create', 'helm-demo'], { env, cwd: c.dataDir });
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const helm = (args: string[], timeoutMs = 120_000) => run(HELM, [...args, '--namespace', 'helm-client'], { env, cwd: c.dataDir, timeoutMs });
const ok = async (args: string[]): Promise<string> => {
  const r = await helm(args);
  assert.equal(r.code, 0, `helm ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};
const json = async (args: string[]): Promise<any> => JSON.parse(await c.k([...args, '-n', 'helm-client', '-o', 'json']));
const releaseSecrets = async (release: string): Promise<string[]> =>
  (await json(['get', 'secrets', '-l', `owner=helm,name=${release}`])).items.map((s: any) => s.metadata.name).sort();
const history = async (release: string): Promise<Array<{ revision: number; status: string; description: string }>> =>
  JSON.parse(await ok(['history', release, '-o', 'json']));

describe('helm', () => {
  it('helm create chart: install, upgrade, rollback, helm test, uninstall', { timeout: 300_000 }, async () => {
    await ok(['install', 'web', './helm-demo', '--wait', '--timeout', '60s']);
    assert.equal((await json(['get', 'deploy', 'web-helm-demo'])).status.readyReplicas, 1);
    await ok(['upgrade', 'web', './helm-demo', '--set', 'replicaCount=2', '--wait', '--timeout', '60s']);
    assert.equal((await json(['get', 'deploy', 'web-helm-demo'])).status.readyReplicas, 2);
    await ok(['rollback', 'web', '1', '--wait', '--timeout', '60s']);
    assert.equal((await json(['get', 'deploy', 'web-helm-demo'])).spec.replicas, 1);
    assert.deepEqual((await history('web')).map((h) => [h.revision, h.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
    assert.deepEqual(await releaseSecrets('web'), ['sh.helm.release.v1.web.v1', 'sh.helm.release.v1.web.v2', 'sh.helm.release.v1.web.v3']);
    const t = await ok(['test', 'web', '--timeout', '60s']);
    assert.match(t, /TEST SUITE:\s+web-helm-demo-test-connection[\s\S]*Phase:\s+Succeeded/);
    // client-go sends DeleteOptions as protobuf on every delete helm makes here.
    const u = await helm(['uninstall', 'web', '--wait', '--timeout', '60s']);
    assert.equal(u.code, 0, `helm uninstall: ${u.stderr}`);
    assert.deepEqual(await releaseSecrets('web'), []);
    assert.equal((await c.kubectl(['get', 'deploy,svc,sa', '-n', 'helm-client', '-l', 'app.kubernetes.io/instance=web', '-o', 'name'])).stdout.trim(), '');
  });

  it('hooks: a pre-install Job runs before the release, a post-delete hook after uninstall', { timeout: 300_000 }, async () => {
    const chart = join(c.dataDir, 'helm-hooks');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: helm-hooks\nversion: 0.1.0\n');
    writeFileSync(
      join(chart, 'templates/main.yaml'),
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ .Release.Name }}-main', 'data: {k: v}'].join('\n'),
    );
    writeFileSync(
      join(chart, 'templates/hooks.yaml'),
      [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata:',
        '  name: {{ .Release.Name }}-pre-install',
        '  annotations: {"helm.sh/hook": pre-install, "helm.sh/hook-weight": "0"}',
        'spec:',
        '  backoffLimit: 0',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      containers: [{name: pre, image: busybox, command: [sh, -c, echo pre]}]',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: {{ .Release.Name }}-post-delete',
        '  annotations: {"helm.sh/hook": post-delete}',
        'data: {k: deleted}',
      ].join('\n'),
    );
    await ok(['install', 'hooked', chart, '--wait', '--timeout', '60s']);
    const job = await json(['get', 'job', 'hooked-pre-install']);
    assert.ok(job.status.conditions?.some((x: any) => x.type === 'Complete' && x.status === 'True'), JSON.stringify(job.status));
    const main = await json(['get', 'cm', 'hooked-main']);
    // helm creates the release's objects only after the pre-install hook completed.
    assert.ok(Date.parse(main.metadata.creationTimestamp) >= Date.parse(job.status.completionTime), `${main.metadata.creationTimestamp} < ${job.status.completionTime}`);
    assert.equal((await c.kubectl(['get', 'cm', 'hooked-post-delete', '-n', 'helm-client'])).code, 1);
    const u = await helm(['uninstall', 'hooked', '--timeout', '60s']);
    assert.equal(u.code, 0, `helm uninstall: ${u.stderr}`);
    assert.equal((await json(['get', 'cm', 'hooked-post-delete'])).data.k, 'deleted');
    assert.equal((await c.kubectl(['get', 'cm', 'hooked-main', '-n', 'helm-client'])).code, 1);
    assert.deepEqual(await releaseSecrets('hooked'), []);
    // Hooks are not part of the release: helm leaves them (delete policy before-hook-creation).
    await c.k(['delete', 'cm/hooked-post-delete', 'job/hooked-pre-install', '-n', 'helm-client', '--ignore-not-found']);
  });

  it('upgrade --atomic whose pods never become ready rolls back to the last good revision', { timeout: 300_000 }, async () => {
    await ok(['install', 'atom', './helm-demo', '--wait', '--timeout', '60s']);
    const r = await helm(['upgrade', 'atom', './helm-demo', '--atomic', '--timeout', '8s', '--set-string', 'podAnnotations.sim\\.k8ts\\.io/never-ready=true']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /has been rolled back due to atomic being set/);
    assert.deepEqual((await history('atom')).map((h) => [h.revision, h.status]), [[1, 'superseded'], [2, 'failed'], [3, 'deployed']]);
    const d = await json(['get', 'deploy', 'atom-helm-demo']);
    assert.equal(d.spec.template.metadata.annotations?.['sim.k8ts.io/never-ready'], undefined);
    const u = await helm(['uninstall', 'atom', '--wait', '--timeout', '60s']);
    assert.equal(u.code, 0, `helm uninstall: ${u.stderr}`);
  });

  it('install --atomic that fails removes the release', { timeout: 300_000 }, async () => {
    const r = await helm(['install', 'atom-new', './helm-demo', '--atomic', '--timeout', '8s', '--set-string', 'podAnnotations.sim\\.k8ts\\.io/never-ready=true']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /release atom-new failed, and has been uninstalled due to atomic being set/);
    assert.deepEqual(await releaseSecrets('atom-new'), []);
    assert.equal((await c.kubectl(['get', 'deploy', 'atom-new-helm-demo', '-n', 'helm-client'])).code, 1);
  });
});
