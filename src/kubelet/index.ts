// Public surface of the kubelet: the node agent and the log helpers the streaming server
// uses. Test doubles (FakeRuntime, the harness) are in ./testing/index.js.
export { startKubelet, type Kubelet, type KubeletOptions, type ResolvedContainer } from './kubelet.js';
export {
  containerLogPath, podLogDir, findContainerLog, readContainerLog, parseCriLine, CriLogDecoder,
  type LogOptions, type CriLogLine, type PodRef,
} from './logs/container-log.js';
export { KUBELET_VERSION, EVENT, WAITING, COND } from './constants.js';
