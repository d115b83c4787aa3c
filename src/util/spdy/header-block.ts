// SPDY/3 header blocks: the name/value list, and the two zlib contexts of a connection.
//
//   block   = u32 count, count × (u32 len, name, u32 len, value)   (values joined by NUL)
//   on wire = one zlib stream per direction for the whole connection, with the SPDY/3
//             dictionary; every block ends on a sync-flush boundary.
//
// Outgoing blocks are written as *stored* deflate blocks (no compression): each block is
// `00 LEN ~LEN data` followed by the sync-flush marker `00 00 00 ff ff`, and the very first
// one is preceded by the zlib header `78 01`. Go's flate reader needs the marker: without it
// it reads past the block, hits EOF and the next SYN_REPLY kills the connection
// (kubectl-compat §8.4). Stored blocks never reference the dictionary, so no FDICT is needed.
//
// Incoming blocks go through one streaming zlib Inflate per connection (Node's synchronous
// zlib API closes its handle after each call, so it cannot keep a context).
import { createInflate, constants as zc, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

/** Header names are lower-case; several values of one name are joined with NUL. */
export type SpdyHeaders = Record<string, string>;

/** Largest decompressed header block accepted. */
export const MAX_HEADER_BLOCK = 256 * 1024;

export function encodeHeaderBlock(h: SpdyHeaders): Buffer {
  const entries = Object.entries(h);
  const parts: Buffer[] = [];
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const s of [name.toLowerCase(), value]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  if (b.length < 4) throw new SpdyProtocolError('header block too short');
  const n = b.readUInt32BE(0);
  let off = 4;
  const str = (): string => {
    if (off + 4 > b.length) throw new SpdyProtocolError('truncated header block');
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) throw new SpdyProtocolError('truncated header block');
    const s = b.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = str().toLowerCase();
    const value = str();
    out[name] = name in out ? `${out[name]}\0${value}` : value;
  }
  return out;
}

const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
const ZLIB_HEADER_NO_COMPRESSION = Buffer.from([0x78, 0x01]);

/** The sending side's zlib stream: stored blocks, each ending on a sync flush. */
export class HeaderDeflater {
  private started = false;

  compress(h: SpdyHeaders): Buffer {
    return this.compressRaw(encodeHeaderBlock(h));
  }

  compressRaw(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(ZLIB_HEADER_NO_COMPRESSION);
      this.started = true;
    }
    for (let off = 0; off < raw.length; off += 0xffff) {
      const chunk = raw.subarray(off, off + 0xffff);
      const hdr = Buffer.allocUnsafe(5);
      hdr[0] = 0x00; // BFINAL=0, BTYPE=00 (stored)
      hdr.writeUInt16LE(chunk.length, 1);
      hdr.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(hdr, chunk);
    }
    parts.push(SYNC_MARKER);
    return Buffer.concat(parts);
  }
}

/**
 * The receiving side's zlib stream. `decompress` calls must not overlap (the session
 * processes frames one at a time); each resolves with exactly the bytes of its block.
 */
export class HeaderInflater {
  private readonly inflate: Inflate;
  private failed?: Error;
  private pending?: (e: Error) => void;
  private out: Buffer[] = [];
  private outSize = 0;

  constructor() {
    this.inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    // Flowing mode: output never back-pressures the inflater (a paused Transform would hold
    // back the flush callback once its buffer passed the high-water mark).
    this.inflate.on('data', (c: Buffer) => {
      this.out.push(c);
      this.outSize += c.length;
    });
    this.inflate.on('error', (e: Error) => {
      this.failed = new SpdyProtocolError(`header block decompression failed: ${e.message}`, { cause: e });
      this.pending?.(this.failed);
    });
  }

  async decompress(block: Buffer): Promise<Buffer> {
    if (this.failed) throw this.failed;
    if (block.length === 0) return Buffer.alloc(0);
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = reject;
      this.inflate.write(block);
      this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
        // 'data' for this flush may still be queued on the next tick.
        setImmediate(() => {
          this.pending = undefined;
          if (this.failed) return reject(this.failed);
          const size = this.outSize;
          const out = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out);
          this.out = [];
          this.outSize = 0;
          if (size > MAX_HEADER_BLOCK) return reject(new SpdyProtocolError(`header block too large (${size} bytes)`));
          resolve(out);
        });
      });
    });
  }

  async decode(block: Buffer): Promise<SpdyHeaders> {
    const raw = await this.decompress(block);
    return raw.length ? decodeHeaderBlock(raw) : {};
  }

  close(): void {
    this.inflate.destroy();
  }
}
