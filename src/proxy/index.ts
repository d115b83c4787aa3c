// The service proxy (kube-proxy's nftables mode, simplified): see proxy.ts and rules.ts.
export {
  startServiceProxy,
  serviceProxyRegistration,
  applyNft,
  DEFAULT_PROXY_TABLE,
  type ServiceProxy,
  type ServiceProxyConfig,
} from './proxy.js';
export {
  renderProxyRules,
  usableEndpoints,
  servicePortId,
  hasNodePorts,
  MASQ_MARK,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  type ProxyState,
  type ProxyServicePort,
  type ProxyEndpoint,
  type ProxyProtocol,
} from './rules.js';
export { buildServicePorts, servicePorts, nodeAddresses, LABEL_SERVICE_NAME } from './state.js';
