// The service proxy (kube-proxy's nftables mode, simplified): see proxy.ts, rules.ts and delta.ts.
export {
  startServiceProxy,
  serviceProxyRegistration,
  DEFAULT_PROXY_TABLE,
  type ServiceProxy,
  type ServiceProxyConfig,
  type SyncReport,
} from './proxy.js';
export { applyNft, runNft, readAffinityEntries, parseAffinityListing } from './nft.js';
export {
  renderProxyRules,
  compileRules,
  renderFullRules,
  usableEndpoints,
  servicePortId,
  hasNodePorts,
  MASQ_MARK,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  type CompiledRules,
  type ServicePortRules,
  type AffinityEntries,
  type ProxyState,
  type ProxyServicePort,
  type ProxyEndpoint,
  type ProxyProtocol,
} from './rules.js';
export { renderDeltaRules, type Delta, type DeltaCounts } from './delta.js';
export { buildServicePorts, servicePorts, nodeAddresses, LABEL_SERVICE_NAME } from './state.js';
