// Layer limits (issue 14): the pure checks, real gzip and zstd bombs refused with a clear error
// and nothing left on disk, an entry-count cap, a download past its descriptor or the compressed
// limit stopped, and zstd layers unpacked with their diff id verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkEntries, checkInflation, layerLimits } from './limits.js';
import { ImageStore } from './store.js';
import { unpackLayerFile } from './unpack.js';
import { isImageError } from './errors.js';
import { buildBomb, buildTar } from './testing/tar-builder.js';

const MiB = 1024 * 1024;
const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const zstd = (b: Buffer): Buffer => {
  const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: b, maxBuffer: 256 * MiB });
  if (r.status !== 0) throw new Error(`zstd: ${r.stderr}`);
  return r.stdout;
};
const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-test-limits-'));
  t.after(() => fs.rm(d, { recursive: true, force: true }));
  return d;
}

/** Every file under dir (relative), for "nothing left behind" checks. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) if (!e.isDirectory()) out.push(path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
  return out.sort();
}

test('checkInflation / checkEntries: size, ratio past the floor, entries', () => {
  const l = layerLimits({ maxUncompressedBytes: 1000 * MiB, maxCompressionRatio: 100, ratioFloorBytes: 64 * MiB, maxEntries: 10 });
  checkInflation('l', 1, 64 * MiB, l); // under the floor: any ratio
  checkInflation('l', MiB, 100 * MiB, l); // 100:1 is allowed
  assert.throws(() => checkInflation('l', MiB, 101 * MiB, l), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /inflates more than 100:1.*decompression bomb/.test(e.message));
  assert.throws(() => checkInflation('l', 1000 * MiB, 1001 * MiB, l), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /larger than 1000 MiB uncompressed/.test(e.message));
  checkEntries('l', 10, l);
  assert.throws(() => checkEntries('l', 11, l), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /more than 10 entries/.test(e.message));
  assert.equal(layerLimits().maxUncompressedBytes, 10 * 1024 ** 3);
});

test('a real gzip bomb (1 GiB of zeros in ~1 MB) is refused by the default limits, store left clean', { timeout: 120_000 }, async (t) => {
  const d = await tmp(t);
  const store = await ImageStore.open(path.join(d, 'store'));
  const bomb = await buildBomb(1024 * MiB, (b) => gzipSync(b, { level: 9 }));
  assert.ok(bomb.length < 2 * MiB, `bomb is ${bomb.length} bytes`);
  const { digest } = await store.writeBlobBuffer(bomb);
  await assert.rejects(store.ensureLayer({ digest, diffId: 'sha256:' + '1'.repeat(64) }), (e) => {
    assert.ok(isImageError(e, 'ERR_IMAGE_TOO_LARGE'), String(e));
    assert.match((e as Error).message, /inflates more than 250:1 .*a decompression bomb; refusing it/);
    return true;
  });
  assert.deepEqual(await files(store.root), [], 'no blob, no layer, no temporary files left');
});

test('a real zstd bomb is refused the same way', { skip: !hasZstd && 'needs zstd to build the bomb', timeout: 120_000 }, async (t) => {
  const d = await tmp(t);
  const store = await ImageStore.open(path.join(d, 'store'));
  const bomb = await buildBomb(1024 * MiB, zstd);
  const { digest } = await store.writeBlobBuffer(bomb);
  await assert.rejects(store.ensureLayer({ digest, diffId: 'sha256:' + '1'.repeat(64) }), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /decompression bomb/.test((e as Error).message));
  assert.deepEqual(await files(store.root), []);
});

test('the uncompressed size and entry limits apply to plain and compressed layers alike', { timeout: 60_000 }, async (t) => {
  const d = await tmp(t);
  const many = await buildTar(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
  await fs.writeFile(path.join(d, 'many.tar'), many);
  await assert.rejects(unpackLayerFile(path.join(d, 'many.tar'), path.join(d, 'o1'), { limits: { maxEntries: 20 } }), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /more than 20 entries/.test((e as Error).message));
  const big = await buildTar([{ name: 'big', content: Buffer.alloc(3 * MiB, 7) }]);
  await fs.writeFile(path.join(d, 'big.tgz'), gzipSync(big));
  await assert.rejects(unpackLayerFile(path.join(d, 'big.tgz'), path.join(d, 'o2'), { limits: { maxUncompressedBytes: 2 * MiB } }), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /larger than 2 MiB uncompressed/.test((e as Error).message));
  const r = await unpackLayerFile(path.join(d, 'big.tgz'), path.join(d, 'o3'));
  assert.equal(r.diffId, sha(big), 'within the defaults it unpacks');
});

test('a download stops at the first byte past its descriptor size or the compressed limit; nothing kept', { timeout: 30_000 }, async (t) => {
  const d = await tmp(t);
  const store = await ImageStore.open(path.join(d, 'store'), { limits: { maxCompressedBytes: 4 * MiB } });
  let sent = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      sent += MiB;
      yield Buffer.alloc(MiB, 1);
    }
  }
  await assert.rejects(store.writeBlob(endless(), { digest: 'sha256:' + '2'.repeat(64), size: 2 * MiB }), (e) => isImageError(e, 'ERR_IMAGE_DIGEST'));
  assert.equal(sent, 3 * MiB, 'stopped at the first chunk past the descriptor size');
  sent = 0;
  await assert.rejects(store.writeBlob(endless()), (e) => isImageError(e, 'ERR_IMAGE_TOO_LARGE') && /larger than the 4194304-byte layer limit/.test((e as Error).message));
  assert.equal(sent, 5 * MiB);
  assert.deepEqual(await files(store.root), []);
});

test('zstd layers unpack, with the diff id verified; a wrong diff id leaves nothing', { skip: !hasZstd && 'needs zstd to build the layer', timeout: 30_000 }, async (t) => {
  const d = await tmp(t);
  const raw = await buildTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/motd', content: 'hello from zstd\n' },
    { name: 'data.bin', content: Buffer.alloc(3 * MiB + 17, 0x5a) },
  ]);
  const store = await ImageStore.open(path.join(d, 'store'));
  const { digest } = await store.writeBlobBuffer(zstd(raw));
  const dir = await store.ensureLayer({ digest, diffId: sha(raw) });
  assert.equal(await fs.readFile(path.join(dir, 'etc/motd'), 'utf8'), 'hello from zstd\n');
  assert.equal((await fs.stat(path.join(dir, 'data.bin'))).size, 3 * MiB + 17);
  const other = await buildTar([{ name: 'x', content: 'y' }]);
  const { digest: d2 } = await store.writeBlobBuffer(zstd(other));
  await assert.rejects(store.ensureLayer({ digest: d2, diffId: 'sha256:' + '3'.repeat(64) }), (e) => isImageError(e, 'ERR_IMAGE_DIGEST'));
  assert.equal(await store.hasBlob(d2), false, 'the mismatching blob is not kept');
  assert.equal(await fs.readdir(path.join(store.root, 'tmp')).then((l) => l.length), 0);
  // A truncated zstd stream is a clean unpack error.
  const whole = zstd(raw);
  await fs.writeFile(path.join(d, 'cut.zst'), whole.subarray(0, whole.length >> 1));
  await assert.rejects(unpackLayerFile(path.join(d, 'cut.zst'), path.join(d, 'cut')), (e) => isImageError(e, 'ERR_IMAGE_UNPACK'));
});
