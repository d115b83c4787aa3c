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

/** A ustar header (512 bytes) for a regular file `name` of `size` bytes, content not included. */
export async function tarFileHeader(name: string, size: number): Promise<Buffer> {
  const h = Buffer.from((await buildTar([{ name, content: '' }])).subarray(0, 512));
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/**
 * A decompression bomb: a layer whose tar holds one file of `uncompressedBytes` zeros
 * (a multiple of 16 MiB), compressed as concatenated gzip members or zstd frames (both formats
 * decompress a concatenation as one stream), so building a GiB bomb compresses only 16 MiB.
 * `compress` turns a buffer into one member/frame.
 */
export async function buildBomb(uncompressedBytes: number, compress: (b: Buffer) => Buffer): Promise<Buffer> {
  const chunk = 16 * 1024 * 1024;
  if (uncompressedBytes % chunk !== 0) throw new Error('bomb size must be a multiple of 16 MiB');
  const zeros = compress(Buffer.alloc(chunk));
  const parts = [compress(await tarFileHeader('zeros', uncompressedBytes))];
  for (let i = 0; i < uncompressedBytes / chunk; i++) parts.push(zeros);
  parts.push(compress(Buffer.alloc(1024))); // end of archive
  return Buffer.concat(parts);
}
