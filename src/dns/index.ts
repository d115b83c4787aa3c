// Cluster DNS: the public surface. See README.md.
export { startClusterDns, type ClusterDns, type ClusterDnsOptions } from './server.js';
export { podResolvConf, parseResolvConf, upstreamsFromResolvConf, hostUpstreams, type DnsPolicy, type PodResolvConfOptions } from './resolv-conf.js';
export { RecordIndex, recordsForService, recordsForPod, dashedIP, endpointLabel, type RecordSet, type NamedRecords } from './records.js';
export { answerQuery, insecurePodIP, DEFAULT_TTL, DNS_SCHEMA_VERSION } from './answer.js';
export { Forwarder, parseUpstream, type Upstream } from './forwarder.js';
export * from './wire.js';
