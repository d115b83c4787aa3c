import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, RuntimeCommandError } from './exec.js';
import { spawnLanesEnabled, spawnOnLane } from './spawn-lane.js';

describe('host commands from the spawn lanes', { timeout: 30_000 }, () => {
  it('are on by default', () => {
    assert.equal(spawnLanesEnabled(), true);
  });

  it('give exit code, stdout and stderr, and feed stdin', async () => {
    const r = await run('sh', ['-c', 'cat; echo oops >&2; exit 3'], { input: 'hello\n', allowFailure: true });
    assert.deepEqual(r, { code: 3, stdout: 'hello\n', stderr: 'oops\n' });
  });

  it('reject a failed command with its command line, code and stderr', async () => {
    await assert.rejects(run('sh', ['-c', 'echo bad thing >&2; exit 2']), (e: unknown) => {
      assert.ok(e instanceof RuntimeCommandError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /^sh -c .* failed \(exit 2\): bad thing/);
      return true;
    });
  });

  it('reject a command that cannot be started', async () => {
    await assert.rejects(run('/nonexistent/k8ts-test-cmd', []), (e: unknown) => e instanceof RuntimeCommandError && e.exitCode === null && /ENOENT/.test(e.stderr));
  });

  it('kill a command past its timeout', async () => {
    const r = await run('sleep', ['10'], { timeoutMs: 200, allowFailure: true });
    assert.equal(r.code, null);
  });

  it('run many at once, each answer to its own request', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => run('sh', ['-c', `echo ${i}`])));
    assert.deepEqual(rs.map((r) => r.stdout.trim()), Array.from({ length: 40 }, (_, i) => String(i)));
  });

  it('start a detached process and read its sync pipe up to the first }', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-test-lane-'));
    const log = join(dir, 'out.log');
    const fd = openSync(log, 'a');
    try {
      const r = await spawnOnLane('sh', ['-c', 'echo to-log; printf \'{"data": %s}\' "$X" >&3; sleep 0.1'], { extraEnv: { X: '42' }, timeoutMs: 10_000, detachedWithSyncPipe: { outFd: fd } });
      assert.equal(r.spawnError, undefined);
      assert.equal(JSON.parse(r.stdout).data, 42);
      assert.equal(readFileSync(log, 'utf8'), 'to-log\n');
      const silent = await spawnOnLane('sh', ['-c', 'sleep 1'], { timeoutMs: 200, detachedWithSyncPipe: { outFd: fd } });
      assert.match(silent.spawnError ?? '', /^no answer/);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
