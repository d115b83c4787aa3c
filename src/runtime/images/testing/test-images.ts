// Test images built by images/build.sh (busybox, echoserver, nginx 1.14/1.18 as OCI archives).
// Tests call `ensureTestImages()`: it builds images/out/*.tar once (into a private temp dir, then
// renames, so parallel test processes never see half files) or returns a skip reason when the
// Debian packages are missing.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_IMAGES = {
  busybox: { file: 'busybox.tar', ref: 'docker.io/library/busybox:latest' },
  echoserver: { file: 'echoserver.tar', ref: 'k8s.gcr.io/echoserver:1.4' },
  nginx114: { file: 'nginx-1.14.tar', ref: 'docker.io/library/nginx:1.14-alpine' },
  nginx118: { file: 'nginx-1.18.tar', ref: 'docker.io/library/nginx:1.18-alpine' },
} as const;

export type TestImageName = keyof typeof TEST_IMAGES;

/** The repository root (the directory holding images/build.sh). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'images', 'build.sh'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('images/build.sh not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `<repo>/images/out` (may not exist yet). */
export function testImagesDir(): string {
  return path.join(repoRoot(), 'images', 'out');
}

export function testImagePath(name: TestImageName): string {
  return path.join(testImagesDir(), TEST_IMAGES[name].file);
}

/** Why the test images cannot be built here, or undefined. */
export function testImagesSkipReason(): string | undefined {
  for (const [bin, pkg] of [['/bin/busybox', 'busybox-static'], ['/usr/sbin/nginx', 'nginx-light']] as const) {
    if (!existsSync(bin)) return `${bin} missing (apt-get install ${pkg})`;
  }
  for (const tool of ['jq', 'sha256sum', 'gzip', 'tar']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} missing`;
  }
  return undefined;
}

/** Builds images/out/*.tar if any is missing; returns the directory, or `{ skip }`. */
export function ensureTestImages(): { dir: string } | { skip: string } {
  const dir = testImagesDir();
  if (Object.values(TEST_IMAGES).every((i) => existsSync(path.join(dir, i.file)))) return { dir };
  const why = testImagesSkipReason();
  if (why !== undefined) return { skip: why };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-'));
  try {
    const r = spawnSync('bash', [path.join(repoRoot(), 'images', 'build.sh'), tmp], { encoding: 'utf8' });
    if (r.status !== 0) return { skip: `images/build.sh failed: ${r.stderr.trim().slice(-500)}` };
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(tmp)) {
      try {
        renameSync(path.join(tmp, f), path.join(dir, f));
      } catch {
        spawnSync('cp', [path.join(tmp, f), path.join(dir, f + '.' + process.pid)]);
        renameSync(path.join(dir, f + '.' + process.pid), path.join(dir, f));
      }
    }
    return { dir };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
