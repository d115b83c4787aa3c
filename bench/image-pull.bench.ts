// Pull+unpack time of the nginx test image (docker.io/library/nginx:1.14-alpine, 3 layers) from a
// throwaway local docker-registry through a docker.io mirror, into a fresh store each run; plus
// unpack-only figures (per-layer overlay dirs vs flattening into one dir).
//
//   npx tsc -p tsconfig.json && node dist/bench/image-pull.bench.js [--runs 5]
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { OciImageService, unpackLayerFile, type PullTimings } from '../src/runtime/images/index.js';
import { ensureTestImages, testImagePath, startTestRegistry, registrySkipReason } from '../src/runtime/images/testing/index.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const built = ensureTestImages();
const why = 'skip' in built ? built.skip : registrySkipReason();
if (why !== undefined) {
  console.log(`image-pull bench skipped: ${why}`);
  process.exit(0);
}
const reg = await startTestRegistry();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-bench-pull-'));
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]!.toFixed(1)}  p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)}  max ${s[s.length - 1]!.toFixed(1)} ms`;
};
try {
  reg.push(testImagePath('nginx114'), 'library/nginx:1.14-alpine');
  const total: number[] = [];
  const manifest: number[] = [];
  const layers: number[] = [];
  let lastSvc: OciImageService | undefined;
  for (let i = 0; i < runs; i++) {
    let timings: PullTimings | undefined;
    const svc = await OciImageService.open({
      root: path.join(tmp, `store-${i}`),
      registries: { mirrors: { 'docker.io': { endpoint: [reg.url] } }, configs: {} },
      onPulled: (_r, _i, t) => (timings = t),
    });
    const t0 = performance.now();
    await svc.pullImage({ ref: 'nginx:1.14-alpine' });
    total.push(performance.now() - t0);
    manifest.push(timings!.manifestMs);
    layers.push(timings!.layersMs);
    lastSvc = svc;
  }
  const img = (await lastSvc!.listImages())[0]!;
  const rec = lastSvc!.store.getImage(img.id)!;
  const gz = rec.layers.reduce((s, l) => s + l.size, 0);
  console.log(`nginx:1.14-alpine  ${rec.layers.length} layers, ${(gz / 1e6).toFixed(2)} MB compressed, ${runs} runs, fresh store each`);
  console.log(`  pull+unpack total     ${fmt(total)}`);
  console.log(`    manifest+index      ${fmt(manifest)}`);
  console.log(`    blobs + unpack      ${fmt(layers)}`);
  const perLayer: number[] = [];
  const flat: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    for (const l of rec.layers) await unpackLayerFile(lastSvc!.store.blobPath(l.digest), path.join(tmp, `ov-${i}`, l.diffId.slice(7)));
    perLayer.push(performance.now() - t0);
    t0 = performance.now();
    for (const l of rec.layers) await unpackLayerFile(lastSvc!.store.blobPath(l.digest), path.join(tmp, `flat-${i}`), { whiteouts: 'apply' });
    flat.push(performance.now() - t0);
  }
  console.log(`  unpack only, per-layer dirs (overlay whiteouts)  ${fmt(perLayer)}`);
  console.log(`  unpack only, flattened into one dir             ${fmt(flat)}`);
  const t0 = performance.now();
  await lastSvc!.pullImage({ ref: 'nginx:1.14-alpine' });
  console.log(`  re-pull (cached layers, manifest only)           ${(performance.now() - t0).toFixed(1)} ms`);
} finally {
  await reg.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}
