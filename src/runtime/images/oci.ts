// OCI / Docker v2 schema 2 media types and type guards for manifests, indexes and configs
// (trust boundary: everything here comes from registries or archives). Pure, no I/O.

import { createHash } from 'node:crypto';
import { ImageError } from './errors.js';
import type { ImageConfig } from '../types.js';
import { ERR_IMAGE_DIGEST, ERR_IMAGE_MANIFEST } from '../../util/error-codes.js';

export const MEDIA_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const MEDIA_DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const MEDIA_DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/** Sent on every manifest request: without the OCI types, distribution answers 404 for OCI manifests (runtime.md §2). */
export const MANIFEST_ACCEPT = [MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, MEDIA_DOCKER_LIST, MEDIA_DOCKER_MANIFEST].join(', ');

export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  created?: string;
  config?: ImageConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: unknown[];
}

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function digestHex(digest: string): string {
  if (!DIGEST_RE.test(digest)) throw new ImageError(ERR_IMAGE_DIGEST, `unsupported or malformed digest "${digest}"`);
  return digest.slice('sha256:'.length);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isDescriptor(v: unknown): v is Descriptor {
  return isRecord(v) && typeof v.mediaType === 'string' && typeof v.digest === 'string' && DIGEST_RE.test(v.digest) && typeof v.size === 'number';
}

export function parseJson(buf: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(buf.toString());
  } catch (err) {
    throw new ImageError(ERR_IMAGE_MANIFEST, `${what} is not valid JSON`, { cause: err });
  }
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MEDIA_OCI_INDEX || mt === MEDIA_DOCKER_LIST;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MEDIA_OCI_MANIFEST || mt === MEDIA_DOCKER_MANIFEST;
}

export type ParsedManifest = { kind: 'index'; index: Index } | { kind: 'manifest'; manifest: Manifest };

/**
 * Classifies a manifest document by (in order) its `mediaType` field, the HTTP Content-Type,
 * or its shape (`manifests` vs `layers`), and validates it.
 */
export function parseManifestDocument(body: Buffer, contentType?: string): ParsedManifest {
  const doc = parseJson(body, 'manifest');
  if (!isRecord(doc)) throw new ImageError(ERR_IMAGE_MANIFEST, 'manifest is not a JSON object');
  const mt = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  const looksIndex = Array.isArray(doc.manifests);
  if (isIndexMediaType(mt) || (!isManifestMediaType(mt) && looksIndex)) {
    if (!Array.isArray(doc.manifests) || !doc.manifests.every(isDescriptor)) {
      throw new ImageError(ERR_IMAGE_MANIFEST, 'image index has malformed "manifests"');
    }
    return { kind: 'index', index: doc as unknown as Index };
  }
  if (isManifestMediaType(mt) || Array.isArray(doc.layers)) {
    if (doc.schemaVersion !== 2) throw new ImageError(ERR_IMAGE_MANIFEST, `unsupported manifest schemaVersion ${String(doc.schemaVersion)} (schema 1 is not supported)`);
    if (!isDescriptor(doc.config) || !Array.isArray(doc.layers) || !doc.layers.every(isDescriptor)) {
      throw new ImageError(ERR_IMAGE_MANIFEST, 'image manifest has malformed "config" or "layers"');
    }
    return { kind: 'manifest', manifest: doc as unknown as Manifest };
  }
  throw new ImageError(ERR_IMAGE_MANIFEST, `unsupported manifest media type "${mt ?? 'unknown'}"`);
}

/** Picks linux/amd64 from an index (variant ignored; first match wins). */
export function selectPlatform(index: Index, want: Platform = { os: 'linux', architecture: 'amd64' }): Descriptor {
  const match = index.manifests.find(
    (d) => d.platform !== undefined && d.platform.os === want.os && d.platform.architecture === want.architecture,
  );
  if (match !== undefined) return match;
  // Indexes without platform info (e.g. single-image OCI layouts) — take the only manifest.
  const manifests = index.manifests.filter((d) => isManifestMediaType(d.mediaType));
  if (manifests.length === 1 && manifests[0]!.platform === undefined) return manifests[0]!;
  const have = index.manifests.map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : 'unknown')).join(', ');
  throw new ImageError(ERR_IMAGE_MANIFEST, `no manifest for ${want.os}/${want.architecture} in image index (has: ${have || 'none'})`);
}

export function parseImageConfig(body: Buffer): ImageConfigFile {
  const doc = parseJson(body, 'image config');
  if (!isRecord(doc) || !isRecord(doc.rootfs) || !Array.isArray(doc.rootfs.diff_ids) || !doc.rootfs.diff_ids.every((d) => typeof d === 'string' && DIGEST_RE.test(d))) {
    throw new ImageError(ERR_IMAGE_MANIFEST, 'image config has no valid rootfs.diff_ids');
  }
  if (doc.config !== undefined && doc.config !== null && !isRecord(doc.config)) {
    throw new ImageError(ERR_IMAGE_MANIFEST, 'image config "config" is not an object');
  }
  return doc as unknown as ImageConfigFile;
}
