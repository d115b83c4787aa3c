// subPath safety with symlink tricks: `..`, absolute and relative links out of the volume, a
// dangling link, links that stay inside (allowed, as upstream), and a symlink swapped into a
// parent after the path was resolved. Every refusal leaves nothing created outside.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSubPath, walkAndCreate } from './subpath.js';
import { VolumeSetUpError } from './types.js';

let base: string;
let vol: string;
let outside: string;
beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'k8ts-test-subpath-')));
  vol = join(base, 'vol');
  outside = join(base, 'outside');
  mkdirSync(vol);
  mkdirSync(outside);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const refused = async (sub: string, re: RegExp): Promise<void> => {
  await assert.rejects(resolveSubPath(vol, sub), (e: unknown) => e instanceof VolumeSetUpError && re.test(e.message));
};

test('plain subPaths are created inside the volume (0755) and returned as real paths', { timeout: 10_000 }, async () => {
  assert.equal(await resolveSubPath(vol, 'a/b/c'), join(vol, 'a/b/c'));
  assert.ok(statSync(join(vol, 'a/b/c')).isDirectory());
  assert.equal(statSync(join(vol, 'a/b/c')).mode & 0o777, 0o755 & ~process.umask());
  assert.equal(await resolveSubPath(vol, './a//b/'), join(vol, 'a/b'), 'already there');
  writeFileSync(join(vol, 'file'), 'x');
  assert.equal(await resolveSubPath(vol, 'file'), join(vol, 'file'), 'a file subPath');
});

test('`..` and absolute subPaths are refused before anything is created', { timeout: 10_000 }, async () => {
  await refused('new/../../outside/x', /must not contain '\.\.'/);
  await refused('/etc', /must be a relative path/);
  assert.equal(existsSync(join(vol, 'new')), false);
});

test('absolute and relative symlinks out of the volume are refused, nothing created outside', { timeout: 10_000 }, async () => {
  symlinkSync(outside, join(vol, 'abs'));
  symlinkSync('../outside', join(vol, 'rel'));
  symlinkSync('/', join(vol, 'root'));
  await refused('abs/new/deeper', /resolves outside the volume/);
  await refused('rel/new', /resolves outside the volume/);
  await refused('abs', /resolves outside the volume/);
  await refused('root/tmp', /resolves outside the volume/);
  assert.equal(existsSync(join(outside, 'new')), false);
});

test('a dangling symlink is not followed to create its target', { timeout: 10_000 }, async () => {
  symlinkSync(join(outside, 'made-by-kubelet'), join(vol, 'dangling'));
  await refused('dangling/x', /cannot be resolved/);
  await refused('dangling', /cannot be resolved/);
  assert.equal(existsSync(join(outside, 'made-by-kubelet')), false);
});

test('symlinks that stay inside the volume are followed (ConfigMap keys are links into ..data)', { timeout: 10_000 }, async () => {
  mkdirSync(join(vol, '..2024_01'));
  writeFileSync(join(vol, '..2024_01', 'key'), 'v');
  symlinkSync('..2024_01', join(vol, '..data'));
  symlinkSync('..data/key', join(vol, 'key'));
  assert.equal(await resolveSubPath(vol, 'key'), join(vol, '..2024_01', 'key'));
  mkdirSync(join(vol, 'real'));
  symlinkSync('real', join(vol, 'alias'));
  assert.equal(await resolveSubPath(vol, 'alias/new'), join(vol, 'real', 'new'));
  assert.ok(statSync(join(vol, 'real', 'new')).isDirectory());
});

test('a symlink swapped into a parent after resolution is refused, nothing created through it', { timeout: 10_000 }, () => {
  // resolveSubPath resolved `dir` as a real directory; then a container replaced it with a link.
  symlinkSync(outside, join(vol, 'dir'));
  assert.throws(() => walkAndCreate(vol, ['dir'], ['new'], 'dir/new'), (e: unknown) => e instanceof VolumeSetUpError && /not a directory|symlink/.test(e.message));
  assert.throws(() => walkAndCreate(vol, ['dir'], [], 'dir'), (e: unknown) => e instanceof VolumeSetUpError && /symlink/.test(e.message));
  assert.equal(existsSync(join(outside, 'new')), false);
  // A link appearing where a directory is being created (a race with mkdir) is refused too.
  rmSync(join(vol, 'dir'));
  mkdirSync(join(vol, 'dir'));
  symlinkSync(outside, join(vol, 'dir', 'new'));
  assert.throws(() => walkAndCreate(vol, ['dir'], ['new', 'x'], 'dir/new/x'), VolumeSetUpError);
  assert.equal(existsSync(join(outside, 'x')), false);
});
