// Public surface of src/etcd: the embedded etcd member (k8ts server --cluster-init / --server),
// its snapshots, and the paths the CLI needs. Loaded only when a server runs embedded etcd or
// the etcd-snapshot / etcd-member commands run.
export { startEmbeddedEtcd, ensureServerToken, parseServerToken, type EmbeddedEtcd, type EmbeddedEtcdOptions, type ServerJoinAnswer } from './embedded.js';
export { EtcdMember, memberIdentity, memberHealthy, hasMemberData, memberDataDir, DEFAULT_ETCD_CLIENT_PORT, DEFAULT_ETCD_PEER_PORT, ETCD_BIN, type MemberIdentity } from './member.js';
export { etcdTlsPaths, ensureEtcdCerts, type EtcdTlsPaths } from './etcd-certs.js';
export { saveSnapshot, restoreSnapshot, ETCDCTL_BIN } from './snapshot.js';
