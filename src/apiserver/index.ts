export { startApiServer, adminKubeconfig, type ApiServerOptions, type RunningApiServer } from './server.js';
export { ApiServerCore, SERVER_VERSION, METRICS_CONTENT_TYPE, type KubeletProxy } from './core.js';
export type { ResourceRequest } from './handlers/shared.js';
export { JOIN_PATH, CACERTS_PATH, SERVER_JOIN_PATH, SERVER_CACERTS_PATH, type JoinResponse, type ServerJoinOptions } from './join.js';
export { cidrRange } from './registry/allocator.js';
export { parseLevelVersion, defaultPodSecurityConfig, type PodSecurityConfig, type AdmissionOptions } from './admission/index.js';
export { loadEncryptionConfig, defaultEncryptionConfigText, ENCRYPTED_PREFIX, type EncryptionConfig } from './encryption/index.js';

export { DEFAULT_API_LIMITS, type ApiLimits } from './limits/limits.js';
export type { AuditOptions } from './audit/options.js';

export { DEFAULT_HISTORY_EXCLUDE, type HistoryOptions } from './history/recorder.js';
