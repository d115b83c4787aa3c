// Durability: a create acknowledged to its caller survives SIGKILL of the process
// (DESIGN.md "Storage contract"). A child writes as fast as it can and reports each
// acknowledged key; we SIGKILL it mid-load, reopen the file and check every reported key.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { SqliteStore } from '../../src/storage/index.js';

const WRITER = fileURLToPath(new URL('./fixtures/writer.js', import.meta.url));
const KILL_AFTER_ACKS = 2000;

it('every create acknowledged before kill -9 is present after reopening', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kill9-'));
  const path = join(dir, 'state.db');
  try {
    const child = spawn(process.execPath, [WRITER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: number[] = [];
    let partial = '';
    let killed = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!; // an unterminated line may be cut by the kill: ignore it
      for (const line of lines) if (line !== 'ready') acked.push(Number(line));
      if (!killed && acked.length >= KILL_AFTER_ACKS) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const signal = await exited;
    assert.equal(signal, 'SIGKILL', 'the writer must die from the signal, not exit on its own');
    assert.ok(acked.length >= KILL_AFTER_ACKS);
    // Acks are 0..n-1 in order: the writer is strictly sequential.
    assert.deepEqual(acked.slice(0, 3), [0, 1, 2]);
    assert.equal(acked[acked.length - 1], acked.length - 1);

    const store = new SqliteStore(path, { compactIntervalMs: 0 });
    try {
      for (const i of acked) {
        const kv = await store.get(`/registry/test/keys/${i}`);
        assert.equal(kv?.value, `value-${i}`, `acknowledged key ${i} lost`);
      }
      assert.ok(store.currentRevision() >= acked.length, `revision ${store.currentRevision()} < ${acked.length} acks`);
      // The store is usable after the crash: revisions continue without reuse.
      const count = await store.count('/registry/test/keys/');
      assert.ok(count >= acked.length);
      const next = await store.create('/registry/test/after-crash', 'ok');
      assert.equal(next.modRevision, store.currentRevision());
      assert.ok(next.modRevision > count);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
