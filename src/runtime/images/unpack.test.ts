import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { unpackLayerFile } from './unpack.js';
import { isImageError } from './errors.js';
import { writeTar, type TarEntrySpec } from './testing/tar-builder.js';

const isRoot = process.getuid?.() === 0;

async function tmpdir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-unpack-'));
  t.after(async () => {
    spawnSync('umount', ['-l', path.join(d, 'merged')], { stdio: 'ignore' });
    await fs.rm(d, { recursive: true, force: true });
  });
  return d;
}

test('unpacks files, dirs, symlinks, hardlinks with modes, owners, mtimes; verifies diff id', async (t) => {
  const d = await tmpdir(t);
  const raw = await writeTar(path.join(d, 'l.tgz'), [
    { name: './', type: 'directory' },
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/tool', content: '#!/bin/sh\necho hi\n', mode: 0o4755, uid: 1000, gid: 1001, mtime: new Date(5_000_000) },
    { name: 'bin/link', type: 'link', linkname: 'bin/tool' },
    { name: 'bin/sym', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'deep/a/b/c.txt', content: 'c' },
    { name: 'p', type: 'fifo' },
  ], true);
  const diffId = 'sha256:' + createHash('sha256').update(raw).digest('hex');
  const dest = path.join(d, 'out');
  const r = await unpackLayerFile(path.join(d, 'l.tgz'), dest, { diffId });
  assert.equal(r.diffId, diffId);
  const st = await fs.lstat(path.join(dest, 'bin/tool'));
  assert.equal(st.mode & 0o7777, 0o4755);
  assert.equal(st.mtimeMs, 5_000_000);
  if (isRoot) assert.deepEqual([st.uid, st.gid], [1000, 1001]);
  assert.equal((await fs.lstat(path.join(dest, 'bin/link'))).ino, st.ino);
  assert.equal(await fs.readlink(path.join(dest, 'bin/sym')), '/etc/passwd');
  assert.equal(await fs.readFile(path.join(dest, 'deep/a/b/c.txt'), 'utf8'), 'c');
  assert.ok((await fs.lstat(path.join(dest, 'p'))).isFIFO());
  await assert.rejects(unpackLayerFile(path.join(d, 'l.tgz'), path.join(d, 'out2'), { diffId: 'sha256:' + '0'.repeat(64) }), (e) => isImageError(e, 'ERR_IMAGE_DIGEST'));
});

test('overlay whiteouts: .wh.NAME → char 0/0, .wh..wh..opq → opaque xattr; overlay mount hides lower files', { skip: !isRoot && 'needs root (mknod, trusted.* xattrs, mount)' }, async (t) => {
  const d = await tmpdir(t);
  await writeTar(path.join(d, 'l1.tar'), [
    { name: 'etc/passwd', content: 'root' },
    { name: 'bin/wget', content: 'w' },
    { name: 'bin/sh', content: 's' },
    { name: 'www/index.html', content: 'old' },
    { name: 'www/old.html', content: 'old' },
  ]);
  await writeTar(path.join(d, 'l2.tar'), [
    { name: '.wh.etc' },
    { name: 'bin/.wh.wget' },
    { name: 'www/index.html', content: 'new' },
    { name: 'www/.wh..wh..opq' },
  ]);
  const l1 = path.join(d, 'l1');
  const l2 = path.join(d, 'l2');
  await unpackLayerFile(path.join(d, 'l1.tar'), l1);
  const r = await unpackLayerFile(path.join(d, 'l2.tar'), l2);
  assert.equal(r.whiteouts, 2);
  assert.equal(r.opaqueDirs, 1);
  const wh = await fs.lstat(path.join(l2, 'bin/wget'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.ok((await fs.lstat(path.join(l2, 'etc'))).isCharacterDevice());
  const xattr = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())', path.join(l2, 'www')], { encoding: 'utf8' });
  if (xattr.status === 0) assert.equal(xattr.stdout.trim(), 'y');
  // The real proof: mount overlayfs with both layers as lowerdirs.
  const merged = path.join(d, 'merged');
  await fs.mkdir(merged);
  const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${l2}:${l1}`, merged], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`overlay mount failed: ${m.stderr}`);
  try {
    assert.deepEqual((await fs.readdir(merged)).sort(), ['bin', 'www']);
    assert.deepEqual(await fs.readdir(path.join(merged, 'bin')), ['sh']);
    assert.deepEqual(await fs.readdir(path.join(merged, 'www')), ['index.html']);
    assert.equal(await fs.readFile(path.join(merged, 'www/index.html'), 'utf8'), 'new');
  } finally {
    spawnSync('umount', [merged]);
  }
});

test("'apply' whiteouts flatten into one directory", async (t) => {
  const d = await tmpdir(t);
  await writeTar(path.join(d, 'l1.tar'), [{ name: 'a/x', content: '1' }, { name: 'a/y', content: '1' }, { name: 'b', content: 'b' }]);
  await writeTar(path.join(d, 'l2.tar'), [{ name: 'a/z', content: '2' }, { name: 'a/.wh..wh..opq' }, { name: '.wh.b' }]);
  const out = path.join(d, 'flat');
  await unpackLayerFile(path.join(d, 'l1.tar'), out, { whiteouts: 'apply' });
  await unpackLayerFile(path.join(d, 'l2.tar'), out, { whiteouts: 'apply' });
  assert.deepEqual(await fs.readdir(out), ['a']);
  assert.deepEqual(await fs.readdir(path.join(out, 'a')), ['z']);
});

test('path safety: malicious layers are refused without writing outside', async (t) => {
  const d = await tmpdir(t);
  const outside = path.join(d, 'outside');
  await fs.mkdir(outside);
  const cases: Record<string, TarEntrySpec[]> = {
    dotdot: [{ name: '../outside/evil', content: 'x' }],
    dotdotDeep: [{ name: 'a/../../outside/evil', content: 'x' }],
    absolute: [{ name: `${outside}/evil`, content: 'x' }],
    symlinkThenFile: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/evil', content: 'x' }],
    symlinkThenDir: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/sub/', type: 'directory' }],
    symlinkThenWhiteout: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/.wh.keep' }],
    symlinkThenOpaque: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/.wh..wh..opq' }],
    hardlinkOutside: [{ name: 'h', type: 'link', linkname: '../outside/keep' }],
    hardlinkAbsolute: [{ name: 'h', type: 'link', linkname: `${outside}/keep` }],
    hardlinkViaSymlink: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'h', type: 'link', linkname: 'lnk/keep' }],
  };
  for (const [name, entries] of Object.entries(cases)) {
    await fs.writeFile(path.join(outside, 'keep'), 'keep');
    const file = path.join(d, `${name}.tar`);
    await writeTar(file, entries);
    await assert.rejects(unpackLayerFile(file, path.join(d, `dest-${name}`)), (e) => isImageError(e, 'ERR_IMAGE_UNSAFE_PATH'), name);
    assert.deepEqual(await fs.readdir(outside), ['keep'], name);
    assert.equal(await fs.readFile(path.join(outside, 'keep'), 'utf8'), 'keep', name);
  }
  // A symlink replaced by a file of the same name is fine (the link is removed, not followed).
  await writeTar(path.join(d, 'replace.tar'), [{ name: 'lnk', type: 'symlink', linkname: `${outside}/keep` }, { name: 'lnk', content: 'mine' }]);
  await unpackLayerFile(path.join(d, 'replace.tar'), path.join(d, 'dest-replace'));
  assert.equal(await fs.readFile(path.join(outside, 'keep'), 'utf8'), 'keep');
  assert.equal(await fs.readFile(path.join(d, 'dest-replace/lnk'), 'utf8'), 'mine');
});
