// kubectl 1.32 against custom resources: apply a CRD with a schema, status and scale
// subresources and printer columns; create, get (columns, short name, `get all`), explain,
// scale, patch status, server-side apply, get --watch (ADDED/MODIFIED/DELETED), delete.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulated, eventually, run, KUBECTL, ROOT, type TestCluster } from './support.js';

let c: TestCluster;
const NS = 'kubectl-crd';

before(async () => {
  c = await startSimulated();
  await c.k(['create', 'namespace', NS]);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

function file(name: string, body: string): string {
  const f = join(c.dataDir, name);
  writeFileSync(f, body);
  return f;
}

const ct = (name: string, extra = ''): string =>
  `apiVersion: k8ts-test.example.com/v1\nkind: CronTab\nmetadata: {name: ${name}, namespace: ${NS}}\nspec:\n  cronSpec: "*/5 * * * *"\n  image: busybox\n${extra}`;

describe('kubectl and custom resources', () => {
  it('apply a CRD, create, get with printer columns, explain, scale, patch status, delete', { timeout: 120_000 }, async () => {
    const crd = readFileSync(join(ROOT, 'test/fixtures/crd/crontab-crd.json'), 'utf8');
    assert.match(await c.k(['apply', '-f', file('crd.json', crd)]), /customresourcedefinition.apiextensions.k8s.io\/crontabs.k8ts-test.example.com created/);
    await c.k(['wait', '--for', 'condition=Established', 'crd/crontabs.k8ts-test.example.com', '--timeout=20s']);
    assert.match(await c.k(['apply', '-f', file('ct1.yaml', ct('ct1'))]), /crontab.k8ts-test.example.com\/ct1 created/);
    const get = await c.k(['-n', NS, 'get', 'crontabs']);
    assert.match(get, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m);
    assert.match(get, /^ct1\s+\*\/5 \* \* \* \*\s+1\s+\d+s$/m);
    assert.match(await c.k(['-n', NS, 'get', 'ktct']), /^ct1\s/m);
    assert.match(await c.k(['-n', NS, 'get', 'all']), /crontab.k8ts-test.example.com\/ct1/);
    const explain = await c.k(['explain', 'crontabs.spec']);
    assert.match(explain, /KIND:\s+CronTab/);
    assert.match(explain, /cronSpec\s+<string>\n\s+The schedule, in cron format./);
    // The same schema through OpenAPI v2 (protobuf).
    assert.match(await c.k(['explain', 'crontabs.spec.cronSpec', '--output=plaintext-openapiv2']), /The schedule, in cron format./);
    assert.match(await c.k(['-n', NS, 'scale', 'crontab/ct1', '--replicas=4']), /scaled/);
    assert.equal(await c.k(['-n', NS, 'get', 'ct1'.replace('ct1', 'crontab/ct1'), '-o', 'jsonpath={.spec.replicas}']), '4');
    await c.k(['-n', NS, 'patch', 'crontab', 'ct1', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":4,"labelSelector":"app=ct1"}}']);
    const o = JSON.parse(await c.k(['-n', NS, 'get', 'crontab', 'ct1', '-o', 'json']));
    assert.deepEqual(o.status, { replicas: 4, labelSelector: 'app=ct1' });
    // A schema-violating change is refused with upstream's message; strategic merge (kubectl's default) is refused for custom resources.
    const bad = await c.kubectl(['-n', NS, 'patch', 'crontab', 'ct1', '--type=merge', '-p', '{"spec":{"replicas":50}}']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.replicas: Invalid value: 50: spec.replicas in body should be less than or equal to 10/);
    const smp = await c.kubectl(['-n', NS, 'patch', 'crontab', 'ct1', '-p', '{"spec":{"replicas":2}}']);
    assert.notEqual(smp.code, 0);
    assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported/);
    const desc = await c.k(['-n', NS, 'describe', 'crontab', 'ct1']);
    assert.match(desc, /^Name:\s+ct1$/m);
    assert.match(desc, /^API Version:\s+k8ts-test.example.com\/v1$/m);
    assert.match(desc, /^\s+Cron Spec:\s+\*\/5 \* \* \* \*$/m);
    // kubectl edit (an editor that rewrites the image).
    const edit = await run(KUBECTL, ['-n', NS, 'edit', 'crontab', 'ct1'], { env: { KUBECONFIG: c.kubeconfig, HOME: c.dataDir, KUBE_EDITOR: 'sed -i s/image:\\ busybox/image:\\ alpine/' } });
    assert.equal(edit.code, 0, edit.stderr);
    assert.equal(await c.k(['-n', NS, 'get', 'crontab/ct1', '-o', 'jsonpath={.spec.image}']), 'alpine');
    // Re-applying the CRD with a change (client-side apply) updates it; the new column shows.
    const crd2 = JSON.parse(crd);
    crd2.spec.versions[0].additionalPrinterColumns.splice(2, 0, { name: 'Image', type: 'string', jsonPath: '.spec.image' });
    assert.match(await c.k(['apply', '-f', file('crd2.json', JSON.stringify(crd2))]), /customresourcedefinition.apiextensions.k8s.io\/crontabs.k8ts-test.example.com configured/);
    await eventually(async () => /^NAME\s+SPEC\s+REPLICAS\s+IMAGE\s+AGE$/m.test(await c.k(['-n', NS, 'get', 'crontabs'])), 10_000);
    // Server-side apply.
    assert.match(await c.k(['apply', '--server-side', '-f', file('ct2.yaml', ct('ct2', '  replicas: 2\n'))]), /serverside-applied/);
    assert.equal(await c.k(['-n', NS, 'get', 'crontab/ct2', '-o', 'jsonpath={.spec.replicas}']), '2');
    assert.match(await c.k(['-n', NS, 'delete', 'crontab', 'ct1', 'ct2']), /crontab.k8ts-test.example.com "ct2" deleted/);
  });

  it('get --watch sees ADDED, MODIFIED and DELETED', { timeout: 60_000 }, async () => {
    const w = spawn(KUBECTL, ['-n', NS, 'get', 'crontabs', '--watch', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    w.stdout.on('data', (d: Buffer) => (out += d.toString()));
    w.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await c.k(['apply', '-f', file('w1.yaml', ct('w1'))]);
      await eventually(() => /ADDED\s+w1/.test(out), 15_000);
      await c.k(['-n', NS, 'patch', 'crontab', 'w1', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
      await eventually(() => /MODIFIED\s+w1\s+\S+ \S+ \S+ \S+ \S+\s+3/.test(out), 15_000);
      await c.k(['-n', NS, 'delete', 'crontab', 'w1']);
      await eventually(() => /DELETED\s+w1/.test(out), 15_000);
    } finally {
      w.kill();
      await new Promise((r) => (w.exitCode !== null || w.signalCode !== null ? r(undefined) : w.once('exit', r)));
    }
  });

  it('deleting the CRD removes its objects and the resource type, and ends watches', { timeout: 60_000 }, async () => {
    await c.k(['apply', '-f', file('d1.yaml', ct('d1'))]);
    const w = spawn(KUBECTL, ['-n', NS, 'get', 'crontabs', '--watch'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    w.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => w.once('exit', r));
    try {
      await eventually(() => /^d1\s/m.test(out), 15_000);
      await c.k(['delete', 'crd', 'crontabs.k8ts-test.example.com', '--timeout=30s']);
      // The cleanup deletes d1, then the resource stops being served and its watch ends.
      await Promise.race([exited, new Promise((_r, rej) => setTimeout(() => rej(new Error(`watch still open:\n${out}`)), 15_000))]);
    } finally {
      w.kill();
    }
    const r = await c.kubectl(['-n', NS, 'get', 'crontabs']);
    assert.notEqual(r.code, 0);
    // kubectl's discovery cache may still name the type: then the list itself is a 404.
    assert.match(r.stderr, /the server doesn't have a resource type "crontabs"|Unable to list "k8ts-test.example.com\/v1, Resource=crontabs": the server could not find the requested resource/);
    const fresh = await c.kubectl(['-n', NS, 'get', 'crontabs', '--cache-dir', join(c.dataDir, 'fresh-cache')]);
    assert.match(fresh.stderr, /the server doesn't have a resource type "crontabs"/);
  });
});
