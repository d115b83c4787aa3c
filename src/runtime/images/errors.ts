// Errors of the image service: one class with a stable `code` (STYLE §5), one of the
// ERR_IMAGE_* constants listed (with what each means) in src/util/error-codes.ts.

export type { ImageErrorCode } from '../../util/error-codes.js';
import type { ImageErrorCode } from '../../util/error-codes.js';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isImageError(err: unknown, code?: ImageErrorCode): err is ImageError {
  return err instanceof ImageError && (code === undefined || err.code === code);
}
