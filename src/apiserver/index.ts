export { startApiServer, adminKubeconfig, type ApiServerOptions, type RunningApiServer } from './server.js';
export { ApiServerCore, SERVER_VERSION, type KubeletProxy } from './core.js';
export type { ResourceRequest } from './handlers/shared.js';
