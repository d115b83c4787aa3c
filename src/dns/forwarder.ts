// Forwarding of names outside the cluster zone to the host's resolvers.
//
//   query bytes ─▶ cache? ─hit─▶ copy, new id, TTLs aged
//                    │miss
//                    ▼
//   upstream[0] UDP ─TC─▶ same upstream over TCP ─▶ response (cached if positive)
//        │timeout/error
//        ▼
//   upstream[1] …                                  all failed ─▶ undefined (caller: SERVFAIL)
//
// Responses are relayed as bytes (only the id and, from the cache, TTLs are rewritten), so
// record types we do not model pass through intact.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { decodeMessage, RCODE, type Question } from './wire.js';

export interface Upstream {
  address: string;
  port: number;
}

export interface ForwarderOptions {
  upstreams: readonly Upstream[];
  timeoutMs?: number;
  cacheSize?: number;
  /** Cap on how long an answer stays cached, whatever its TTL. */
  maxCacheTtl?: number;
  now?: () => number;
}

interface CacheEntry {
  bytes: Buffer;
  storedAt: number;
  expiresAt: number;
  ttlOffsets: number[];
}

/** `1.2.3.4`, `1.2.3.4:5353`, `[::1]:53`, `::1` → address and port. */
export function parseUpstream(s: string): Upstream {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { address: bracket[1], port: bracket[2] ? Number(bracket[2]) : 53 };
  const colon = s.split(':');
  if (colon.length === 2) return { address: colon[0], port: Number(colon[1]) };
  return { address: s, port: 53 };
}

export class Forwarder {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly timeoutMs: number;
  private readonly cacheSize: number;
  private readonly maxCacheTtl: number;
  private readonly now: () => number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.maxCacheTtl = opts.maxCacheTtl ?? 30;
    this.now = opts.now ?? Date.now;
  }

  /** The upstream response to `query` (with the query's id), or undefined if no upstream answered. */
  async forward(query: Buffer, q: Question, dnssecOk = false): Promise<Buffer | undefined> {
    const key = `${q.name}|${q.type}|${q.class}|${dnssecOk ? 1 : 0}`;
    const id = query.readUInt16BE(0);
    const hit = this.fromCache(key, id);
    if (hit) return hit;
    for (const u of this.opts.upstreams) {
      const res = await this.exchange(u, query).catch(() => undefined);
      if (!res) continue;
      const out = Buffer.from(res);
      out.writeUInt16BE(id, 0);
      this.store(key, out);
      return out;
    }
    return undefined;
  }

  private async exchange(u: Upstream, query: Buffer): Promise<Buffer | undefined> {
    const q = Buffer.from(query);
    const id = randomInt(0, 0x10000);
    q.writeUInt16BE(id, 0);
    const udp = await udpExchange(u, q, this.timeoutMs);
    if (!udp) return undefined;
    if ((udp.readUInt16BE(2) & 0x200) === 0) return udp;
    // Truncated: ask the same upstream over TCP.
    return (await tcpExchange(u, q, this.timeoutMs)) ?? udp;
  }

  private fromCache(key: string, id: number): Buffer | undefined {
    const e = this.cache.get(key);
    if (!e) return undefined;
    const now = this.now();
    if (now >= e.expiresAt) { this.cache.delete(key); return undefined; }
    const out = Buffer.from(e.bytes);
    out.writeUInt16BE(id, 0);
    const aged = Math.floor((now - e.storedAt) / 1000);
    for (const off of e.ttlOffsets) out.writeUInt32BE(Math.max(0, out.readUInt32BE(off) - aged), off);
    return out;
  }

  private store(key: string, bytes: Buffer): void {
    let msg;
    try { msg = decodeMessage(bytes); } catch { return; }
    // Positive answers only, and never truncated ones.
    if (msg.header.rcode !== RCODE.NOERROR || msg.header.tc || msg.answers.length === 0) return;
    const records = [...msg.answers, ...msg.authorities, ...msg.additionals].filter((r) => r.type !== 41);
    const ttl = Math.min(this.maxCacheTtl, ...records.map((r) => r.ttl));
    if (ttl <= 0) return;
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    const now = this.now();
    this.cache.set(key, { bytes, storedAt: now, expiresAt: now + ttl * 1000, ttlOffsets: records.map((r) => r.ttlOffset ?? -1).filter((o) => o >= 0) });
  }

  get cacheEntries(): number {
    return this.cache.size;
  }
}

function udpExchange(u: Upstream, q: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(u.address.includes(':') ? 'udp6' : 'udp4');
    const finish = (v: Buffer | undefined): void => { clearTimeout(timer); sock.close(); resolve(v); };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      // Ignore anything that is not the answer to our query (id and question must match).
      if (msg.length < 12 || msg.readUInt16BE(0) !== q.readUInt16BE(0) || (msg[2] & 0x80) === 0) return;
      if (!sameQuestion(msg, q)) return;
      finish(msg);
    });
    sock.send(q, u.port, u.address, (err) => { if (err) finish(undefined); });
  });
}

function sameQuestion(a: Buffer, b: Buffer): boolean {
  try {
    const qa = decodeMessage(a).questions[0];
    const qb = decodeMessage(b).questions[0];
    return !!qa && !!qb && qa.name === qb.name && qa.type === qb.type;
  } catch {
    return false;
  }
}

/** One query over TCP (RFC 1035 §4.2.2: two-byte length prefix). */
export function tcpExchange(u: Upstream, q: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: u.address, port: u.port });
    let buf = Buffer.alloc(0);
    const finish = (v: Buffer | undefined): void => { clearTimeout(timer); sock.destroy(); resolve(v); };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      sock.write(Buffer.concat([len, q]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('end', () => finish(undefined));
  });
}
