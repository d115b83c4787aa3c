// Public surface of the kubelet: the node agent and the log-path helpers; reading logs is the
// streaming server's job (server/cri-log-reader.ts). Test doubles are in ./testing/index.js.
export { startKubelet, type Kubelet, type KubeletOptions, type ResolvedContainer } from './kubelet.js';
export {
  containerLogPath, podLogDir, findContainerLog,
  type PodRef,
} from './logs/container-log.js';
export { KUBELET_VERSION, EVENT, WAITING, COND } from './constants.js';
