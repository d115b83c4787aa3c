import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogWriter, backupName, pruneBackups } from './log-writer.js';

test('lines are written in batches, the file is 0600, and a full file is rotated to a lumberjack-named backup', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-test-audit-'));
  try {
    const path = join(dir, 'audit.log');
    const w = new AuditLogWriter({ path, maxSizeMB: 1 });
    await w.open();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 1500; i++) w.write(`{"n":${i},"pad":"${line}"}`);
    await w.flush();
    for (let i = 1500; i < 1600; i++) w.write(`{"n":${i},"pad":"${line}"}`);
    await w.close();
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2, files.join(','));
    assert.match(files[0], /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
    const all = [...readFileSync(join(dir, files[0]), 'utf8').trim().split('\n'), ...readFileSync(path, 'utf8').trim().split('\n')];
    assert.equal(all.length, 1600);
    assert.deepEqual(all.map((l) => JSON.parse(l).n), Array.from({ length: 1600 }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backups past maxBackups or older than maxAge days are removed', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-test-audit-'));
  try {
    const path = join(dir, 'audit.log');
    const now = new Date('2026-12-06T12:00:00Z');
    const day = 86_400_000;
    for (const d of [0.1, 1, 2, 5, 40]) writeFileSync(backupName(path, new Date(now.getTime() - d * day)), 'x');
    writeFileSync(join(dir, 'other.log'), 'keep');
    await pruneBackups(path, 3, 30, now);
    assert.equal(readdirSync(dir).length, 4); // 3 backups + other.log
    await pruneBackups(path, 0, 1.5, now);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('audit-')).length, 2);
    assert.equal(backupName('/x/audit.log', new Date('2026-01-02T03:04:05.678Z')), '/x/audit-2026-01-02T03-04-05.678.log');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
