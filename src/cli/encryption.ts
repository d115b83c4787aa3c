// Which EncryptionConfiguration `k8ts server` uses (see src/apiserver/README.md, "Encryption at rest"):
//   --encryption-provider-config FILE            that file
//   else <data-dir>/encryption-config.json        when present (k8ts wrote it for this cluster)
//   else, for a NEW cluster on sqlite or memory   a fresh one there (aescbc, random key, 0600),
//                                                 like k3s --secrets-encryption
//   else (an existing cluster, or etcd)           none: values are stored as they are
// With an etcd datastore several servers share the data, so each must be given the same file;
// k8ts does not invent a key another server could not read.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEncryptionConfig, defaultEncryptionConfigText, type EncryptionConfig } from '../apiserver/index.js';
import { writePrivateFile } from '../util/secure-fs.js';
import { CliError } from './errors.js';

export const DEFAULT_ENCRYPTION_CONFIG = 'encryption-config.json';

export interface EncryptionChoice {
  config?: EncryptionConfig;
  /** The file it came from. */
  path?: string;
  /** True when k8ts wrote the file just now (a new cluster). */
  generated: boolean;
}

export async function resolveEncryption(o: { flag?: string; dataDir: string; datastore: string; newCluster: boolean }): Promise<EncryptionChoice> {
  let path = o.flag;
  let generated = false;
  if (!path) {
    const own = join(o.dataDir, DEFAULT_ENCRYPTION_CONFIG);
    if (existsSync(own)) path = own;
    else if (o.newCluster && (o.datastore === 'sqlite' || o.datastore === 'memory')) {
      writePrivateFile(own, defaultEncryptionConfigText());
      path = own;
      generated = true;
    } else return { generated };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the encryption provider config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return { config: await loadEncryptionConfig(text), path, generated };
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
}
