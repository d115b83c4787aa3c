// The cluster PKI: the CA and the certificates it signs (serving, clients, kubelets), the API
// server's client certificate for kubelets, and the join token that pins the CA for agents.
// Used by the API server (serving, join), the kubelet (its serving certificate), the Ingress
// controller (its fallback certificate) and the agent (join). Node's crypto only; the X.509
// library loads lazily, when a certificate is minted.
export { createCA, signLeaf, generatePki, ensurePki, type KeyPairPem, type LeafOptions, type ClusterPki } from './certs.js';
export { ensureKubeletClientCert, KUBELET_CLIENT_CN, KUBELET_CLIENT_ORG } from './kubelet-client-cert.js';
export { CACERTS_PATH, JOIN_PATH, RENEW_PATH, caHashOf, newJoinToken, bootstrapJoinToken, parseJoinToken, credentialMatches, type JoinToken, type JoinResponse } from './join-token.js';
export {
  parseBootstrapToken, newBootstrapToken, bootstrapTokenSecret, bootstrapTokenSecretName, bootstrapTokenProblem, decodeSecretData, isBootstrapTokenId,
  BOOTSTRAP_TOKEN_SECRET_TYPE, BOOTSTRAP_TOKEN_SECRET_PREFIX, BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapToken,
} from './bootstrap-token.js';
