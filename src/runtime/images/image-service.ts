// The oci runtime's ImageService: pull (mirrors, auth), status, list, remove, plus archive loading
// and the overlayfs lowerdirs of an image for container roots.
//
//   pullImage(ref) ──┬─ same ref already pulling? ─▶ share that promise
//                    └─ endpointsFor(registries.yaml, ref) ─▶ pullImage (registry.ts) ─▶ store
//   loadArchive(file) ─▶ archive.ts ─▶ store
//   imageLayers(id)   ─▶ store.imageLayers: ["<root>/layers/<top diffid>", …, "<root>/layers/<base>"]

import { ImageError } from './errors.js';
import { loadArchive, type LoadArchiveOptions } from './archive.js';
import { formatReference, parseReference } from './reference.js';
import { EMPTY_REGISTRIES, endpointsFor, loadRegistriesConfig, type RegistriesConfig } from './registries.js';
import { pullImage, type PullTimings } from './registry.js';
import { ImageStore, type GcResult, type ImageRecord } from './store.js';
import type { LayerLimits } from './limits.js';
import type { ImageInfo, ImageService, ImageSpec, PullAuth } from '../types.js';
import { ERR_IMAGE_NOT_FOUND } from '../../util/error-codes.js';

export interface OciImageServiceOptions {
  /** Store root, e.g. `<data-dir>/images`. */
  root: string;
  /** Parsed registries.yaml, or a path to it. */
  registries?: RegistriesConfig | string;
  /** Do not fall back to the upstream registry after the mirrors (k3s --disable-default-registry-endpoint). */
  disableDefaultEndpoint?: boolean;
  /** Per-request timeout (headers, idle socket), default 30 s. */
  timeoutMs?: number;
  /** Per-layer size, compression-ratio and entry limits (limits.ts); defaults for what is not given. */
  layerLimits?: Partial<LayerLimits>;
  /** Called after each pull (events, metrics, benchmarks). */
  onPulled?: (ref: string, info: ImageInfo, timings: PullTimings) => void;
}

export class OciImageService implements ImageService {
  private readonly inflight = new Map<string, Promise<ImageInfo>>();

  private constructor(
    readonly store: ImageStore,
    private readonly registries: RegistriesConfig,
    private readonly opts: OciImageServiceOptions,
  ) {}

  static async open(opts: OciImageServiceOptions): Promise<OciImageService> {
    const store = await ImageStore.open(opts.root, { limits: opts.layerLimits });
    const reg = typeof opts.registries === 'string' ? await loadRegistriesConfig(opts.registries) : (opts.registries ?? EMPTY_REGISTRIES);
    return new OciImageService(store, reg, opts);
  }

  /** Pulls (always — the kubelet applies imagePullPolicy); concurrent pulls of one ref share one download. */
  pullImage(image: ImageSpec, auth?: PullAuth, signal?: AbortSignal): Promise<ImageInfo> {
    const ref = parseReference(image.ref);
    const key = formatReference(ref);
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const p = (async () => {
      const endpoints = endpointsFor(this.registries, ref, auth, { disableDefaultEndpoint: this.opts.disableDefaultEndpoint ?? false });
      const { record, timings } = await pullImage(this.store, ref, endpoints, {
        ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
      const info = toInfo(record);
      this.opts.onPulled?.(key, info, timings);
      return info;
    })();
    this.inflight.set(key, p);
    p.then(
      () => this.inflight.delete(key),
      () => this.inflight.delete(key),
    );
    return p;
  }

  /** By tag, repo digest or image id (`sha256:…`, or a hex prefix ≥ 12). */
  async imageStatus(image: ImageSpec): Promise<ImageInfo | undefined> {
    const rec = this.store.resolve(image.ref);
    return rec === undefined ? undefined : toInfo(rec);
  }

  async listImages(): Promise<ImageInfo[]> {
    return this.store.listImages().map(toInfo);
  }

  /**
   * Removes a tag (the image goes with its last tag) or, by id/repo digest, the whole image, then
   * deletes unreferenced blobs and layers. Removing an unknown image is not an error (CRI).
   */
  async removeImage(image: ImageSpec): Promise<void> {
    await this.store.removeImage(image.ref);
  }

  async loadArchive(file: string, options: LoadArchiveOptions = {}): Promise<ImageInfo[]> {
    const loaded = await loadArchive(this.store, file, options);
    return loaded.map((l) => toInfo(l.record));
  }

  /** overlayfs lowerdirs for an image (id or ref), top-most layer first. */
  imageLayers(imageIdOrRef: string): string[] {
    return this.store.imageLayers(imageIdOrRef);
  }

  /** The image's id for a ref it knows, or throws ERR_IMAGE_NOT_FOUND. */
  resolveImageId(ref: string): string {
    const rec = this.store.resolve(ref);
    if (rec === undefined) throw new ImageError(ERR_IMAGE_NOT_FOUND, `image ${ref} not found`);
    return rec.id;
  }

  gc(): Promise<GcResult> {
    return this.store.gc();
  }
}

export function toInfo(rec: ImageRecord): ImageInfo {
  return {
    id: rec.id,
    repoTags: [...rec.repoTags],
    repoDigests: [...rec.repoDigests],
    sizeBytes: rec.size,
    config: rec.config,
  };
}
