import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifests, startAutoDeploy, FIELD_MANAGER } from './auto-deploy.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';

test('parseManifests: multi-document YAML, empty documents, Lists, namespaces first', () => {
  const r = parseManifests(
    `apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: demo}
---
# only a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: demo}
`,
    'x.yaml',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Namespace/demo', 'ConfigMap/a', 'ConfigMap/b']);
});

test('parseManifests: JSON objects and Lists', () => {
  assert.deepEqual(parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'a.json').objects.length, 1);
  assert.deepEqual(parseManifests('{"apiVersion":"v1","kind":"ConfigMapList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}]}', 'a.json').objects.length, 1);
  assert.match(parseManifests('{nope', 'a.json').errors[0], /not valid JSON/);
});

test('parseManifests: one error line per bad document, the good ones still apply', () => {
  const r = parseManifests('kind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: y-}\n---\n- a list\n---\na: [\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n', 'bad.yaml');
  assert.equal(r.objects.length, 1);
  assert.deepEqual(
    r.errors.map((e) => e.replace(/:.*/, '')),
    ['document 1', 'document 2', 'document 3', 'document 4'],
  );
  assert.match(r.errors[0], /apiVersion is missing/);
  assert.match(r.errors[1], /metadata.name is missing/);
  assert.match(r.errors[2], /not an object/);
});

describe('auto-deploy against a real API server', () => {
  let api: TestApi;
  let dir: string;
  const logs: string[] = [];
  const results: Array<{ file: string; applied: number; errors: string[] }> = [];
  const abort = new AbortController();

  before(async () => {
    api = await startTestApi();
    dir = mkdtempSync(join(tmpdir(), 'k8ts-manifests-'));
    writeFileSync(
      join(dir, '10-app.yaml'),
      `apiVersion: v1
kind: Namespace
metadata: {name: auto}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: auto}
data: {color: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`,
    );
    writeFileSync(join(dir, '20-broken.yml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\nnot: [valid\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, '30-skipped.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped}\n');
    writeFileSync(join(dir, '30-skipped.yaml.skip'), '');
  });

  after(async () => {
    abort.abort();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = async <T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`not within ${ms} ms; logs:\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('applies every manifest at start with server-side apply (field manager k8ts-deploy); logs errors per file', async () => {
    startAutoDeploy({ client: api.client, dir, signal: abort.signal, log: (m) => logs.push(m), debounceMs: 50, onResult: (file, r) => results.push({ file, ...r }) });
    const cm = await waitFor(() => api.client.get(R.configmaps, 'auto', 'settings'));
    assert.deepEqual(cm.data, { color: 'blue' });
    assert.ok(cm.metadata.managedFields?.some((f) => f.manager === FIELD_MANAGER && f.operation === 'Apply'), JSON.stringify(cm.metadata.managedFields));
    const dep = await api.client.get(R.deployments, 'default', 'web');
    assert.equal((dep.spec as { replicas: number }).replicas, 2, 'namespaced objects without a namespace go to default');
    await waitFor(async () => results.find((r) => r.file === '20-broken.yml'));
    assert.ok(logs.some((l) => l.startsWith('auto-deploy: 20-broken.yml: document 2:')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('20-broken.yml: Widget w: the server does not serve Widget in example.com/v1')), logs.join('\n'));
    assert.ok(!results.some((r) => r.file === 'notes.txt' || r.file === '30-skipped.yaml'));
    await assert.rejects(api.client.get(R.configmaps, 'default', 'skipped'));
  });

  test('a changed file is applied again; a file written by rename too; removing a file keeps its objects', async () => {
    writeFileSync(join(dir, '10-app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: auto}\ndata: {color: green}\n');
    await waitFor(async () => (((await api.client.get(R.configmaps, 'auto', 'settings')).data as Record<string, string>)?.color === 'green' ? true : undefined));
    writeFileSync(join(dir, '.tmp-new'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: renamed}\ndata: {a: "1"}\n');
    renameSync(join(dir, '.tmp-new'), join(dir, '40-new.json.yaml'));
    await waitFor(() => api.client.get(R.configmaps, 'default', 'renamed'));
    unlinkSync(join(dir, '40-new.json.yaml'));
    await waitFor(async () => (logs.some((l) => l.includes('40-new.json.yaml is gone')) ? true : undefined));
    assert.ok(await api.client.get(R.configmaps, 'default', 'renamed'));
  });

  test('a field the manifest no longer sets is removed by the next apply (server-side apply semantics)', async () => {
    writeFileSync(join(dir, '50-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fields}\ndata: {a: "1", b: "2"}\n');
    await waitFor(async () => (((await api.client.get(R.configmaps, 'default', 'fields')).data as Record<string, string>)?.b === '2' ? true : undefined));
    writeFileSync(join(dir, '50-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fields}\ndata: {a: "1"}\n');
    await waitFor(async () => (((await api.client.get(R.configmaps, 'default', 'fields')).data as Record<string, string>)?.b === undefined ? true : undefined));
  });
});
