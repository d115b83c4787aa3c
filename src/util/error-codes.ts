// Every `code` an internal error of ours carries, in one list (STYLE §5). The scheme is
// Node's: `ERR_<AREA>_<WHAT>`, upper case, stable once released. Errors that cross the API
// boundary are StatusErrors (src/api/status.ts) and carry a Kubernetes `reason` instead;
// codes here are for errors that stay inside the process (logs, retries, checks such as
// isStorageError(e, ERR_STORAGE_CONFLICT)). Node's own codes (ABORT_ERR, ECONNRESET,
// ERR_STREAM_PREMATURE_CLOSE, ...) are not listed: they are Node's.
//
// To add one: a constant below with a line saying when it is thrown, and the error class
// that uses it narrows its `code` to the union of its area's constants.

// ---- bugs (src/util/bug-error.ts) ----
/** Our own code is wrong (an impossible state, an exhaustive switch that was not). */
export const ERR_BUG = 'ERR_BUG';

// ---- storage (src/storage: StorageError) ----
/** create of a key that already exists. */
export const ERR_STORAGE_KEY_EXISTS = 'ERR_STORAGE_KEY_EXISTS';
/** update/delete of a key that does not exist. */
export const ERR_STORAGE_KEY_NOT_FOUND = 'ERR_STORAGE_KEY_NOT_FOUND';
/** update/delete whose expected modRevision is not the key's current one. */
export const ERR_STORAGE_CONFLICT = 'ERR_STORAGE_CONFLICT';
/** read or watch at a revision compaction removed (410 Gone upstream). */
export const ERR_STORAGE_COMPACTED = 'ERR_STORAGE_COMPACTED';
/** read or compaction at a revision newer than the current one. */
export const ERR_STORAGE_FUTURE_REVISION = 'ERR_STORAGE_FUTURE_REVISION';
/** the store was closed; watches end with it and later calls fail. */
export const ERR_STORAGE_CLOSED = 'ERR_STORAGE_CLOSED';
/** the backend cannot serve (I/O error, locked database, revision not reached in time). */
export const ERR_STORAGE_UNAVAILABLE = 'ERR_STORAGE_UNAVAILABLE';

// ---- API model (src/api) ----
/** a quantity string that does not match upstream's grammar (QuantityParseError). */
export const ERR_QUANTITY_FORMAT = 'ERR_QUANTITY_FORMAT';
/** an object that cannot be converted to the requested version (ConversionError). */
export const ERR_CONVERSION_FAILED = 'ERR_CONVERSION_FAILED';
/** JSON that cannot be put on the protobuf wire (ProtobufEncodeError). */
export const ERR_PROTOBUF_ENCODE = 'ERR_PROTOBUF_ENCODE';

// ---- SPDY streaming (src/util/spdy: SpdyProtocolError) ----
/** a peer broke the SPDY/3.1 framing rules. */
export const ERR_SPDY_PROTOCOL = 'ERR_SPDY_PROTOCOL';

// ---- DNS (src/dns: DnsFormatError) ----
/** a DNS message that cannot be parsed or encoded (answered with FORMERR). */
export const ERR_DNS_FORMAT = 'ERR_DNS_FORMAT';

// ---- images (src/runtime/images: ImageError) ----
/** an image reference that does not parse. */
export const ERR_IMAGE_REFERENCE = 'ERR_IMAGE_REFERENCE';
/** the image (or a manifest/blob of it) is not in the store or registry. */
export const ERR_IMAGE_NOT_FOUND = 'ERR_IMAGE_NOT_FOUND';
/** content whose digest does not match the one asked for. */
export const ERR_IMAGE_DIGEST = 'ERR_IMAGE_DIGEST';
/** a manifest, index or config that is malformed or unsupported. */
export const ERR_IMAGE_MANIFEST = 'ERR_IMAGE_MANIFEST';
/** a pull that failed for another reason (network, registry error). */
export const ERR_IMAGE_PULL = 'ERR_IMAGE_PULL';
/** the registry refused our credentials or token. */
export const ERR_IMAGE_AUTH = 'ERR_IMAGE_AUTH';
/** a layer entry that would write outside the root filesystem. */
export const ERR_IMAGE_UNSAFE_PATH = 'ERR_IMAGE_UNSAFE_PATH';
/** a layer that cannot be unpacked. */
export const ERR_IMAGE_UNPACK = 'ERR_IMAGE_UNPACK';
/** an image archive (docker save / OCI layout tar) that cannot be read. */
export const ERR_IMAGE_ARCHIVE = 'ERR_IMAGE_ARCHIVE';
/** removal of an image a container still uses. */
export const ERR_IMAGE_IN_USE = 'ERR_IMAGE_IN_USE';
/** a layer past a limit (compressed or uncompressed size, compression ratio, entries; images/limits.ts). */
export const ERR_IMAGE_TOO_LARGE = 'ERR_IMAGE_TOO_LARGE';
/** the kubelet's check of a pod's image name failed (InvalidImageName upstream). */
export const ERR_IMAGE_INVALID_NAME = 'ERR_IMAGE_INVALID_NAME';

// ---- container runtime (src/runtime: RuntimeError) ----
/** a host tool (runc, conmon, nft, ip, ...) exited non-zero or could not be spawned. */
export const ERR_RUNTIME_COMMAND = 'ERR_RUNTIME_COMMAND';
/** the sandbox or container id is unknown. */
export const ERR_RUNTIME_NOT_FOUND = 'ERR_RUNTIME_NOT_FOUND';
/** a request the runtime cannot honour (bad state, bad config). */
export const ERR_RUNTIME_INVALID = 'ERR_RUNTIME_INVALID';
/** no free address left in the node's pod CIDR. */
export const ERR_RUNTIME_IPAM_EXHAUSTED = 'ERR_RUNTIME_IPAM_EXHAUSTED';
/** a pod cgroup cannot be made ready (cgroup v2: a controller not delegated or not enableable). */
export const ERR_RUNTIME_CGROUP = 'ERR_RUNTIME_CGROUP';
/** a failure the kubelet's fake runtime was told to produce (tests only). */
export const ERR_RUNTIME_FAKE = 'ERR_RUNTIME_FAKE';

// ---- kubelet: volumes and container config (src/kubelet) ----
/** a volume failed to set up for a pod (FailedMount event; MountError). */
export const ERR_VOLUME_MOUNT = 'ERR_VOLUME_MOUNT';
/** a volume plugin could not set its volume up (VolumeSetUpError). */
export const ERR_VOLUME_SETUP = 'ERR_VOLUME_SETUP';
/** a projected file path that is absolute, too long or climbs out (PathError). */
export const ERR_VOLUME_PATH = 'ERR_VOLUME_PATH';
/** a container's env or volume source is missing (CreateContainerConfigError). */
export const ERR_CONTAINER_CONFIG = 'ERR_CONTAINER_CONFIG';
/** a downward API field or resource reference that cannot be resolved. */
export const ERR_CONTAINER_DOWNWARD_API = 'ERR_CONTAINER_DOWNWARD_API';

export type StorageErrorCode =
  | typeof ERR_STORAGE_KEY_EXISTS
  | typeof ERR_STORAGE_KEY_NOT_FOUND
  | typeof ERR_STORAGE_CONFLICT
  | typeof ERR_STORAGE_COMPACTED
  | typeof ERR_STORAGE_FUTURE_REVISION
  | typeof ERR_STORAGE_CLOSED
  | typeof ERR_STORAGE_UNAVAILABLE;

export type ImageErrorCode =
  | typeof ERR_IMAGE_REFERENCE
  | typeof ERR_IMAGE_NOT_FOUND
  | typeof ERR_IMAGE_DIGEST
  | typeof ERR_IMAGE_MANIFEST
  | typeof ERR_IMAGE_PULL
  | typeof ERR_IMAGE_AUTH
  | typeof ERR_IMAGE_UNSAFE_PATH
  | typeof ERR_IMAGE_UNPACK
  | typeof ERR_IMAGE_ARCHIVE
  | typeof ERR_IMAGE_IN_USE
  | typeof ERR_IMAGE_TOO_LARGE;

export type RuntimeErrorCode =
  | typeof ERR_RUNTIME_COMMAND
  | typeof ERR_RUNTIME_NOT_FOUND
  | typeof ERR_RUNTIME_INVALID
  | typeof ERR_RUNTIME_IPAM_EXHAUSTED
  | typeof ERR_RUNTIME_CGROUP;

// ---- audit log (src/apiserver/audit) ----
/** the audit policy file is missing, does not parse or breaks a Policy rule (AuditPolicyError). */
export const ERR_AUDIT_POLICY = 'ERR_AUDIT_POLICY';
