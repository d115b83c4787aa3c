// Child process entry: mints the missing certificates and keys in a data dir, then exits.
// Usage: node pki-generate.js DATA_DIR '{"dnsNames":[...],"ips":[...]}'
import { generatePki } from './certs.js';

const [dataDir, names] = process.argv.slice(2);
await generatePki(dataDir, JSON.parse(names) as { dnsNames: string[]; ips: string[] });
