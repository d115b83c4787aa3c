// The cluster PKI: the CA and the certificates it signs (serving, clients, kubelets), the API
// server's client certificate for kubelets, and the join token that pins the CA for agents.
// Used by the API server (serving, join), the kubelet (its serving certificate), the Ingress
// controller (its fallback certificate) and the agent (join). Node's crypto only; the X.509
// library loads lazily, when a certificate is minted.
export { createCA, signLeaf, generatePki, ensurePki, type KeyPairPem, type LeafOptions, type ClusterPki } from './certs.js';
export { ensureKubeletClientCert, KUBELET_CLIENT_CN, KUBELET_CLIENT_ORG } from './kubelet-client-cert.js';
export { caHashOf, newJoinToken, parseJoinToken, credentialMatches, type JoinToken, type JoinResponse } from './join-token.js';
