// DNS wire format (RFC 1035, RFC 3596 AAAA, RFC 2782 SRV, RFC 6891 EDNS0 OPT).
//
//   bytes ──decodeMessage──▶ DnsMessage ──encodeMessage──▶ bytes
//
// Contract: decodeMessage never throws anything but DnsFormatError, whatever the input
// (bounds-checked reads, compression pointers must point strictly backwards, at most 127
// hops, labels ≤ 63 octets, names ≤ 255 octets). Names are returned lower-case, without the
// trailing dot ('' is the root). Records of types we do not model keep their rdata as raw
// bytes; those are only safe to re-encode when they contain no compressed names, which is
// why forwarded answers are relayed as bytes rather than re-encoded.
import { ipv4ToInt, isIPv4 } from '../util/net.js';

import { ERR_DNS_FORMAT } from '../util/error-codes.js';
import { BugError } from '../util/bug-error.js';

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const OPCODE_QUERY = 0;
/** Largest UDP answer for a client that did not send EDNS0 (RFC 1035 §4.2.1). */
export const MAX_UDP_PLAIN = 512;

export class DnsFormatError extends Error {
  readonly code = ERR_DNS_FORMAT;
}

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export type RData =
  | { kind: 'A'; address: string }
  | { kind: 'AAAA'; address: string }
  | { kind: 'NAME'; target: string } // CNAME, NS, PTR
  | { kind: 'MX'; preference: number; exchange: string }
  | { kind: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { kind: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'TXT'; texts: string[] }
  | { kind: 'RAW'; bytes: Uint8Array };

export interface ResourceRecord {
  name: string;
  type: number;
  /** For OPT: the requestor's UDP payload size. */
  class: number;
  /** For OPT: extended rcode, version and flags. */
  ttl: number;
  data: RData;
  /** Set by the decoder: where the 32-bit TTL sits in the decoded message. */
  ttlOffset?: number;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

// ---------------------------------------------------------------------------------- decode

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`truncated message at ${this.pos}`);
  }
  u8(): number { this.need(1); return this.buf[this.pos++]; }
  u16(): number { this.need(2); const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1]; this.pos += 2; return v; }
  u32(): number { this.need(4); const b = this.buf, p = this.pos; this.pos += 4; return ((b[p] << 24) >>> 0) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3]; }
  bytes(n: number): Uint8Array { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }

  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let jumped = false;
    let hops = 0;
    let total = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError('name runs past the message');
      const len = this.buf[pos];
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError('truncated compression pointer');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1];
        if (target >= pos) throw new DnsFormatError('compression pointer does not point backwards');
        if (++hops > 127) throw new DnsFormatError('too many compression pointers');
        if (!jumped) this.pos = pos + 2;
        jumped = true;
        pos = target;
        continue;
      }
      if (len & 0xc0) throw new DnsFormatError('reserved label type');
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        break;
      }
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError('label runs past the message');
      total += len + 1;
      if (total > 255) throw new DnsFormatError('name longer than 255 octets');
      labels.push(decodeLabel(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
    return labels.join('.');
  }
}

function decodeLabel(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x2e || c === 0x5c || c < 0x21 || c > 0x7e) s += `\\${String(c).padStart(3, '0')}`;
    else s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  return s;
}

function decodeHeader(r: Reader): { header: DnsHeader; counts: number[] } {
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  return {
    header: {
      id, qr: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, aa: (flags & 0x400) !== 0, tc: (flags & 0x200) !== 0,
      rd: (flags & 0x100) !== 0, ra: (flags & 0x80) !== 0, rcode: flags & 0xf,
    },
    counts,
  };
}

function decodeRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const klass = r.u16();
  const ttlOffset = r.pos;
  const ttl = r.u32();
  const rdlen = r.u16();
  r.need(rdlen);
  const end = r.pos + rdlen;
  let data: RData;
  switch (type) {
    case TYPE.A:
      if (rdlen !== 4) throw new DnsFormatError('A rdata is not 4 octets');
      data = { kind: 'A', address: Array.from(r.bytes(4)).join('.') };
      break;
    case TYPE.AAAA:
      if (rdlen !== 16) throw new DnsFormatError('AAAA rdata is not 16 octets');
      data = { kind: 'AAAA', address: formatIPv6(r.bytes(16)) };
      break;
    case TYPE.CNAME: case TYPE.NS: case TYPE.PTR:
      data = { kind: 'NAME', target: r.name() };
      break;
    case TYPE.MX:
      data = { kind: 'MX', preference: r.u16(), exchange: r.name() };
      break;
    case TYPE.SRV:
      data = { kind: 'SRV', priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
      break;
    case TYPE.SOA:
      data = { kind: 'SOA', mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
      break;
    case TYPE.TXT: {
      const texts: string[] = [];
      while (r.pos < end) texts.push(Buffer.from(r.bytes(r.u8())).toString('latin1'));
      data = { kind: 'TXT', texts };
      break;
    }
    default:
      data = { kind: 'RAW', bytes: Uint8Array.from(r.bytes(rdlen)) };
  }
  if (r.pos !== end) throw new DnsFormatError(`rdata length mismatch for type ${type}`);
  return { name, type, class: klass, ttl, data, ttlOffset };
}

/** Decodes a whole message. Throws DnsFormatError on anything malformed. */
export function decodeMessage(buf: Uint8Array): DnsMessage {
  const r = new Reader(buf);
  const { header, counts } = decodeHeader(r);
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const sections: ResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) for (let i = 0; i < counts[s + 1]; i++) sections[s].push(decodeRecord(r));
  return { header, questions, answers: sections[0], authorities: sections[1], additionals: sections[2] };
}

/** Just the header, for messages that failed to decode (to answer FORMERR with the right id). */
export function decodeHeaderOnly(buf: Uint8Array): DnsHeader | undefined {
  if (buf.length < 12) return undefined;
  return decodeHeader(new Reader(buf)).header;
}

// ---------------------------------------------------------------------------------- encode

class Writer {
  buf = Buffer.allocUnsafe(512);
  pos = 0;
  /** Suffix (lower-case name) → offset, for name compression. */
  private names = new Map<string, number>();
  constructor(private readonly compress: boolean) {}
  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void { this.grow(1); this.buf[this.pos++] = v; }
  u16(v: number): void { this.grow(2); this.buf.writeUInt16BE(v & 0xffff, this.pos); this.pos += 2; }
  u32(v: number): void { this.grow(4); this.buf.writeUInt32BE(v >>> 0, this.pos); this.pos += 4; }
  bytes(b: Uint8Array): void { this.grow(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  name(name: string): void {
    const labels = splitName(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.compress ? this.names.get(suffix) : undefined;
      if (at !== undefined) { this.u16(0xc000 | at); return; }
      if (this.compress && this.pos < 0x4000) this.names.set(suffix, this.pos);
      const label = encodeLabel(labels[i]);
      if (label.length === 0 || label.length > 63) throw new DnsFormatError(`bad label in ${name}`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }
  result(): Buffer { return this.buf.subarray(0, this.pos); }
}

function splitName(name: string): string[] {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') return [];
  // Split on dots that are not escaped.
  return n.split(/(?<!\\)\./);
}

function encodeLabel(label: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x5c && /^\d{3}$/.test(label.slice(i + 1, i + 4))) { out.push(Number(label.slice(i + 1, i + 4)) & 0xff); i += 3; }
    else if (c === 0x5c && i + 1 < label.length) { out.push(label.charCodeAt(++i) & 0xff); }
    else out.push(c & 0xff);
  }
  return Uint8Array.from(out);
}

function encodeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lenAt = w.pos;
  w.u16(0);
  const d = rr.data;
  switch (d.kind) {
    case 'A': w.bytes(parseIPv4(d.address)); break;
    case 'AAAA': w.bytes(parseIPv6(d.address)); break;
    case 'NAME': w.name(d.target); break;
    case 'MX': w.u16(d.preference); w.name(d.exchange); break;
    // RFC 2782: the SRV target is not compressed.
    case 'SRV': w.u16(d.priority); w.u16(d.weight); w.u16(d.port); nameUncompressed(w, d.target); break;
    case 'SOA': w.name(d.mname); w.name(d.rname); w.u32(d.serial); w.u32(d.refresh); w.u32(d.retry); w.u32(d.expire); w.u32(d.minimum); break;
    case 'TXT':
      for (const t of d.texts) {
        const b = Buffer.from(t, 'latin1');
        if (b.length > 255) throw new DnsFormatError('TXT string longer than 255 octets');
        w.u8(b.length); w.bytes(b);
      }
      break;
    case 'RAW': w.bytes(d.bytes); break;
    default: { const never: never = d; throw new BugError(`unknown rdata ${String(never)}`); }
  }
  w.buf.writeUInt16BE(w.pos - lenAt - 2, lenAt);
}

function nameUncompressed(w: Writer, name: string): void {
  for (const l of splitName(name)) { const b = encodeLabel(l); w.u8(b.length); w.bytes(b); }
  w.u8(0);
}

export function encodeMessage(m: DnsMessage, opts: { compress?: boolean } = {}): Buffer {
  const w = new Writer(opts.compress ?? true);
  const h = m.header;
  w.u16(h.id);
  w.u16((h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.aa ? 0x400 : 0) | (h.tc ? 0x200 : 0) | (h.rd ? 0x100 : 0) | (h.ra ? 0x80 : 0) | (h.rcode & 0xf));
  w.u16(m.questions.length); w.u16(m.answers.length); w.u16(m.authorities.length); w.u16(m.additionals.length);
  for (const q of m.questions) { w.name(q.name); w.u16(q.type); w.u16(q.class); }
  for (const rr of m.answers) encodeRecord(w, rr);
  for (const rr of m.authorities) encodeRecord(w, rr);
  for (const rr of m.additionals) encodeRecord(w, rr);
  return w.result();
}

// ------------------------------------------------------------------------------- addresses

/** The 4 bytes of an IPv4 address as util/net reads it (no leading zeros); DnsFormatError otherwise. */
export function parseIPv4(s: string): Uint8Array {
  const n = ipv4ToInt(s);
  if (Number.isNaN(n)) throw new DnsFormatError(`bad IPv4 address ${s}`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export function parseIPv6(s: string): Uint8Array {
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = parseIPv4(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new DnsFormatError(`bad IPv6 address ${s}`);
  const parse = (x: string): number[] => (x === '' ? [] : x.split(':').map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new DnsFormatError(`bad IPv6 address ${s}`);
    return parseInt(g, 16);
  }));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const groups = [...head];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) throw new DnsFormatError(`bad IPv6 address ${s}`);
  for (let i = 0; i < missing; i++) groups.push(0);
  groups.push(...rest);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

/** RFC 5952 text form. */
export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** The PTR owner name of an address: `d.c.b.a.in-addr.arpa` or the nibble form under ip6.arpa. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const b = parseIPv6(ip);
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((b[i] & 0xf).toString(16), (b[i] >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** Name of a type number, for logs and tests. */
export function typeName(t: number): string {
  for (const [k, v] of Object.entries(TYPE)) if (v === t) return k;
  return `TYPE${t}`;
}
