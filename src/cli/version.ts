// The k8ts version (from package.json) and the version of the data-dir format it writes.
import { readFileSync } from 'node:fs';

/** Bump when a data dir written by this k8ts cannot be read by an older one. */
export const DATA_FORMAT_VERSION = 1;

function readVersion(): string {
  try {
    // dist/src/cli/version.js → the repository's package.json
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const K8TS_VERSION = readVersion();
