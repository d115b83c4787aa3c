// Encryption at rest with the real kubectl (issue 14): a new cluster encrypts Secrets by default
// (aescbc, <data-dir>/encryption-config.json, 0600); the datastore files hold no Secret value
// while `kubectl get secret` shows it; rotating keys (new key first, old key kept) and
// `kubectl get secrets -A -o json | kubectl replace -f -` rewrites every Secret under the new
// key; when the config lost a key, Secrets answer 500 naming it while the rest serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCluster, type TestCluster } from '../helpers/cluster.js';

const mode = (p: string): number => statSync(p).mode & 0o777;

/** The stored values of every live Secret, read straight from state.db (the server holds it exclusively: read it stopped). */
function storedSecrets(dataDir: string): Map<string, string> {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT c.key AS key, l.value AS value FROM current c JOIN log l ON l.revision = c.revision WHERE c.key LIKE '/registry/%secrets/%'`).all() as Array<{ key: string; value: string }>;
    return new Map(rows.map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

/** What `strings state.db` would see: the database and its WAL, as bytes. */
function datastoreBytes(dataDir: string): Buffer {
  return Buffer.concat(['state.db', 'state.db-wal'].map((f) => join(dataDir, f)).filter((p) => existsSync(p)).map((p) => readFileSync(p)));
}

function config(keys: Array<[string, string]>, identity = true): string {
  return JSON.stringify({
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: keys.map(([name, secret]) => ({ name, secret })) } }, ...(identity ? [{ identity: {} }] : [])] }],
  });
}

test('encryption at rest: default aescbc for a new cluster, kubectl reads Secrets, get | replace rotates them to the new key', { timeout: 180_000 }, async () => {
  const marker = `k8ts-test-pw-${randomBytes(8).toString('hex')}`;
  const plainMarker = `k8ts-test-cm-${randomBytes(8).toString('hex')}`;
  let c: TestCluster | undefined = await startCluster({ extraArgs: ['--runtime', 'simulated'] });
  const { dataDir, port } = c;
  try {
    // Hardening: the data dir, the datastore and the generated config are private.
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(join(dataDir, 'state.db')), 0o600);
    if (existsSync(join(dataDir, 'state.db-wal'))) assert.equal(mode(join(dataDir, 'state.db-wal')), 0o600);
    const cfgPath = join(dataDir, 'encryption-config.json');
    assert.equal(mode(cfgPath), 0o600);
    const key1 = (JSON.parse(readFileSync(cfgPath, 'utf8')) as { resources: Array<{ providers: Array<{ aescbc?: { keys: Array<{ name: string; secret: string }> } }> }> }).resources[0].providers[0].aescbc!.keys[0];
    assert.equal(key1.name, 'key1');
    assert.match(c.log(), /encryption at rest \(.*encryption-config\.json, new\): secrets: written with aescbc key "key1"/);

    await c.k(['create', 'namespace', 'k8ts-test-enc']);
    await c.k(['create', 'secret', 'generic', 'k8ts-test-one', '--from-literal', `password=${marker}`]);
    await c.k(['-n', 'k8ts-test-enc', 'create', 'secret', 'generic', 'k8ts-test-two', '--from-literal', `token=${marker}-2`]);
    assert.equal(Buffer.from(await c.k(['get', 'secret', 'k8ts-test-one', '-o', 'jsonpath={.data.password}']), 'base64').toString(), marker);
    // ConfigMaps are not in the config: stored as they are.
    await c.k(['create', 'configmap', 'k8ts-test-plain', '--from-literal', `v=${plainMarker}`]);

    await c.stop();
    c = undefined;
    const stored = storedSecrets(dataDir);
    assert.ok(stored.size >= 2);
    for (const [k, v] of stored) assert.ok(v.startsWith('k8s:enc:aescbc:v1:key1:'), `${k}: ${v.slice(0, 40)}`);
    const bytes = datastoreBytes(dataDir);
    for (const needle of [marker, Buffer.from(marker).toString('base64'), Buffer.from(`${marker}-2`).toString('base64')]) assert.equal(bytes.indexOf(needle), -1, `state.db holds ${needle}`);
    assert.notEqual(bytes.indexOf(plainMarker), -1, 'the ConfigMap (not encrypted) is found, so the search itself works');

    // Rotation: the new key first, the old one kept for reading.
    const key2 = randomBytes(32).toString('base64');
    const rotated = join(dataDir, 'rotated.json');
    writeFileSync(rotated, config([['key2', key2], ['key1', key1.secret]]), { mode: 0o600 });
    c = await startCluster({ dataDir, port, extraArgs: ['--runtime', 'simulated', '--encryption-provider-config', rotated] });
    assert.equal(Buffer.from(await c.k(['get', 'secret', 'k8ts-test-one', '-o', 'jsonpath={.data.password}']), 'base64').toString(), marker);

    const all = await c.k(['get', 'secrets', '-A', '-o', 'json']);
    const before = new Map((JSON.parse(all) as { items: Array<{ metadata: { namespace: string; name: string; resourceVersion: string } }> }).items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.resourceVersion]));
    await c.k(['replace', '-f', '-'], { input: all });
    const rewritten = JSON.parse(await c.k(['get', 'secrets', '-A', '-o', 'json'])) as { items: Array<{ metadata: { namespace: string; name: string; resourceVersion: string }; data?: Record<string, string> }> };
    for (const s of rewritten.items) assert.notEqual(s.metadata.resourceVersion, before.get(`${s.metadata.namespace}/${s.metadata.name}`), 'a stale value is written even though nothing changed');
    assert.equal(Buffer.from(rewritten.items.find((s) => s.metadata.name === 'k8ts-test-two')!.data!.token, 'base64').toString(), `${marker}-2`);

    // Upstream's transformation metrics.
    const metrics = await c.k(['get', '--raw', '/metrics']);
    assert.match(metrics, /apiserver_storage_transformation_operations_total\{transformation_type="to_storage",transformer_prefix="k8s:enc:aescbc:v1:",status="OK"\} [1-9]/);
    assert.match(metrics, /apiserver_storage_transformation_duration_seconds_count\{transformation_type="from_storage",transformer_prefix="k8s:enc:aescbc:v1:"\} [1-9]/);

    // Once every value is under the write key, the same replace is a real no-op again.
    const again = await c.k(['get', 'secrets', '-A', '-o', 'json']);
    await c.k(['replace', '-f', '-'], { input: again });
    const unchanged = JSON.parse(await c.k(['get', 'secrets', '-A', '-o', 'json'])) as typeof rewritten;
    assert.deepEqual(unchanged.items.map((s) => s.metadata.resourceVersion), (JSON.parse(again) as typeof rewritten).items.map((s) => s.metadata.resourceVersion));

    await c.stop();
    c = undefined;
    const after = storedSecrets(dataDir);
    assert.equal(after.size, stored.size);
    for (const [k, v] of after) assert.ok(v.startsWith('k8s:enc:aescbc:v1:key2:'), `${k} moved to key2: ${v.slice(0, 40)}`);

    // A config that lost the key: Secrets answer 500 naming the key and the fix (never garbage);
    // everything else serves.
    const lost = join(dataDir, 'lost.json');
    writeFileSync(lost, config([['key3', randomBytes(32).toString('base64')]]), { mode: 0o600 });
    c = await startCluster({ dataDir, port, extraArgs: ['--runtime', 'simulated', '--encryption-provider-config', lost] });
    const r = await c.kubectl(['get', 'secret', 'k8ts-test-one', '-o', 'json']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Internal error occurred: cannot decrypt \/registry\/(core\/)?secrets\/.*aescbc key "key2".*no longer lists: add the key back/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(marker));
    assert.match(await c.k(['get', 'configmap', 'k8ts-test-plain', '-o', 'name']), /configmap\/k8ts-test-plain/);
    assert.match(c.log(), /secrets are unavailable: Internal error occurred: cannot decrypt/);
  } finally {
    await c?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
