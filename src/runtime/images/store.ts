// Content-addressed image store.
//
//   <root>/blobs/sha256/<hex>      manifests, configs, compressed layers (verified on write)
//   <root>/layers/<diffid-hex>/    one directory per unpacked layer (overlayfs whiteouts), shared by images
//   <root>/images.json             image index: image id (config digest) → record (tags, digests, layers…)
//   <root>/tmp/                    temp files and unpack dirs; emptied on open
//
// Writes are temp-then-rename, so a crash never leaves a half blob or half layer under its final
// name. Blobs and layers are reference-counted from the index: `gc()` deletes those no image
// references and no in-flight pull holds (`acquire`/`release`, like containerd's leases).
// One process owns a store (the kubelet); methods are safe to call concurrently within it.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError, isImageError } from './errors.js';
import { layerLimits, type LayerLimits } from './limits.js';
import { digestHex, DIGEST_RE } from './oci.js';
import { parseReference, formatReference } from './reference.js';
import { unpackLayerFile, type UnpackResult } from './unpack.js';
import type { ImageConfig } from '../types.js';
import { ERR_IMAGE_DIGEST, ERR_IMAGE_MANIFEST, ERR_IMAGE_NOT_FOUND, ERR_IMAGE_TOO_LARGE } from '../../util/error-codes.js';

export interface LayerRecord {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  size: number;
  mediaType: string;
}

export interface ImageRecord {
  /** `sha256:<config digest hex>`. */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** Blobs besides manifest/config/layers that must stay (e.g. the index a manifest was picked from). */
  extraBlobs: string[];
  layers: LayerRecord[];
  repoTags: string[];
  repoDigests: string[];
  /** Config + compressed layers, like containerd's image size. */
  size: number;
  config: ImageConfig;
  createdAt: number;
}

interface IndexFile {
  version: 1;
  images: Record<string, ImageRecord>;
}

export interface GcResult {
  removedBlobs: number;
  removedLayers: number;
  freedBytes: number;
}

export class ImageStore {
  private index: IndexFile = { version: 1, images: {} };
  private writing: Promise<void> = Promise.resolve();
  private readonly leases = new Map<string, number>();
  private readonly unpacking = new Map<string, Promise<string>>();

  private constructor(
    readonly root: string,
    readonly limits: LayerLimits,
  ) {}

  /** `limits`: per-layer size, ratio and entry limits (limits.ts); defaults for what is not given. */
  static async open(root: string, opts: { limits?: Partial<LayerLimits> } = {}): Promise<ImageStore> {
    const s = new ImageStore(path.resolve(root), layerLimits(opts.limits));
    await fs.mkdir(path.join(s.root, 'blobs', 'sha256'), { recursive: true });
    await fs.mkdir(path.join(s.root, 'layers'), { recursive: true });
    await fs.rm(path.join(s.root, 'tmp'), { recursive: true, force: true });
    await fs.mkdir(path.join(s.root, 'tmp'), { recursive: true });
    try {
      const doc = JSON.parse(await fs.readFile(s.indexPath(), 'utf8')) as unknown;
      if (typeof doc === 'object' && doc !== null && (doc as IndexFile).version === 1 && typeof (doc as IndexFile).images === 'object') {
        s.index = doc as IndexFile;
      } else {
        throw new ImageError(ERR_IMAGE_MANIFEST, `${s.indexPath()} has an unknown format`);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return s;
  }

  private indexPath(): string {
    return path.join(this.root, 'images.json');
  }

  blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  layerPath(diffId: string): string {
    return path.join(this.root, 'layers', digestHex(diffId));
  }

  private tmpName(prefix: string): string {
    return path.join(this.root, 'tmp', `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /**
   * Streams `source` into the store, hashing as it goes. With `expected`, a mismatch (digest or
   * size) throws ERR_IMAGE_DIGEST and nothing is kept. Returns the digest and size.
   */
  async writeBlob(source: AsyncIterable<unknown> | Iterable<unknown>, expected?: { digest?: string; size?: number }): Promise<{ digest: string; size: number }> {
    if (expected?.digest !== undefined && !DIGEST_RE.test(expected.digest)) {
      throw new ImageError(ERR_IMAGE_DIGEST, `unsupported digest "${expected.digest}"`);
    }
    const tmp = this.tmpName('blob');
    const hash = createHash('sha256');
    let size = 0;
    // Stop at the first byte past what the descriptor announced or the layer limit: a registry
    // (or a man in the middle) sending more is refused before it fills the disk.
    const max = Math.min(expected?.size ?? Infinity, this.limits.maxCompressedBytes);
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
        hash.update(buf);
        size += buf.length;
        if (size > max) {
          throw max === expected?.size
            ? new ImageError(ERR_IMAGE_DIGEST, `content does not match its descriptor: more than the ${max} bytes of ${expected.digest ?? 'the blob'}`)
            : new ImageError(ERR_IMAGE_TOO_LARGE, `blob ${expected?.digest ?? '(no digest)'} is larger than the ${max}-byte layer limit; refusing it`);
        }
        await fh.write(buf);
      }
    } catch (err) {
      await fh.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const digest = 'sha256:' + hash.digest('hex');
    if ((expected?.digest !== undefined && expected.digest !== digest) || (expected?.size !== undefined && expected.size !== size)) {
      await fs.rm(tmp, { force: true });
      throw new ImageError(
        ERR_IMAGE_DIGEST,
        `content does not match its descriptor: expected ${expected.digest ?? '?'} (${expected.size ?? '?'} bytes), got ${digest} (${size} bytes)`,
      );
    }
    await fs.rename(tmp, this.blobPath(digest));
    return { digest, size };
  }

  async writeBlobBuffer(buf: Buffer, expected?: { digest?: string; size?: number }): Promise<{ digest: string; size: number }> {
    return this.writeBlob([buf], expected);
  }

  async readBlob(digest: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImageError(ERR_IMAGE_NOT_FOUND, `blob ${digest} not in the store`);
      throw err;
    }
  }

  /** Re-hashes a stored blob (for fsck-like checks). */
  async verifyBlob(digest: string): Promise<boolean> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.blobPath(digest))) hash.update(chunk as Buffer);
    return 'sha256:' + hash.digest('hex') === digest;
  }

  /** Keeps a blob or layer from gc while a pull or load is in flight. */
  acquire(digest: string): void {
    this.leases.set(digest, (this.leases.get(digest) ?? 0) + 1);
  }

  release(digest: string): void {
    const n = (this.leases.get(digest) ?? 0) - 1;
    if (n <= 0) this.leases.delete(digest);
    else this.leases.set(digest, n);
  }

  /**
   * Unpacks a stored layer blob to `layers/<diffid>/` once (concurrent callers share the work)
   * and returns the directory. The diff id is verified while unpacking.
   */
  async ensureLayer(layer: { digest: string; diffId: string }): Promise<string> {
    const dest = this.layerPath(layer.diffId);
    if (await exists(dest)) return dest;
    const running = this.unpacking.get(layer.diffId);
    if (running !== undefined) return running;
    const p = (async () => {
      const tmp = this.tmpName('layer');
      try {
        try {
          await unpackLayerFile(this.blobPath(layer.digest), tmp, { diffId: layer.diffId, whiteouts: 'overlay', limits: this.limits });
        } catch (err) {
          // A bomb (or a layer whose content is not its diff id) is not kept either, unless an
          // image already stored references the blob.
          if ((isImageError(err, ERR_IMAGE_TOO_LARGE) || isImageError(err, ERR_IMAGE_DIGEST)) && !this.refCounts().blobs.has(layer.digest)) {
            await fs.rm(this.blobPath(layer.digest), { force: true });
          }
          throw err;
        }
        try {
          await fs.rename(tmp, dest);
        } catch (err) {
          if (!(await exists(dest))) throw err;
        }
        return dest;
      } finally {
        await fs.rm(tmp, { recursive: true, force: true });
      }
    })();
    this.unpacking.set(layer.diffId, p);
    try {
      return await p;
    } finally {
      this.unpacking.delete(layer.diffId);
    }
  }

  /** For benchmarks and tests: unpack result details of a blob into an arbitrary dir. */
  async unpackBlobTo(digest: string, dest: string): Promise<UnpackResult> {
    return unpackLayerFile(this.blobPath(digest), dest);
  }

  listImages(): readonly ImageRecord[] {
    return Object.values(this.index.images);
  }

  getImage(id: string): ImageRecord | undefined {
    return this.index.images[id];
  }

  /**
   * Finds an image by id (`sha256:<hex>`, the bare hex, or an unambiguous hex prefix of ≥ 12),
   * by tag or by repo digest (both normalized).
   */
  resolve(ref: string): ImageRecord | undefined {
    const r = ref.trim();
    if (DIGEST_RE.test(r)) return this.index.images[r];
    if (/^[a-f0-9]{12,64}$/.test(r)) {
      const m = this.listImages().filter((i) => i.id.slice(7).startsWith(r));
      if (m.length === 1) return m[0];
    }
    let norm: string;
    try {
      norm = formatReference(parseReference(r));
    } catch {
      return undefined;
    }
    const parsed = parseReference(norm);
    if (parsed.digest !== undefined) {
      const byDigest = `${parsed.domain}/${parsed.path}@${parsed.digest}`;
      return this.listImages().find((i) => i.repoDigests.includes(byDigest));
    }
    return this.listImages().find((i) => i.repoTags.includes(norm));
  }

  /**
   * Adds or merges an image record. Tags it carries move from any other image to this one (an
   * image left without tags stays, untagged, until removed by id or pruned).
   */
  async putImage(rec: ImageRecord): Promise<ImageRecord> {
    return this.mutate(() => {
      const cur = this.index.images[rec.id];
      const merged: ImageRecord = cur === undefined ? { ...rec } : {
        ...cur,
        repoTags: union(cur.repoTags, rec.repoTags),
        repoDigests: union(cur.repoDigests, rec.repoDigests),
        extraBlobs: union(cur.extraBlobs, rec.extraBlobs),
      };
      for (const other of Object.values(this.index.images)) {
        if (other.id === rec.id) continue;
        other.repoTags = other.repoTags.filter((t) => !rec.repoTags.includes(t));
      }
      this.index.images[rec.id] = merged;
      return merged;
    });
  }

  /**
   * Removes a tag (the image goes when its last tag goes) or, given an id or repo digest, the whole
   * image; then collects garbage. Returns false if nothing matched.
   */
  async removeImage(ref: string): Promise<boolean> {
    const rec = this.resolve(ref);
    if (rec === undefined) return false;
    await this.mutate(() => {
      let tag: string | undefined;
      try {
        const p = parseReference(ref);
        if (p.digest === undefined && !/^(sha256:)?[a-f0-9]{12,64}$/.test(ref.trim())) tag = formatReference(p);
      } catch {
        /* an id */
      }
      const cur = this.index.images[rec.id];
      if (cur === undefined) return;
      if (tag !== undefined && cur.repoTags.length > 1) {
        cur.repoTags = cur.repoTags.filter((t) => t !== tag);
      } else {
        delete this.index.images[rec.id];
      }
    });
    await this.gc();
    return true;
  }

  /** How many images reference each blob and each layer directory (by diff id). */
  refCounts(): { blobs: Map<string, number>; layers: Map<string, number> } {
    const blobs = new Map<string, number>();
    const layers = new Map<string, number>();
    const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const img of this.listImages()) {
      inc(blobs, img.manifestDigest);
      inc(blobs, img.id);
      for (const b of img.extraBlobs) inc(blobs, b);
      for (const l of img.layers) {
        inc(blobs, l.digest);
        inc(layers, l.diffId);
      }
    }
    return { blobs, layers };
  }

  /** Deletes blobs and layer directories no image references and no lease holds. */
  async gc(): Promise<GcResult> {
    const { blobs, layers } = this.refCounts();
    const res: GcResult = { removedBlobs: 0, removedLayers: 0, freedBytes: 0 };
    const blobDir = path.join(this.root, 'blobs', 'sha256');
    for (const hex of await fs.readdir(blobDir)) {
      const d = 'sha256:' + hex;
      if (blobs.has(d) || this.leases.has(d)) continue;
      const st = await fs.stat(path.join(blobDir, hex)).catch(() => undefined);
      await fs.rm(path.join(blobDir, hex), { force: true });
      res.removedBlobs++;
      res.freedBytes += st?.size ?? 0;
    }
    const layerDir = path.join(this.root, 'layers');
    for (const hex of await fs.readdir(layerDir)) {
      const d = 'sha256:' + hex;
      if (layers.has(d) || this.leases.has(d) || this.unpacking.has(d)) continue;
      await fs.rm(path.join(layerDir, hex), { recursive: true, force: true });
      res.removedLayers++;
    }
    return res;
  }

  /** overlayfs lowerdirs of an image, top-most layer first. */
  imageLayers(id: string): string[] {
    const rec = this.index.images[id] ?? this.resolve(id);
    if (rec === undefined) throw new ImageError(ERR_IMAGE_NOT_FOUND, `image ${id} not found`);
    return rec.layers.map((l) => this.layerPath(l.diffId)).reverse();
  }

  private async mutate<T>(fn: () => T): Promise<T> {
    const run = this.writing.then(async () => {
      const out = fn();
      const tmp = this.tmpName('index');
      await fs.writeFile(tmp, JSON.stringify(this.index, null, 1));
      await fs.rename(tmp, this.indexPath());
      return out;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
