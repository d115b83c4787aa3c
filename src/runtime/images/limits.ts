// Limits on one image layer, so a hostile image cannot fill the disk or the memory of the node
// (a gzip or zstd bomb: a few MB that inflate to terabytes; a tar of millions of empty files).
// Checked while streaming: the download stops at the first byte past the compressed limit or
// the descriptor's size, the unpack at the first byte (or entry) past the others, and nothing
// of the layer is kept (store.ts removes the temporary blob or layer directory).
//
//   compressed bytes ──▶ maxCompressedBytes, descriptor size   (store.writeBlob)
//   uncompressed bytes ─▶ maxUncompressedBytes                 (unpack.ts, counted after gunzip/zstd)
//                      └▶ maxCompressionRatio once past ratioFloorBytes
//   tar entries ───────▶ maxEntries
//
// The ratio cap is what stops a bomb early: real layers compress well under 20:1 (text and
// binaries), gzip cannot exceed ~1032:1, so 250:1 past 128 MiB refuses bombs after writing at
// most 128 MiB while a small layer of zeros (a sparse file, an empty disk image) still passes.
import { ImageError } from './errors.js';
import { ERR_IMAGE_TOO_LARGE } from '../../util/error-codes.js';

export interface LayerLimits {
  /** Compressed size of one layer blob as downloaded (default 10 GiB). */
  maxCompressedBytes: number;
  /** Uncompressed size of one layer (default 10 GiB). */
  maxUncompressedBytes: number;
  /** Uncompressed:compressed ratio allowed once the layer is past ratioFloorBytes (default 250). */
  maxCompressionRatio: number;
  /** Uncompressed size from which the ratio is enforced (default 128 MiB). */
  ratioFloorBytes: number;
  /** Tar entries in one layer (default 1,000,000). */
  maxEntries: number;
}

const GiB = 1024 ** 3;

export const DEFAULT_LAYER_LIMITS: Readonly<LayerLimits> = Object.freeze({
  maxCompressedBytes: 10 * GiB,
  maxUncompressedBytes: 10 * GiB,
  maxCompressionRatio: 250,
  ratioFloorBytes: 128 * 1024 ** 2,
  maxEntries: 1_000_000,
});

export function layerLimits(partial?: Partial<LayerLimits>): LayerLimits {
  return { ...DEFAULT_LAYER_LIMITS, ...partial };
}

function mib(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(n % GiB === 0 ? 0 : 1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/**
 * Throws ERR_IMAGE_TOO_LARGE when `uncompressed` bytes out of `compressed` bytes read break a
 * limit. Pure: the unpacker calls it after every chunk.
 */
export function checkInflation(what: string, compressed: number, uncompressed: number, l: LayerLimits): void {
  if (uncompressed > l.maxUncompressedBytes) {
    throw new ImageError(ERR_IMAGE_TOO_LARGE, `${what} is larger than ${mib(l.maxUncompressedBytes)} uncompressed; refusing it`);
  }
  if (compressed > 0 && uncompressed > l.ratioFloorBytes && uncompressed / compressed > l.maxCompressionRatio) {
    throw new ImageError(
      ERR_IMAGE_TOO_LARGE,
      `${what} inflates more than ${l.maxCompressionRatio}:1 (${mib(uncompressed)} from ${Math.max(1, Math.round(compressed / 1024))} KiB compressed): a decompression bomb; refusing it`,
    );
  }
}

export function checkEntries(what: string, entries: number, l: LayerLimits): void {
  if (entries > l.maxEntries) throw new ImageError(ERR_IMAGE_TOO_LARGE, `${what} has more than ${l.maxEntries} entries; refusing it`);
}
