// Loading image archives (`bin/k8ts image load FILE`): docker-archive (`docker save`, skopeo
// `docker-archive:`; also the legacy `<id>/layer.tar` layout) and OCI image layout archives
// (`oci-layout` + `index.json` + `blobs/`, skopeo `oci-archive:`), plain or gzipped, with one or
// several images.
//
// One pass over the tar: every regular file except the small metadata files is streamed into the
// blob store (hashed, so an OCI `blobs/sha256/<hex>` whose content does not hash to <hex> is
// refused); metadata is kept in memory; symlinks are remembered to resolve legacy layer paths.
// Member names are never used as filesystem paths. Then each image's manifest (synthesized as
// Docker v2s2 for docker-archives) is recorded and its layers unpacked.
//
// Names:
//   docker-archive: RepoTags, normalized (`nginx:1.14` → `docker.io/library/nginx:1.14`).
//   OCI layout: `io.containerd.image.name` if present; else `org.opencontainers.image.ref.name`:
//     a full reference (`docker.io/library/busybox:latest`, what images/build.sh writes) is used
//     as is; a bare tag (`latest`, what `skopeo copy … oci-archive:f.tar:latest` writes) is
//     combined with `options.name` (`--name docker.io/library/busybox` → `…/busybox:latest`), and
//     without that option the image is loaded untagged (reachable by id) and the tag is reported
//     in `untaggedRefNames` — guessing `docker.io/library/<tag>` would invent names.
//   `options.name` given as a full reference (with tag) also tags images that have no name.

import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { ImageError } from './errors.js';
import {
  ANNOTATION_CONTAINERD_NAME,
  ANNOTATION_REF_NAME,
  MEDIA_DOCKER_CONFIG,
  MEDIA_DOCKER_LAYER_GZIP,
  MEDIA_DOCKER_LAYER_TAR,
  MEDIA_DOCKER_MANIFEST,
  isIndexMediaType,
  parseImageConfig,
  parseJson,
  parseManifestDocument,
  selectPlatform,
  type Descriptor,
  type Manifest,
} from './oci.js';
import { formatReference, isTag, parseReference, repoDigest } from './reference.js';
import type { ImageRecord, ImageStore, LayerRecord } from './store.js';
import { ERR_IMAGE_ARCHIVE, ERR_IMAGE_DIGEST, ERR_IMAGE_MANIFEST } from '../../util/error-codes.js';

export interface LoadArchiveOptions {
  /** Repository (or full reference) for images whose archive name is a bare tag or missing. */
  name?: string;
}

export interface LoadedImage {
  record: ImageRecord;
  /** Bare OCI ref.name tags that could not be turned into a name (no `options.name`). */
  untaggedRefNames: string[];
}

const METADATA = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const MAX_METADATA = 8 * 1024 * 1024;

interface Member {
  digest: string;
  size: number;
  gzip: boolean;
}

export async function loadArchive(store: ImageStore, file: string, options: LoadArchiveOptions = {}): Promise<LoadedImage[]> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  const meta = new Map<string, Buffer>();
  const held: string[] = [];
  try {
    await ingest(store, file, members, links, meta, held);
    const resolveMember = (name: string): Member => {
      let n = clean(name);
      for (let i = 0; i < 10 && links.has(n); i++) n = links.get(n)!;
      const m = members.get(n);
      if (m === undefined) throw new ImageError(ERR_IMAGE_ARCHIVE, `${path.basename(file)}: "${name}" is referenced but not in the archive`);
      return m;
    };
    let loaded: LoadedImage[];
    if (meta.has('index.json')) loaded = await loadOci(store, file, meta, resolveMember, options);
    else if (meta.has('manifest.json')) loaded = await loadDocker(store, file, meta, resolveMember, options, held);
    else throw new ImageError(ERR_IMAGE_ARCHIVE, `${path.basename(file)} is neither a docker-archive (manifest.json) nor an OCI image layout (index.json)`);
    return loaded;
  } finally {
    for (const d of held) store.release(d);
    await store.gc();
  }
}

function clean(name: string): string {
  return path.posix.normalize(name.replace(/^\.\/+/, '')).replace(/^\/+/, '').replace(/\/$/, '');
}

async function ingest(store: ImageStore, file: string, members: Map<string, Member>, links: Map<string, string>, meta: Map<string, Buffer>, held: string[]): Promise<void> {
  const fh = await fs.open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const extract = tar.extract();
  const src = createReadStream(file, { highWaterMark: 256 * 1024 });
  const streams = (magic[0] === 0x1f && magic[1] === 0x8b ? [src, createGunzip(), extract] : [src, extract]) as unknown as NodeJS.ReadWriteStream[];
  const feeding = pipeline(streams);
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = clean(h.name);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? path.posix.join(path.posix.dirname(name), h.linkname ?? '') : (h.linkname ?? '');
        links.set(name, clean(target));
      } else if (h.type === 'file' || h.type === 'contiguous-file' || h.type === undefined || h.type === null) {
        if (METADATA.has(name)) {
          if ((h.size ?? 0) > MAX_METADATA) throw new ImageError(ERR_IMAGE_ARCHIVE, `${name} in ${path.basename(file)} is too large`);
          const chunks: Buffer[] = [];
          for await (const c of entry) chunks.push(c as Buffer);
          meta.set(name, Buffer.concat(chunks));
        } else {
          let first: Buffer | undefined;
          const tap = async function* () {
            for await (const c of entry) {
              first ??= c as Buffer;
              yield c as Buffer;
            }
          };
          const ocimatch = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
          const { digest, size } = await store.writeBlob(tap(), ocimatch !== null ? { digest: 'sha256:' + ocimatch[1] } : undefined);
          store.acquire(digest);
          held.push(digest);
          members.set(name, { digest, size, gzip: first !== undefined && first[0] === 0x1f && first[1] === 0x8b });
        }
      }
      entry.resume();
    }
    await feeding;
  } catch (err) {
    src.destroy();
    if (err instanceof ImageError) throw err;
    throw new ImageError(ERR_IMAGE_ARCHIVE, `reading ${path.basename(file)}: ${(err as Error).message}`, { cause: err });
  }
}

function namesFromOci(desc: Descriptor, options: LoadArchiveOptions): { tags: string[]; untagged: string[] } {
  const a = desc.annotations ?? {};
  const full = a[ANNOTATION_CONTAINERD_NAME];
  if (full !== undefined) return { tags: [formatReference(parseReference(full))], untagged: [] };
  const rn = a[ANNOTATION_REF_NAME];
  if (rn === undefined) return { tags: options.name !== undefined ? [formatReference(parseReference(options.name))] : [], untagged: [] };
  if (isTag(rn) && !rn.includes('/')) {
    if (options.name === undefined) return { tags: [], untagged: [rn] };
    const base = parseReference(options.name);
    return { tags: [formatReference({ domain: base.domain, path: base.path, tag: rn })], untagged: [] };
  }
  return { tags: [formatReference(parseReference(rn))], untagged: [] };
}

async function loadOci(store: ImageStore, file: string, meta: Map<string, Buffer>, member: (n: string) => Member, options: LoadArchiveOptions): Promise<LoadedImage[]> {
  const top = parseManifestDocument(meta.get('index.json')!);
  if (top.kind !== 'index') throw new ImageError(ERR_IMAGE_ARCHIVE, `${path.basename(file)}: index.json is not an image index`);
  const out: LoadedImage[] = [];
  for (const desc of top.index.manifests) {
    const names = namesFromOci(desc, options);
    let mdesc = desc;
    const extraBlobs: string[] = [];
    if (isIndexMediaType(desc.mediaType)) {
      const inner = parseManifestDocument(await store.readBlob(member(`blobs/sha256/${desc.digest.slice(7)}`).digest));
      if (inner.kind !== 'index') throw new ImageError(ERR_IMAGE_ARCHIVE, `${desc.digest} is not an index`);
      mdesc = selectPlatform(inner.index);
      extraBlobs.push(desc.digest);
    } else if (desc.platform !== undefined && (desc.platform.os !== 'linux' || desc.platform.architecture !== 'amd64')) {
      continue;
    }
    member(`blobs/sha256/${mdesc.digest.slice(7)}`); // present (and verified on ingest)
    const parsed = parseManifestDocument(await store.readBlob(mdesc.digest));
    if (parsed.kind !== 'manifest') throw new ImageError(ERR_IMAGE_ARCHIVE, `${mdesc.digest} is not an image manifest`);
    const m = parsed.manifest;
    for (const l of [m.config, ...m.layers]) {
      const got = member(`blobs/sha256/${l.digest.slice(7)}`);
      if (got.size !== l.size) throw new ImageError(ERR_IMAGE_DIGEST, `blob ${l.digest} has ${got.size} bytes, manifest says ${l.size}`);
    }
    const repoDigests = names.tags.map((t) => repoDigest(parseReference(t), desc.digest));
    const record = await record_(store, m, mdesc.digest, m.mediaType ?? mdesc.mediaType, extraBlobs, names.tags, repoDigests);
    out.push({ record, untaggedRefNames: names.untagged });
  }
  if (out.length === 0) throw new ImageError(ERR_IMAGE_ARCHIVE, `${path.basename(file)} has no linux/amd64 image`);
  return out;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function isDockerManifest(v: unknown): v is DockerManifestEntry[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && typeof (e as DockerManifestEntry).Config === 'string' && Array.isArray((e as DockerManifestEntry).Layers));
}

async function loadDocker(store: ImageStore, file: string, meta: Map<string, Buffer>, member: (n: string) => Member, options: LoadArchiveOptions, held: string[]): Promise<LoadedImage[]> {
  const doc = parseJson(meta.get('manifest.json')!, 'manifest.json');
  if (!isDockerManifest(doc)) throw new ImageError(ERR_IMAGE_ARCHIVE, `${path.basename(file)}: manifest.json has no [{Config, Layers}]`);
  const out: LoadedImage[] = [];
  for (const e of doc) {
    const cfg = member(e.Config);
    const layers = e.Layers.map((l) => member(l));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_DOCKER_MANIFEST,
      config: { mediaType: MEDIA_DOCKER_CONFIG, digest: cfg.digest, size: cfg.size },
      layers: layers.map((l) => ({ mediaType: l.gzip ? MEDIA_DOCKER_LAYER_GZIP : MEDIA_DOCKER_LAYER_TAR, digest: l.digest, size: l.size })),
    };
    const { digest: mdigest } = await store.writeBlobBuffer(Buffer.from(JSON.stringify(manifest)));
    store.acquire(mdigest);
    held.push(mdigest);
    let tags = (e.RepoTags ?? []).map((t) => formatReference(parseReference(t)));
    if (tags.length === 0 && options.name !== undefined) tags = [formatReference(parseReference(options.name))];
    const record = await record_(store, manifest, mdigest, MEDIA_DOCKER_MANIFEST, [], tags, []);
    out.push({ record, untaggedRefNames: [] });
  }
  return out;
}

async function record_(store: ImageStore, m: Manifest, manifestDigest: string, mediaType: string, extraBlobs: string[], tags: string[], repoDigests: string[]): Promise<ImageRecord> {
  const cfg = parseImageConfig(await store.readBlob(m.config.digest));
  if (cfg.rootfs.diff_ids.length !== m.layers.length) {
    throw new ImageError(ERR_IMAGE_MANIFEST, `image ${m.config.digest}: ${m.layers.length} layers but ${cfg.rootfs.diff_ids.length} diff_ids`);
  }
  const layers: LayerRecord[] = m.layers.map((l, i) => ({ digest: l.digest, diffId: cfg.rootfs.diff_ids[i]!, size: l.size, mediaType: l.mediaType }));
  await Promise.all(layers.map((l) => store.ensureLayer(l)));
  return store.putImage({
    id: m.config.digest,
    manifestDigest,
    manifestMediaType: mediaType,
    extraBlobs,
    layers,
    repoTags: tags,
    repoDigests,
    size: m.config.size + layers.reduce((s, l) => s + l.size, 0),
    config: cfg.config ?? {},
    createdAt: Date.now(),
  });
}
