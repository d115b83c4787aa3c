export { OciImageService, toInfo, type OciImageServiceOptions } from './image-service.js';
export { ImageStore, type ImageRecord, type LayerRecord, type GcResult } from './store.js';
export { ImageError, isImageError, type ImageErrorCode } from './errors.js';
export {
  parseReference,
  normalizeReference,
  formatReference,
  familiarName,
  repositoryName,
  repoDigest,
  type ImageReference,
} from './reference.js';
export {
  parseRegistriesYaml,
  loadRegistriesConfig,
  endpointsFor,
  authFromDockerConfig,
  EMPTY_REGISTRIES,
  type RegistriesConfig,
  type Endpoint,
} from './registries.js';
export { RegistryClient, pullImage as pullImageToStore, type PullTimings } from './registry.js';
export { loadArchive, type LoadArchiveOptions, type LoadedImage } from './archive.js';
export { unpackLayer, unpackLayerFile, setOpaqueXattr, detectCompression, type UnpackOptions, type UnpackResult, type WhiteoutMode, type LayerCompression } from './unpack.js';
export { DEFAULT_LAYER_LIMITS, layerLimits, type LayerLimits } from './limits.js';
export { serveImageControl, callImageControl } from './control-socket.js';
