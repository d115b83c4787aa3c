// Certificates of the embedded etcd member, signed by the cluster CA (<data-dir>/tls/server-ca.*):
//
//   <data-dir>/tls/etcd/member.{crt,key}   serving (clients and peers) and peer client: the member's names
//   <data-dir>/tls/etcd/client.{crt,key}   the API server's client certificate for etcd
//
// Members require client certificates from that CA on both ports (--client-cert-auth,
// --peer-client-cert-auth), so only servers of this cluster reach etcd.
import { existsSync, readFileSync } from 'node:fs';
import { mkdirPrivate, writePrivateFile } from '../util/secure-fs.js';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';

export interface EtcdTlsPaths {
  caFile: string;
  memberCert: string;
  memberKey: string;
  clientCert: string;
  clientKey: string;
}

export function etcdTlsPaths(dataDir: string): EtcdTlsPaths {
  const dir = join(dataDir, 'tls', 'etcd');
  return {
    caFile: join(dataDir, 'tls', 'server-ca.crt'),
    memberCert: join(dir, 'member.crt'),
    memberKey: join(dir, 'member.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
}

function covers(pem: string, names: { dnsNames: string[]; ips: string[] }): boolean {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return names.dnsNames.every((d) => san.includes(`DNS:${d}`)) && names.ips.every((ip) => san.includes(`IP Address:${ip}`));
}

function complete(dataDir: string, names: { dnsNames: string[]; ips: string[] }): boolean {
  const p = etcdTlsPaths(dataDir);
  return [p.caFile, p.memberCert, p.memberKey, p.clientCert, p.clientKey].every((f) => existsSync(f)) && covers(readFileSync(p.memberCert, 'utf8'), names);
}

/** Mints what is missing (in this process; ensureEtcdCerts runs it in a child). */
export async function mintEtcdCerts(dataDir: string, names: { dnsNames: string[]; ips: string[] }): Promise<void> {
  const { signLeaf } = await import('../pki/index.js');
  const p = etcdTlsPaths(dataDir);
  mkdirPrivate(join(dataDir, 'tls', 'etcd'));
  const ca = { cert: readFileSync(p.caFile, 'utf8'), key: readFileSync(join(dataDir, 'tls', 'server-ca.key'), 'utf8') };
  const write = (crt: string, key: string, kp: { cert: string; key: string }): void => {
    writePrivateFile(crt, kp.cert, 0o644);
    writePrivateFile(key, kp.key, 0o600);
  };
  if (!existsSync(p.memberCert) || !covers(readFileSync(p.memberCert, 'utf8'), names)) {
    write(p.memberCert, p.memberKey, await signLeaf(ca, { commonName: 'k8ts-etcd-member', dnsNames: names.dnsNames, ips: names.ips, server: true, client: true }));
  }
  if (!existsSync(p.clientCert)) write(p.clientCert, p.clientKey, await signLeaf(ca, { commonName: 'k8ts-etcd-client', client: true }));
}

/** Makes sure the member and client certificates exist and name `names`; mints in a child process. */
export async function ensureEtcdCerts(dataDir: string, names: { dnsNames: string[]; ips: string[] }): Promise<EtcdTlsPaths> {
  if (!complete(dataDir, names)) {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL('./etcd-certs-generate.js', import.meta.url));
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [script, dataDir, JSON.stringify(names)], (err, _out, stderr) =>
        err ? reject(new Error(`etcd certificate generation failed: ${stderr.trim() || err.message}`)) : resolve(),
      );
    });
  }
  return etcdTlsPaths(dataDir);
}
