// Data-dir hardening as a user meets it (issue 14): `k8ts server` refuses a data dir others can
// write and a symlinked private file with one line saying what was found and what to do; a fresh
// data dir holds its state, keys and kubeconfig private (0700 / 0600).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8TS, freePort, startCluster } from '../helpers/cluster.js';

const mode = (p: string): number => statSync(p).mode & 0o777;

function server(dataDir: string, port: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [K8TS, 'server', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--runtime', 'simulated'], { timeout: 30_000 }, (err, _out, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

test('a data dir group can write is refused with one line: path, mode found, the fix', { timeout: 60_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'k8ts-test-hardening-'));
  try {
    const d = join(base, 'data');
    mkdirSync(d);
    chmodSync(d, 0o775);
    const r = await server(d, await freePort());
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `k8ts: the data dir ${d} has mode 0775, writable by group: run 'chmod 700 ${d}' if nobody else wrote to it, or pick another --data-dir\n`);
    assert.deepEqual(readdirSync(d), [], 'nothing was written into it');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a symlinked private file in the data dir is refused, not followed', { timeout: 60_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'k8ts-test-hardening-'));
  try {
    const d = join(base, 'data');
    mkdirSync(d, { mode: 0o700 });
    writeFileSync(join(base, 'elsewhere'), '');
    symlinkSync(join(base, 'elsewhere'), join(d, 'state.db'));
    const r = await server(d, await freePort());
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `k8ts: ${join(d, 'state.db')} is a symlink; k8ts does not follow symlinks for its private files: replace it with the file itself\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a fresh data dir: 0700, and its datastore, keys, config and kubeconfig 0600', { timeout: 60_000 }, async () => {
  const c = await startCluster({ extraArgs: ['--runtime', 'simulated'] });
  try {
    assert.equal(mode(c.dataDir), 0o700);
    for (const f of ['state.db', 'VERSION', 'kubeconfig.yaml', 'encryption-config.json', 'tls/server-ca.key', 'tls/serving.key', 'tls/client-admin.key', 'tls/service-account.key']) assert.equal(mode(join(c.dataDir, f)), 0o600, f);
    assert.equal(mode(join(c.dataDir, 'tls')), 0o700);
    await c.k(['create', 'secret', 'generic', 'k8ts-test-wal', '--from-literal', 'a=b']);
    assert.equal(mode(join(c.dataDir, 'state.db-wal')), 0o600, 'SQLite gave the WAL the database file\'s mode');
    assert.deepEqual(readdirSync(c.dataDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  } finally {
    await c.stop();
    c.cleanup();
  }
});
