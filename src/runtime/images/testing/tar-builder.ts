// Builds small tar (optionally gzip) files for tests, including malicious ones.
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

export async function buildTar(entries: TarEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const mode = e.mode ?? (type === 'directory' ? 0o755 : 0o644);
    const header = { name: e.name, type, mode, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? new Date(1000_000), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, e.content ?? '', (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function writeTar(file: string, entries: TarEntrySpec[], gzip = false): Promise<Buffer> {
  const t = await buildTar(entries);
  await writeFile(file, gzip ? gzipSync(t) : t);
  return t;
}
