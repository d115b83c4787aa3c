import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageStore } from './store.js';
import { isImageError } from './errors.js';
import { sha256Digest } from './oci.js';

async function tmpStore(t: { after: (fn: () => Promise<void>) => void }): Promise<ImageStore> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-store-'));
  t.after(() => fs.rm(d, { recursive: true, force: true }));
  return ImageStore.open(d);
}

test('blobs are verified on write; a corrupt blob is rejected and not kept', async (t) => {
  const s = await tmpStore(t);
  const data = Buffer.from('hello');
  const { digest, size } = await s.writeBlobBuffer(data, { digest: sha256Digest(data), size: 5 });
  assert.equal(size, 5);
  assert.ok(await s.hasBlob(digest));
  assert.ok(await s.verifyBlob(digest));
  const wrong = sha256Digest('other');
  await assert.rejects(s.writeBlobBuffer(data, { digest: wrong }), (e) => isImageError(e, 'ERR_IMAGE_DIGEST'));
  await assert.rejects(s.writeBlobBuffer(data, { digest, size: 6 }), (e) => isImageError(e, 'ERR_IMAGE_DIGEST'));
  assert.equal(await s.hasBlob(wrong), false);
  assert.deepEqual(await fs.readdir(path.join(s.root, 'tmp')), []);
  // Corruption on disk is detected.
  await fs.writeFile(s.blobPath(digest), 'tampered');
  assert.equal(await s.verifyBlob(digest), false);
});

test('image index: tags move, removal by tag/id, reference-counted gc, persistence', async (t) => {
  const s = await tmpStore(t);
  const blob = async (x: string) => (await s.writeBlobBuffer(Buffer.from(x))).digest;
  const shared = await blob('shared-layer');
  const mk = async (n: string, tags: string[]) => ({
    id: await blob(`config-${n}`),
    manifestDigest: await blob(`manifest-${n}`),
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    extraBlobs: [],
    layers: [{ digest: shared, diffId: shared, size: 1, mediaType: 'x' }, { digest: await blob(`layer-${n}`), diffId: sha256Digest(`d-${n}`), size: 1, mediaType: 'x' }],
    repoTags: tags,
    repoDigests: [],
    size: 3,
    config: { Cmd: [n] },
    createdAt: 0,
  });
  const a = await s.putImage(await mk('a', ['docker.io/library/a:1', 'docker.io/library/a:latest']));
  const b = await s.putImage(await mk('b', ['docker.io/library/b:1']));
  await fs.mkdir(s.layerPath(shared));
  assert.equal(s.refCounts().blobs.get(shared), 2);
  assert.equal(s.resolve('a:1')?.id, a.id);
  assert.equal(s.resolve(a.id)?.id, a.id);
  assert.equal(s.resolve(a.id.slice(7, 19))?.id, a.id);
  assert.deepEqual(s.imageLayers(a.id), [s.layerPath(sha256Digest('d-a')), s.layerPath(shared)]);
  // A tag moves to the newer image.
  await s.putImage({ ...(await mk('b', ['docker.io/library/a:latest'])) });
  assert.deepEqual(s.getImage(a.id)?.repoTags, ['docker.io/library/a:1']);
  // Untag b:1 → b keeps a:latest; remove a by its last tag → a's own blobs go, shared stays.
  assert.equal(await s.removeImage('b:1'), true);
  assert.ok(s.getImage(b.id));
  assert.equal(await s.removeImage('a:1'), true);
  assert.equal(s.getImage(a.id), undefined);
  assert.equal(await s.hasBlob(a.id), false);
  assert.equal(await s.hasBlob(shared), true);
  assert.ok((await fs.stat(s.layerPath(shared))).isDirectory());
  // Reopen: persisted.
  const s2 = await ImageStore.open(s.root);
  assert.deepEqual(s2.listImages().map((i) => i.id), [b.id]);
  assert.equal(await s2.removeImage(b.id), true);
  assert.equal(await s2.removeImage(b.id), false);
  assert.deepEqual(await fs.readdir(path.join(s.root, 'blobs/sha256')), []);
  assert.deepEqual(await fs.readdir(path.join(s.root, 'layers')), []);
});
