import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CliError, isFlagError, parseCommandArgs } from './errors.js';

const options = { duration: { type: 'string' as const }, open: { type: 'boolean' as const } };

test('parseCommandArgs: a bad flag is a CliError pointing at the command\'s --help, with the given exit code', () => {
  assert.equal(parseCommandArgs('dashboard', { args: ['--duration', '2h'], options }).values.duration, '2h');
  assert.throws(() => parseCommandArgs('dashboard', { args: ['--duration'], options }), (e: unknown) => e instanceof CliError && e.exitCode === 1 && /--duration <value>' argument missing; run 'k8ts dashboard --help' for the flags$/.test(e.message));
  assert.throws(() => parseCommandArgs('why', { args: ['--nope'], options }, 2), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /Unknown option '--nope'.*run 'k8ts why --help'/.test(e.message));
  assert.equal(isFlagError(new Error('x')), false);
});

test('k8ts: a flag without its value is one line and exit 1, not an unexpected error', { timeout: 30_000 }, () => {
  const bin = fileURLToPath(new URL('../../../bin/k8ts', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'token', '--ttl'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^k8ts: .*argument missing; run with --help for the flags$/m);
});
