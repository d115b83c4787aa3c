// Errors of the image service. One class with a stable `code` (STYLE §5):
//
//   ERR_IMAGE_REFERENCE       the reference does not parse
//   ERR_IMAGE_NOT_FOUND       no such image in the store
//   ERR_IMAGE_DIGEST          content does not match its digest (download, archive or store)
//   ERR_IMAGE_MANIFEST        manifest/index/config malformed, unsupported media type, no linux/amd64
//   ERR_IMAGE_PULL            every endpoint failed (the message lists each endpoint and its error)
//   ERR_IMAGE_AUTH            registry refused the credentials (401/403)
//   ERR_IMAGE_UNSAFE_PATH     a layer entry tries to escape its directory (.., absolute, via symlink, hardlink outside)
//   ERR_IMAGE_UNPACK          a layer could not be unpacked (tool missing, I/O)
//   ERR_IMAGE_ARCHIVE         an archive is neither a docker-archive nor an OCI layout, or is incomplete
//   ERR_IMAGE_IN_USE          reserved for callers that refuse to remove images used by containers

export type ImageErrorCode =
  | 'ERR_IMAGE_REFERENCE'
  | 'ERR_IMAGE_NOT_FOUND'
  | 'ERR_IMAGE_DIGEST'
  | 'ERR_IMAGE_MANIFEST'
  | 'ERR_IMAGE_PULL'
  | 'ERR_IMAGE_AUTH'
  | 'ERR_IMAGE_UNSAFE_PATH'
  | 'ERR_IMAGE_UNPACK'
  | 'ERR_IMAGE_ARCHIVE'
  | 'ERR_IMAGE_IN_USE';

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
