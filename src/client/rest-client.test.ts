// RestClient.impersonating(): the derived client sends Impersonate-User on its requests only,
// shares the parent's connection pool, and closing it leaves the parent working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClient } from './rest-client.js';
import { R } from './resources.js';

test('impersonating() adds Impersonate-User to its own requests only, over the parent connection pool', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-rest-'));
  const socketPath = join(dir, 's');
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }));
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const parent = new RestClient({ transport: { kind: 'unix', socketPath }, userAgent: 'k8ts-test' });
  try {
    const child = parent.impersonating('system:serviceaccount:kube-system:replicaset-controller');
    await child.get(R.namespaces, undefined, 'a');
    await parent.get(R.namespaces, undefined, 'a');
    child.close();
    await parent.get(R.namespaces, undefined, 'a');
    const grandchild = child.impersonating('system:kube-scheduler');
    await grandchild.get(R.namespaces, undefined, 'a');
    assert.deepEqual(
      seen.map((h) => h['impersonate-user']),
      ['system:serviceaccount:kube-system:replicaset-controller', undefined, undefined, 'system:kube-scheduler'],
    );
    assert.ok(seen.every((h) => h['user-agent'] === 'k8ts-test'), 'the user agent (and so the field manager) is unchanged');
  } finally {
    parent.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
