// Child process entry: mints the embedded etcd member's certificates from the cluster CA in
// <data-dir>/tls, then exits (the X.509 library never lives in the server itself).
// Usage: node etcd-certs-generate.js DATA_DIR '{"dnsNames":[...],"ips":[...]}'
import { mintEtcdCerts } from './etcd-certs.js';

const [dataDir, names] = process.argv.slice(2);
await mintEtcdCerts(dataDir!, JSON.parse(names!) as { dnsNames: string[]; ips: string[] });
