// YAML request bodies end to end: YAML 1.1 scalars, then the typed check upstream's decode does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../../testing/test-api.js';

let t: TestApi;

before(async () => {
  t = await startTestApi();
});

after(async () => {
  await t?.stop();
});

function post(path: string, body: string): Promise<{ status: number; body: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(t.dataDir, 'api.sock'), path, method: 'POST', headers: { 'Content-Type': 'application/yaml' }, timeout: 10_000 }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) }));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

test('0644 is 420 and yes is true; a boolean in a string field is refused as upstream', { timeout: 20_000 }, async () => {
  const pod = await post('/api/v1/namespaces/default/pods', [
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: yaml-pod}', 'spec:', '  containers:', '  - name: c', '    image: busybox', '    stdin: yes', '    tty: on',
    '  volumes:', '  - name: s', '    secret: {secretName: x, defaultMode: 0644}', '',
  ].join('\n'));
  assert.equal(pod.status, 201, JSON.stringify(pod.body));
  assert.equal(pod.body.spec.volumes[0].secret.defaultMode, 420);
  assert.equal(pod.body.spec.containers[0].stdin, true);
  assert.equal(pod.body.spec.containers[0].tty, true);
  const cm = await post('/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\ndata:\n  enabled: yes\n');
  assert.equal(cm.status, 400);
  assert.equal(cm.body.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string');
  const quoted = await post('/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\ndata:\n  enabled: "yes"\n  mode: "0644"\n');
  assert.equal(quoted.status, 201);
  assert.deepEqual(quoted.body.data, { enabled: 'yes', mode: '0644' });
});
