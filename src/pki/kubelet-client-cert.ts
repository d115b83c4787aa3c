// The client certificate the API server presents to kubelets (upstream's
// `apiserver-kubelet-client.crt`): CN system:kube-apiserver-kubelet-client, O system:masters,
// signed by the cluster CA. Kubelets' streaming servers accept only this identity.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdirPrivate, writePrivateFile } from '../util/secure-fs.js';
import { join } from 'node:path';
import { signLeaf, type KeyPairPem } from './certs.js';

export const KUBELET_CLIENT_CN = 'system:kube-apiserver-kubelet-client';
export const KUBELET_CLIENT_ORG = 'system:masters';

function signedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && cert.subject.includes(`CN=${KUBELET_CLIENT_CN}`) && Date.parse(cert.validTo) > Date.now();
  } catch {
    return false;
  }
}

/** Loads `<dataDir>/tls/apiserver-kubelet-client.{crt,key}`, minting it when missing or stale. */
export async function ensureKubeletClientCert(dataDir: string, ca: KeyPairPem): Promise<KeyPairPem> {
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'apiserver-kubelet-client.crt');
  const keyPath = join(dir, 'apiserver-kubelet-client.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const have = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
    if (signedBy(have.cert, ca.cert)) return have;
  }
  mkdirPrivate(dir);
  const kp = await signLeaf(ca, { commonName: KUBELET_CLIENT_CN, organizations: [KUBELET_CLIENT_ORG], client: true });
  writePrivateFile(certPath, kp.cert, 0o644);
  writePrivateFile(keyPath, kp.key);
  return kp;
}
