import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { OciImageService } from './image-service.js';
import { ensureTestImages, testImagePath, TEST_IMAGES } from './testing/test-images.js';
import { isImageError } from './errors.js';
import { loadArchive } from './archive.js';

const built = ensureTestImages();
const skip = 'skip' in built ? built.skip : process.getuid?.() !== 0 ? 'needs root (overlay whiteouts, chown)' : false;
const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;

async function service(t: { after: (fn: () => Promise<void>) => void }) {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-archive-'));
  t.after(() => fs.rm(d, { recursive: true, force: true }));
  return { d, svc: await OciImageService.open({ root: path.join(d, 'images') }) };
}

test('loads the OCI archives built by images/build.sh; layers are shared', { skip }, async (t) => {
  const { svc } = await service(t);
  for (const name of ['busybox', 'echoserver', 'nginx114', 'nginx118'] as const) {
    const [info] = await svc.loadArchive(testImagePath(name));
    assert.deepEqual(info!.repoTags, [TEST_IMAGES[name].ref]);
  }
  const list = await svc.listImages();
  assert.equal(list.length, 4);
  const ngx = await svc.imageStatus({ ref: 'nginx:1.14-alpine' });
  assert.deepEqual(ngx?.config.Cmd, ['nginx', '-g', 'daemon off;']);
  const layers = svc.imageLayers(ngx!.id);
  assert.equal(layers.length, 3);
  const html = await fs.readFile(path.join(layers[0]!, 'usr/share/nginx/html/index.html'), 'utf8');
  assert.match(html, /<title>Welcome to nginx!<\/title>/);
  assert.match(html, /1\.14-alpine/);
  await fs.access(path.join(layers[1]!, 'usr/sbin/nginx'));
  assert.equal((await fs.readlink(path.join(layers[2]!, 'bin/sh'))), 'busybox');
  // base layer shared by all 4 images, nginx layer by 3: 1 + 1 + 4 tops = 6 layer dirs.
  assert.equal((await fs.readdir(path.join(svc.store.root, 'layers'))).length, 6);
  const echo = await svc.imageStatus({ ref: 'k8s.gcr.io/echoserver:1.4' });
  assert.deepEqual(svc.imageLayers(echo!.id).slice(1), layers.slice(1));
  // Loading again is idempotent.
  await svc.loadArchive(testImagePath('nginx114'));
  assert.equal((await svc.listImages()).length, 4);
  await svc.removeImage({ ref: 'docker.io/library/nginx:1.14-alpine' });
  assert.equal((await fs.readdir(path.join(svc.store.root, 'layers'))).length, 5);
});

test('docker-archive (skopeo) and bare-tag OCI archives', { skip: skip || (!hasSkopeo && 'skopeo missing') }, async (t) => {
  const { d, svc } = await service(t);
  const da = path.join(d, 'bb.docker.tar');
  const r = spawnSync('skopeo', ['copy', '-q', `oci-archive:${testImagePath('busybox')}`, `docker-archive:${da}:myrepo/bb:v1`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [info] = await svc.loadArchive(da);
  assert.deepEqual(info!.repoTags, ['docker.io/myrepo/bb:v1']);
  assert.equal(info!.id, (await svc.loadArchive(testImagePath('busybox')))[0]!.id, 'same config digest');
  const oa = path.join(d, 'bb.oci.tar');
  assert.equal(spawnSync('skopeo', ['copy', '-q', `oci-archive:${testImagePath('busybox')}`, `oci-archive:${oa}:v2`]).status, 0);
  const [untagged] = await loadArchive(svc.store, oa);
  assert.deepEqual(untagged!.untaggedRefNames, ['v2']);
  assert.ok(!untagged!.record.repoTags.some((t) => t.endsWith(':v2')));
  const [named] = await svc.loadArchive(oa, { name: 'localhost/bb' });
  assert.ok(named!.repoTags.includes('localhost/bb:v2'));
  await fs.writeFile(path.join(d, 'junk.tar'), Buffer.alloc(1024));
  await assert.rejects(svc.loadArchive(path.join(d, 'junk.tar')), (e) => isImageError(e, 'ERR_IMAGE_ARCHIVE'));
});
