// Layer unpack throughput by compression (plain tar, gzip via node:zlib, zstd via fzstd) and the
// cost of refusing a decompression bomb under the default limits (time to the refusal, bytes
// written before it). Synthetic layer: 200 files of 256 KiB of word-like text (~50 MiB; gzip
// 7:1, zstd 30:1). The zstd blobs are made with Debian's `zstd`; unpacking them uses fzstd.
//
//   npx tsc -p tsconfig.json && node dist/bench/layer-unpack.bench.js [--runs 5]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImageStore, unpackLayerFile } from '../src/runtime/images/index.js';
import { buildBomb, buildTar } from '../src/runtime/images/testing/tar-builder.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const MiB = 1024 * 1024;
const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const zstd = (b: Buffer): Buffer => spawnSync('zstd', ['-q', '-c', '-3'], { input: b, maxBuffer: 512 * MiB }).stdout;
const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function text(seed: number, size: number): Buffer {
  const words = ['lib', 'usr', 'share', 'config', 'nginx', 'alpine', 'module', 'static', 'error', 'ok', 'data', '0x7f', 'elf', 'symbol'];
  let x = seed;
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[x % words.length]! + ((x >>> 8) % 1000).toString(36) + ' ';
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-bench-layer-'));
try {
  const raw = await buildTar(Array.from({ length: 200 }, (_, i) => ({ name: `f/${i}`, content: text(i + 1, 256 * 1024) })));
  const variants: Array<[string, Buffer]> = [['tar', raw], ['gzip', gzipSync(raw)]];
  if (hasZstd) variants.push(['zstd', zstd(raw)]);
  console.log(`layer: ${(raw.length / MiB).toFixed(1)} MiB uncompressed, 200 files`);
  for (const [name, blob] of variants) {
    const file = path.join(tmp, `layer.${name}`);
    await fs.writeFile(file, blob);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dest = path.join(tmp, `out-${name}-${i}`);
      const t0 = performance.now();
      await unpackLayerFile(file, dest);
      ms.push(performance.now() - t0);
      await fs.rm(dest, { recursive: true, force: true });
    }
    console.log(`unpack ${name.padEnd(4)} ${(blob.length / MiB).toFixed(1).padStart(5)} MiB blob: p50 ${p50(ms).toFixed(0)} ms, ${((raw.length / MiB) / (p50(ms) / 1000)).toFixed(0)} MiB/s uncompressed`);
  }
  const bombs: Array<[string, (b: Buffer) => Buffer]> = [['gzip', (b) => gzipSync(b, { level: 9 })]];
  if (hasZstd) bombs.push(['zstd', zstd]);
  for (const [name, compress] of bombs) {
    const store = await ImageStore.open(path.join(tmp, `store-${name}`));
    const bomb = await buildBomb(4096 * MiB, compress);
    const { digest } = await store.writeBlobBuffer(bomb);
    const t0 = performance.now();
    const err = await store.ensureLayer({ digest, diffId: 'sha256:' + '0'.repeat(64) }).then(() => undefined, (e: Error) => e);
    const ms = performance.now() - t0;
    console.log(`bomb ${name}: 4 GiB in ${(bomb.length / 1024).toFixed(0)} KiB refused in ${ms.toFixed(0)} ms (${err?.message ?? 'NOT REFUSED'})`);
  }
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}
