// Decoder for `application/vnd.kubernetes.protobuf` request bodies.
//
//   body = "k8s\0" + runtime.Unknown{ 1: typeMeta{1: apiVersion, 2: kind}, 2: raw,
//                                      3: contentEncoding, 4: contentType }
//   raw  = the generated message of the kind (proto2), decoded with the schema table
//
// Output is the JSON object the client meant, as Go's encoding/json would have written it
// from the same struct, approximated from the wire (see kubectl-compat §11.3):
//  * presence drives output: a field absent on the wire is absent in JSON;
//  * non-pointer scalars equal to their zero ("", 0, false) are dropped (Go always writes them);
//    pointer scalars keep an explicit zero;
//  * present sub-messages are kept, even empty (`resources: {}`, `status: {}`);
//  * special messages (Quantity, IntOrString, Time, ...) take their JSON form;
//  * unknown field numbers are skipped, as protobuf requires.
// Any malformed input throws a BadRequest StatusError; decoding is bounded by the input
// length and a nesting limit, so it cannot hang or overflow the stack.
import { badRequest, type StatusError } from '../status.js';
import { ENVELOPE_MAGIC } from './generated.js';
import { getMessage, messageFor, parseApiVersion, type FieldSchema, type MessageSchema, type SpecialType } from './schema.js';

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

const MAX_DEPTH = 64;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8');

/** Cursor over one buffer. `hi` holds the high 32 bits of the last varint read. */
class Reader {
  pos: number;
  hi = 0;
  constructor(readonly buf: Uint8Array, pos: number, readonly end: number) {
    this.pos = pos;
  }

  /** Reads a varint (≤ 10 bytes); returns the low 32 bits (unsigned), leaves the high 32 in `hi`. */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw malformed('truncated varint');
      const b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) { this.pos = pos; this.hi = 0; return lo >>> 0; }
    }
    if (pos >= this.end) throw malformed('truncated varint');
    let b = buf[pos++]!;
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >>> 4;
    for (let shift = 3; b >= 0x80; shift += 7) {
      if (shift > 31) throw malformed('varint longer than 10 bytes');
      if (pos >= this.end) throw malformed('truncated varint');
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
    }
    this.pos = pos;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** A length prefix; checks that the payload lies inside the current message. */
  length(): number {
    const lo = this.varint();
    if (this.hi !== 0 || lo > this.end - this.pos) throw malformed('length past end of message');
    return lo;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_FIXED64: this.advance(8); return;
      case WIRE_LEN: this.advance(this.length()); return;
      case WIRE_FIXED32: this.advance(4); return;
      default: throw malformed(`unsupported wire type ${wire}`);
    }
  }

  advance(n: number): void {
    if (n > this.end - this.pos) throw malformed('field past end of message');
    this.pos += n;
  }
}

function malformed(what: string): StatusError {
  return badRequest(`the body of the request was in an unknown format: invalid protobuf: ${what}`);
}

function toInt64(lo: number, hi: number): number {
  // Two's complement 64-bit → JS number (exact up to 2^53).
  return (hi | 0) * 4294967296 + lo;
}

function readString(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let ascii = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      ascii += String.fromCharCode(c);
    }
    return ascii;
  }
  return utf8.decode(buf.subarray(start, end));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (Go's encoding of []byte in JSON). */
export function encodeBase64(buf: Uint8Array, start = 0, end = buf.length): string {
  const parts: string[] = [];
  let out = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!;
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + B64[n & 63]!;
    if (out.length >= 8192) { parts.push(out); out = ''; }
  }
  const rest = end - i;
  if (rest === 1) {
    const n = buf[i]! << 16;
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8);
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + '=';
  }
  parts.push(out);
  return parts.join('');
}

/** Assigns without letting a wire-supplied key such as "__proto__" reach the prototype. */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function expectWire(f: FieldSchema, wire: number, want: number): void {
  if (wire !== want) throw malformed(`field "${f.json}" (${f.num}) has wire type ${wire}, expected ${want}`);
}

/** One scalar value at the reader; `wire` has been checked by the caller for non-packed use. */
function readScalar(r: Reader, f: FieldSchema, wire: number): string | number | boolean {
  switch (f.scalar) {
    case 'string': {
      expectWire(f, wire, WIRE_LEN);
      const n = r.length();
      const s = readString(r.buf, r.pos, r.pos + n);
      r.pos += n;
      return s;
    }
    case 'bytes': {
      expectWire(f, wire, WIRE_LEN);
      const n = r.length();
      const s = encodeBase64(r.buf, r.pos, r.pos + n);
      r.pos += n;
      return s;
    }
    case 'int32': expectWire(f, wire, WIRE_VARINT); return r.varint() | 0;
    case 'int64': { expectWire(f, wire, WIRE_VARINT); const lo = r.varint(); return toInt64(lo, r.hi); }
    case 'bool': { expectWire(f, wire, WIRE_VARINT); const lo = r.varint(); return lo !== 0 || r.hi !== 0; }
    default: throw malformed(`field "${f.json}" is not a scalar`);
  }
}

function isZeroScalar(v: string | number | boolean): boolean {
  return v === '' || v === 0 || v === false;
}

/** Decodes a length-delimited value of a message-typed field (incl. special forms). */
function readMessageValue(r: Reader, f: FieldSchema, wire: number, depth: number): unknown {
  expectWire(f, wire, WIRE_LEN);
  const n = r.length();
  const start = r.pos;
  r.pos += n;
  return decodeTyped(r.buf, start, start + n, f.type, f.special, depth + 1);
}

function decodeTyped(buf: Uint8Array, start: number, end: number, type: string, special: SpecialType | undefined, depth: number): unknown {
  if (depth > MAX_DEPTH) throw malformed('message nesting too deep');
  if (special) return decodeSpecial(buf, start, end, special, depth);
  const msg = getMessage(type);
  if (!msg) throw malformed(`no schema for message ${type}`);
  return decodeMessage(new Reader(buf, start, end), msg, depth);
}

function decodeMessage(r: Reader, msg: MessageSchema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  decodeFieldsInto(r, msg, out, depth);
  return out;
}

function decodeFieldsInto(r: Reader, msg: MessageSchema, out: Record<string, unknown>, depth: number): void {
  while (r.pos < r.end) {
    const tag = r.varint();
    if (r.hi !== 0) throw malformed('field tag out of range');
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw malformed('field number 0');
    const f = msg.byNumber[num];
    if (f === undefined || f.noJson) { r.skip(wire); continue; }

    if (f.inline) {
      // Embedded struct: its fields land at this level of the JSON object.
      expectWire(f, wire, WIRE_LEN);
      const n = r.length();
      const inner = getMessage(f.type);
      if (!inner) throw malformed(`no schema for message ${f.type}`);
      if (depth + 1 > MAX_DEPTH) throw malformed('message nesting too deep');
      decodeFieldsInto(new Reader(r.buf, r.pos, r.pos + n), inner, out, depth + 1);
      r.pos += n;
      continue;
    }

    if (f.map) {
      expectWire(f, wire, WIRE_LEN);
      const n = r.length();
      let m = out[f.json] as Record<string, unknown> | undefined;
      if (m === undefined) { m = {}; setKey(out, f.json, m); }
      readMapEntry(new Reader(r.buf, r.pos, r.pos + n), f, m, depth);
      r.pos += n;
      continue;
    }

    if (f.repeated) {
      let arr = out[f.json] as unknown[] | undefined;
      if (f.scalar) {
        if (wire === WIRE_LEN && f.scalar !== 'string' && f.scalar !== 'bytes') {
          // Packed numeric list.
          const n = r.length();
          const sub = new Reader(r.buf, r.pos, r.pos + n);
          r.pos += n;
          if (n === 0) continue;
          if (arr === undefined) { arr = []; setKey(out, f.json, arr); }
          while (sub.pos < sub.end) arr.push(readScalar(sub, f, WIRE_VARINT));
        } else {
          if (arr === undefined) { arr = []; setKey(out, f.json, arr); }
          arr.push(readScalar(r, f, wire));
        }
      } else {
        if (arr === undefined) { arr = []; setKey(out, f.json, arr); }
        arr.push(readMessageValue(r, f, wire, depth));
      }
      continue;
    }

    if (f.scalar) {
      const v = readScalar(r, f, wire);
      if (f.pointer || !isZeroScalar(v)) setKey(out, f.json, v);
      else if (f.json in out) delete out[f.json]; // last occurrence wins
      continue;
    }
    setKey(out, f.json, readMessageValue(r, f, wire, depth));
  }
}

/** map<string, V> entry: {1: key, 2: value}; a missing value is V's zero. */
function readMapEntry(r: Reader, f: FieldSchema, into: Record<string, unknown>, depth: number): void {
  let key = '';
  let value: unknown;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (r.hi !== 0) throw malformed('field tag out of range');
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 1) {
      if (wire !== WIRE_LEN) throw malformed(`map "${f.json}" key has wire type ${wire}`);
      const n = r.length();
      key = readString(r.buf, r.pos, r.pos + n);
      r.pos += n;
    } else if (num === 2) {
      value = f.scalar ? readScalar(r, f, wire) : readMessageValue(r, f, wire, depth);
    } else {
      r.skip(wire);
    }
  }
  if (value === undefined) {
    value = f.scalar === 'int32' || f.scalar === 'int64' ? 0 : f.scalar === 'bool' ? false
      : f.scalar ? '' : decodeTyped(r.buf, r.end, r.end, f.type, f.special, depth + 1);
  }
  setKey(into, key, value);
}

// ---- special messages -------------------------------------------------------------------

/** Reads the (few) scalar fields of a special message into slots by number. */
function readSpecialFields(buf: Uint8Array, start: number, end: number): { ints: number[]; strs: (string | undefined)[]; bytes: [number, number] | undefined; list: string[] } {
  const r = new Reader(buf, start, end);
  const ints: number[] = [0, 0, 0, 0];
  const strs: (string | undefined)[] = [];
  let bytes: [number, number] | undefined;
  const list: string[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (r.hi !== 0) throw malformed('field tag out of range');
    const num = tag >>> 3;
    const wire = tag & 7;
    if (wire === WIRE_VARINT && num < 4) {
      const lo = r.varint();
      ints[num] = toInt64(lo, r.hi);
    } else if (wire === WIRE_LEN && num < 4) {
      const n = r.length();
      const s = readString(buf, r.pos, r.pos + n);
      strs[num] = s;
      if (num === 1) { bytes = [r.pos, r.pos + n]; list.push(s); }
      r.pos += n;
    } else {
      r.skip(wire);
    }
  }
  return { ints, strs, bytes, list };
}

function decodeSpecial(buf: Uint8Array, start: number, end: number, special: SpecialType, depth: number): unknown {
  switch (special) {
    case 'quantity': {
      const s = readSpecialFields(buf, start, end).strs[1];
      return s === undefined || s === '' ? '0' : s;
    }
    case 'int-or-string': {
      const { ints, strs } = readSpecialFields(buf, start, end);
      return ints[1] === 1 ? (strs[3] ?? '') : (ints[2]! | 0);
    }
    case 'time':
    case 'micro-time': {
      const { ints } = readSpecialFields(buf, start, end);
      return formatTime(ints[1]!, ints[2]!, special === 'micro-time');
    }
    case 'duration':
      return formatGoDuration(readSpecialFields(buf, start, end).ints[1]!);
    case 'string-list':
      return readSpecialFields(buf, start, end).list;
    case 'raw-extension':
    case 'fields-v1': {
      const { bytes } = readSpecialFields(buf, start, end);
      if (bytes === undefined || bytes[0] === bytes[1]) return special === 'fields-v1' ? {} : null;
      return decodeEmbedded(buf.subarray(bytes[0], bytes[1]), depth);
    }
    default: {
      const never: never = special;
      throw malformed(`unhandled special type ${String(never)}`);
    }
  }
}

/** Embedded raw object: a nested k8s protobuf envelope, or JSON text. */
function decodeEmbedded(raw: Uint8Array, depth: number): unknown {
  if (hasMagic(raw)) {
    const inner = decodeEnvelope(raw, depth + 1);
    return inner.object;
  }
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    throw malformed('embedded object is neither protobuf nor JSON');
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** RFC3339 in UTC; Time truncates to seconds, MicroTime keeps 6 fractional digits. Zero → null. */
export function formatTime(seconds: number, nanos: number, micro: boolean): string | null {
  if (seconds === 0 && nanos === 0) return null;
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw malformed('timestamp out of range');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw malformed('timestamp out of range');
  const base = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (!micro) return `${base}Z`;
  const us = Math.floor(Math.max(0, Math.min(nanos, 999_999_999)) / 1000);
  return `${base}.${pad(us, 6)}Z`;
}

/** Go's time.Duration.String() for a nanosecond count: "0s", "1.5s", "2m0s", "1h0m0s", "300ms". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    // Sub-second: pick the largest unit that keeps an integer part.
    const [unit, scale] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFraction(u / scale) + unit;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    const s = trimFraction(u / 1e9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  // Up to 9 fractional digits, trailing zeros removed (Go prints the shortest exact form).
  return v.toFixed(9).replace(/\.?0+$/, '');
}

// ---- envelope ---------------------------------------------------------------------------

function hasMagic(body: Uint8Array): boolean {
  if (body.length < ENVELOPE_MAGIC.length) return false;
  for (let i = 0; i < ENVELOPE_MAGIC.length; i++) if (body[i] !== ENVELOPE_MAGIC[i]) return false;
  return true;
}

function decodeEnvelope(body: Uint8Array, depth: number): DecodedObject {
  if (!hasMagic(body)) throw malformed('missing "k8s\\0" prefix');
  if (depth > MAX_DEPTH) throw malformed('message nesting too deep');
  const r = new Reader(body, ENVELOPE_MAGIC.length, body.length);
  let apiVersion = '';
  let kind = '';
  let raw: [number, number] = [0, 0];
  let contentEncoding = '';
  while (r.pos < r.end) {
    const tag = r.varint();
    if (r.hi !== 0) throw malformed('field tag out of range');
    const num = tag >>> 3;
    const wire = tag & 7;
    if (wire !== WIRE_LEN || num < 1 || num > 4) { r.skip(wire); continue; }
    const n = r.length();
    const start = r.pos;
    r.pos += n;
    if (num === 1) {
      const tm = readSpecialFields(body, start, start + n);
      apiVersion = tm.strs[1] ?? '';
      kind = tm.strs[2] ?? '';
    } else if (num === 2) {
      raw = [start, start + n];
    } else if (num === 3) {
      contentEncoding = readString(body, start, start + n);
    }
  }
  if (contentEncoding !== '') throw malformed(`unsupported content encoding "${contentEncoding}"`);
  if (kind === '' || apiVersion === '') throw badRequest('the body of the request was in an unknown format: protobuf envelope lacks apiVersion or kind');
  const { group, version } = parseApiVersion(apiVersion);
  const name = messageFor(group, version, kind);
  if (name === undefined) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}" (protobuf)`);
  const msg = getMessage(name)!;
  const fields = decodeMessage(new Reader(body, raw[0], raw[1]), msg, depth + 1);
  const object: Record<string, unknown> = { apiVersion, kind };
  for (const k of Object.keys(fields)) setKey(object, k, fields[k]);
  return { apiVersion, kind, object };
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` body into the JSON object it carries
 * (with apiVersion and kind set). Throws a BadRequest StatusError on malformed input or an
 * unknown kind.
 */
export function decodeK8sProtobuf(body: Uint8Array): DecodedObject {
  return decodeEnvelope(body, 0);
}

/** Decodes a bare message (no envelope) of a known type, e.g. a WatchEvent frame. */
export function decodeProtobufMessage(type: string, body: Uint8Array): Record<string, unknown> {
  const msg = getMessage(type);
  if (!msg) throw malformed(`no schema for message ${type}`);
  return decodeMessage(new Reader(body, 0, body.length), msg, 0);
}
