// The kubelet's streaming server (logs, exec, attach, port-forward); see README.md.
export { startKubeletServer, parseLogQuery, type KubeletServer } from './server.js';
export { readCriLog, parseCriLogLine, formatEntry, type CriLogEntry } from './cri-log-reader.js';
export {
  parseRemoteCommandOptions,
  exitStatus,
  Channel,
  WS_CHANNEL_PROTOCOLS,
  SPDY_CHANNEL_PROTOCOLS,
  NON_ZERO_EXIT_CODE_REASON,
  EXIT_CODE_CAUSE_TYPE,
  type RemoteCommandOptions,
  type RemoteCommandKind,
} from './remote-command.js';
export { PORT_FORWARD_PROTOCOL, PORT_FORWARD_WS_PROTOCOL } from './port-forward.js';
export { KUBE_APISERVER_KUBELET_CLIENT, type KubeletServerOptions, type LogOptions, type ResolvedContainer, type StreamingRuntime } from './types.js';
