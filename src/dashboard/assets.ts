// The page's static files, bundled at build time (scripts/build-dashboard.mjs) into
// dist/src/dashboard/assets/. Read from disk the first time each is asked for, kept with its
// gzip form, so a server whose dashboard nobody opens holds none of it.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the build puts the bundle: beside this module's compiled file. */
export const DEFAULT_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/** A file name the bundle may hold: no directories, no dot files. */
export function isAssetName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..') && extname(name) in TYPES;
}

export class AssetCache {
  private readonly cache = new Map<string, Promise<Asset | undefined>>();
  constructor(private readonly dir = DEFAULT_ASSETS_DIR) {}

  /** The asset, or undefined when the bundle has no such file. */
  get(name: string): Promise<Asset | undefined> {
    if (!isAssetName(name)) return Promise.resolve(undefined);
    let p = this.cache.get(name);
    if (!p) {
      p = readFile(join(this.dir, name)).then(
        (body) => ({ body, gzip: gzipSync(body, { level: 9 }), contentType: TYPES[extname(name)], etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }),
        (e: NodeJS.ErrnoException) => {
          this.cache.delete(name);
          if (e.code === 'ENOENT') return undefined;
          throw e;
        },
      );
      this.cache.set(name, p);
    }
    return p;
  }
}
