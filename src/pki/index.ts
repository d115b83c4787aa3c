// The cluster PKI: the CA and the certificates it signs (serving, clients, kubelets) and the
// join token that pins the CA for agents.
// Used by the API server (serving, join), the kubelet (its serving certificate), the Ingress
// controller (its fallback certificate) and the agent (join). Node's crypto only; the X.509
// library loads lazily, when a certificate is minted. The API server's client certificate for
// kubelets is the surface kubelet-client-cert.ts: the CLI loads it only when a node joins.
export { createCA, signLeaf, generatePki, ensurePki, type KeyPairPem, type LeafOptions, type ClusterPki } from './certs.js';
export { CACERTS_PATH, JOIN_PATH, RENEW_PATH, SERVER_CACERTS_PATH, SERVER_JOIN_PATH, caHashOf, newJoinToken, bootstrapJoinToken, parseJoinToken, credentialMatches, type JoinToken, type JoinResponse } from './join-token.js';
export {
  parseBootstrapToken, newBootstrapToken, bootstrapTokenSecret, bootstrapTokenSecretName, bootstrapTokenProblem, decodeSecretData, isBootstrapTokenId,
  BOOTSTRAP_TOKEN_SECRET_TYPE, BOOTSTRAP_TOKEN_SECRET_PREFIX, BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapToken,
} from './bootstrap-token.js';
