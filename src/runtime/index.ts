// Public surface of the runtime component: the CRI-shaped interfaces and the factories.
export type * from './types.js';
export { OciRuntime, createOciRuntime, buildOciSpec, RuntimeError, type OciRuntimeOptions, type RootfsProvider } from './oci/index.js';
export { DirectBridgeNetwork, CniNetwork, createPodNetwork, type PodNetwork, type PodNetworkOptions } from './network/index.js';
export { MANAGED_HOSTS_HEADER } from './hosts-file.js';
