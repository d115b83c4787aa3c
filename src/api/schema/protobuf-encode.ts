// Encoder for `application/vnd.kubernetes.protobuf` responses: the inverse of protobuf.ts.
//
//   object   = "k8s\0" + runtime.Unknown{1: typeMeta{1: apiVersion, 2: kind}, 2: raw, 3: "", 4: ""}
//   list     = the same envelope around `<Kind>List{1: ListMeta, 2: repeated item message}`
//   watch    = frames of uint32 big-endian length + meta.v1.WatchEvent{1: type,
//              2: RawExtension{1: the object's full envelope}} (the event itself has no envelope)
//
// Input is the JSON form of an object (as stored and served). Rules, chosen so that a Go
// client decodes exactly the struct it would decode from our JSON, and so that our decoder
// (protobuf.ts) maps the bytes back to the same JSON:
//  * a field absent from the JSON (or null) is absent on the wire; Go reads absence as its zero;
//  * a present scalar is written, even when zero; present sub-messages are written, even empty;
//  * a null non-pointer Time (creationTimestamp: null) is an empty Timestamp (Go's zero time);
//  * special messages (Quantity, IntOrString, Time, Duration, RawExtension, FieldsV1) are
//    built from their JSON forms; JSON keys the schema does not know are skipped.
//
// Speed: one pass into a growing buffer. A sub-message reserves one length byte and, if its
// body turns out longer than 127 bytes, shifts the body right to make room for the varint
// (a memmove; nesting is shallow). Callers cache the message bytes per object (the watch
// cache does), so each object is encoded once however many clients read it.
import { ENVELOPE_MAGIC } from './generated.js';
import { getMessage, messageFor, parseApiVersion, type FieldSchema, type MessageSchema } from './schema.js';
import { ERR_PROTOBUF_ENCODE } from '../../util/error-codes.js';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WATCH_EVENT = 'k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent';
const LIST_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta';

/** Media type of protobuf bodies, and of protobuf watch streams. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

/** How to write one field: its schema, its tag, and (for messages) the plan of its type. */
interface Entry {
  readonly f: FieldSchema;
  /** The tag as one byte, or -1 when it needs more (field numbers ≥ 16). */
  readonly tag: number;
  readonly tagBytes: readonly number[];
  /** Plan of the field's message type, resolved on first use (types may recurse). */
  sub: Plan | undefined;
}

/** An encoding plan per message: direct fields by JSON name; inline fields (rare) apart. */
interface Plan {
  readonly name: string;
  readonly byJson: { readonly [json: string]: Entry | undefined };
  readonly inline: readonly Entry[];
}

const plans = new Map<string, Plan>();

function tagBytes(num: number, wire: number): number[] {
  const out: number[] = [];
  let v = (num << 3) | wire;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
  return out;
}

function planOf(msg: MessageSchema): Plan {
  const hit = plans.get(msg.name);
  if (hit) return hit;
  const byJson: { [json: string]: Entry | undefined } = Object.create(null) as { [json: string]: Entry | undefined };
  const inline: Entry[] = [];
  for (const f of msg.fields) {
    if (f.noJson) continue;
    const wire = f.scalar && f.scalar !== 'string' && f.scalar !== 'bytes' && !f.map ? WIRE_VARINT : WIRE_LEN;
    const tb = tagBytes(f.num, wire);
    const e: Entry = { f, tag: tb.length === 1 ? tb[0]! : -1, tagBytes: tb, sub: undefined };
    if (f.inline && !f.scalar) inline.push(e);
    else byJson[f.json] = e;
  }
  const plan: Plan = { name: msg.name, byJson, inline };
  plans.set(msg.name, plan);
  return plan;
}

function subPlan(e: Entry): Plan {
  if (e.sub === undefined) {
    const msg = getMessage(e.f.type);
    if (!msg) fail(e.f, `no schema for message ${e.f.type}`);
    e.sub = planOf(msg);
  }
  return e.sub;
}

/** Thrown for JSON that cannot be put on the wire (a bug upstream of the encoder, or bad data). */
export class ProtobufEncodeError extends Error {
  readonly code = ERR_PROTOBUF_ENCODE;
}

class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  tag(e: Entry): void {
    if (e.tag >= 0) this.byte(e.tag);
    else this.raw(e.tagBytes);
  }

  raw(bytes: readonly number[]): void {
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = bytes[i]!;
  }

  /** Non-negative integer up to 2^53, or a negative one as 64-bit two's complement. */
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (v >= 0) {
      if (v < 0x80) { buf[this.pos++] = v; return; }
      if (v <= 0xffffffff) {
        let x = v >>> 0;
        while (x >= 0x80) { buf[this.pos++] = (x & 0x7f) | 0x80; x >>>= 7; }
        buf[this.pos++] = x;
        return;
      }
      let x = v;
      while (x >= 0x80) { buf[this.pos++] = (x % 128) | 0x80; x = Math.floor(x / 128); }
      buf[this.pos++] = x;
      return;
    }
    let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    while (x >= 0x80n) { buf[this.pos++] = Number(x & 0x7fn) | 0x80; x >>= 7n; }
    buf[this.pos++] = Number(x);
  }

  /** A length-delimited UTF-8 string (tag already written). */
  string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // ≤ 126 bytes whatever the characters: one length byte.
      this.ensure(1 + 3 * n);
      const buf = this.buf;
      const at = this.pos;
      let p = at + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = at + 1 + buf.write(s, at + 1, 'utf8');
          break;
        }
        buf[p++] = c;
      }
      buf[at] = p - at - 1;
      this.pos = p;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Reserves one length byte; returns the mark for `end`. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 0x80) { this.buf[mark] = len; return; }
    let size = 1;
    for (let x = len; x >= 0x80; x = Math.floor(x / 128)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(mark + size, mark + 1, this.pos);
    let x = len;
    let p = mark;
    while (x >= 0x80) { this.buf[p++] = (x % 128) | 0x80; x = Math.floor(x / 128); }
    this.buf[p] = x;
    this.pos += size - 1;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(f: FieldSchema, what: string): never {
  throw new ProtobufEncodeError(`cannot encode field "${f.json}" as protobuf: ${what}`);
}

function writeScalar(w: Writer, f: FieldSchema, v: unknown): void {
  switch (f.scalar) {
    case 'string': w.string(typeof v === 'string' ? v : String(v)); return;
    case 'bytes': w.bytes(Buffer.from(typeof v === 'string' ? v : '', 'base64')); return;
    case 'bool': w.varint(v ? 1 : 0); return;
    default: {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) fail(f, `not a number: ${JSON.stringify(v)}`);
      w.varint(f.scalar === 'int32' ? n | 0 : Math.trunc(n));
    }
  }
}

/** Writes the value of a message-typed field (the tag and length are the caller's). */
function writeValue(w: Writer, e: Entry, v: unknown, depth: number): void {
  if (e.f.special) return writeSpecial(w, e.f, v);
  if (!isObj(v)) fail(e.f, `expected an object, got ${JSON.stringify(v)}`);
  writeFields(w, subPlan(e), v, depth + 1);
}

function writeSpecial(w: Writer, f: FieldSchema, v: unknown): void {
  switch (f.special) {
    case 'quantity':
      w.byte(0x0a);
      w.string(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '0');
      return;
    case 'int-or-string':
      if (typeof v === 'string') {
        w.raw([0x08, 0x01, 0x10, 0x00, 0x1a]);
        w.string(v);
      } else {
        w.raw([0x08, 0x00, 0x10]);
        w.varint(Number(v) | 0);
        w.raw([0x1a, 0x00]);
      }
      return;
    case 'time':
    case 'micro-time': {
      if (typeof v !== 'string') return; // null: Go's zero time, an empty Timestamp
      const [seconds, nanos] = parseTime(f, v);
      if (seconds !== 0) { w.byte(0x08); w.varint(seconds); }
      if (nanos !== 0) { w.byte(0x10); w.varint(nanos); }
      return;
    }
    case 'duration':
      w.byte(0x08);
      w.varint(typeof v === 'number' ? v : parseGoDuration(f, String(v)));
      return;
    case 'fields-v1':
      if (v === undefined || v === null) return;
      if (fieldsV1Spans !== undefined && fieldsV1Next < fieldsV1Spans.length) {
        // The same text JSON.stringify would give, sliced from the object's cached JSON.
        const at = fieldsV1Next;
        fieldsV1Next += 2;
        w.byte(0x0a);
        w.string(fieldsV1Text!.slice(fieldsV1Spans[at]!, fieldsV1Spans[at + 1]!));
        return;
      }
      w.byte(0x0a);
      w.string(JSON.stringify(v));
      return;
    case 'raw-extension':
      if (v === undefined || v === null) return;
      w.byte(0x0a);
      w.string(JSON.stringify(v));
      return;
    case 'string-list':
      if (!Array.isArray(v)) return;
      for (const s of v) { w.byte(0x0a); w.string(String(s)); }
      return;
    default:
      fail(f, 'not a special type');
  }
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Recently parsed times: objects repeat a handful (creation, managedFields, conditions). */
const timeCache = new Map<string, readonly [number, number]>();

/** RFC3339 → [unix seconds, nanos]. */
function parseTime(f: FieldSchema, s: string): readonly [number, number] {
  const hit = timeCache.get(s);
  if (hit) return hit;
  const t = parseTimeUncached(f, s);
  if (timeCache.size >= 4096) timeCache.clear();
  timeCache.set(s, t);
  return t;
}

function parseTimeUncached(f: FieldSchema, s: string): [number, number] {
  const m = TIME_RE.exec(s);
  if (!m) fail(f, `not an RFC3339 time: ${JSON.stringify(s)}`);
  let seconds = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  if (m[8]) seconds -= (m[8] === '+' ? 1 : -1) * (+m[9]! * 3600 + +m[10]! * 60);
  const nanos = m[7] ? Number((m[7] + '00000000').slice(0, 9)) : 0;
  return [seconds, nanos];
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** Go's time.ParseDuration ("1h2m3.5s", "300ms", "-1.5h") → nanoseconds. */
export function parseGoDuration(f: FieldSchema, s: string): number {
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (!m) fail(f, `not a duration: ${JSON.stringify(s)}`);
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  return Math.round(m[1] === '-' ? -total : total);
}

const MAX_DEPTH = 64;

function writeFields(w: Writer, plan: Plan, obj: Readonly<Record<string, unknown>>, depth: number): void {
  if (depth > MAX_DEPTH) throw new ProtobufEncodeError(`cannot encode ${plan.name} as protobuf: nesting too deep`);
  for (const e of plan.inline) {
    w.tag(e);
    const mark = w.begin();
    writeFields(w, subPlan(e), obj, depth + 1);
    w.end(mark);
  }
  const byJson = plan.byJson;
  for (const key in obj) {
    const e = byJson[key];
    if (e === undefined) continue;
    const f = e.f;
    const v = obj[key];
    if (v === undefined || v === null) {
      // Go's zero time for a non-pointer Time is still written (an empty Timestamp).
      if (v === null && !f.pointer && !f.repeated && !f.map && (f.special === 'time' || f.special === 'micro-time')) {
        w.tag(e);
        w.byte(0);
      }
      continue;
    }
    if (f.map) {
      if (!isObj(v)) fail(f, 'expected an object (map)');
      for (const k in v) {
        const x = v[k];
        w.tag(e);
        const mark = w.begin();
        w.byte(0x0a);
        w.string(k);
        if (x !== undefined && x !== null) {
          if (f.scalar) {
            w.byte(f.scalar === 'string' || f.scalar === 'bytes' ? 0x12 : 0x10);
            writeScalar(w, f, x);
          } else {
            w.byte(0x12);
            const m2 = w.begin();
            writeValue(w, e, x, depth);
            w.end(m2);
          }
        }
        w.end(mark);
      }
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) fail(f, 'expected an array');
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        w.tag(e);
        if (f.scalar) writeScalar(w, f, x);
        else {
          const mark = w.begin();
          if (x !== null && x !== undefined) writeValue(w, e, x, depth);
          w.end(mark);
        }
      }
      continue;
    }
    w.tag(e);
    if (f.scalar) writeScalar(w, f, v);
    else {
      const mark = w.begin();
      writeValue(w, e, v, depth);
      w.end(mark);
    }
  }
}

// managedFields' fieldsV1 are most of an object's JSON.stringify cost (keys such as
// `k:{"name":"web"}` need escaping). When the caller has the object's JSON already (the watch
// cache does), their texts are sliced from it instead: spans [start, end) in encounter order.
let fieldsV1Text: string | undefined;
let fieldsV1Spans: number[] | undefined;
let fieldsV1Next = 0;

const FIELDS_V1_KEY = '"fieldsV1":';

/**
 * Start/end offsets of every `"fieldsV1":{...}` value in `json`, or undefined unless they are
 * exactly the managedFields entries' (same count), so encounter order maps one to one.
 */
function fieldsV1SpansOf(json: string, obj: Readonly<Record<string, unknown>>): number[] | undefined {
  const mf = (obj.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  if (!Array.isArray(mf) || mf.length === 0) return undefined;
  let want = 0;
  for (const e of mf) if (e && typeof e === 'object' && (e as { fieldsV1?: unknown }).fieldsV1 != null) want++;
  const spans: number[] = [];
  for (let i = json.indexOf(FIELDS_V1_KEY); i >= 0; i = json.indexOf(FIELDS_V1_KEY, i + 1)) {
    const start = i + FIELDS_V1_KEY.length;
    const end = endOfJsonObject(json, start);
    if (end < 0) return undefined;
    spans.push(start, end);
    i = end - 1;
  }
  return spans.length === want * 2 ? spans : undefined;
}

/** The end (exclusive) of the JSON object starting at `start`, or -1. */
function endOfJsonObject(json: string, start: number): number {
  if (json.charCodeAt(start) !== 0x7b) return -1;
  let depth = 0;
  for (let p = start; p < json.length; p++) {
    const c = json.charCodeAt(p);
    if (c === 0x22) {
      // Skip the string: find the closing quote not escaped by an odd run of backslashes.
      for (;;) {
        p = json.indexOf('"', p + 1);
        if (p < 0) return -1;
        let b = p - 1;
        while (json.charCodeAt(b) === 0x5c) b--;
        if ((p - 1 - b) % 2 === 0) break;
      }
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return p + 1;
  }
  return -1;
}

/** Scratch buffers above this size are dropped after use rather than kept for the process. */
const MAX_SCRATCH = 4 * 1024 * 1024;
let scratch = new Writer(64 * 1024);

/**
 * The raw message (no envelope) of `obj` as message `type`. `json`, when given, must be
 * JSON.stringify(obj) (the cached encoding): parts of it are reused rather than re-serialized.
 */
export function encodeMessageBytes(type: string, obj: Readonly<Record<string, unknown>>, sizeHint = 1024, json?: string): Buffer {
  const msg = getMessage(type);
  if (!msg) throw new ProtobufEncodeError(`no protobuf message ${type}`);
  // One scratch buffer, reused: encoding is synchronous and never re-entered. The result is
  // copied out at its exact size (small ones come from Node's buffer pool).
  const w = scratch.buf.length >= sizeHint ? scratch : (scratch = new Writer(sizeHint));
  w.pos = 0;
  fieldsV1Spans = json === undefined ? undefined : fieldsV1SpansOf(json, obj);
  fieldsV1Text = fieldsV1Spans ? json : undefined;
  fieldsV1Next = 0;
  try {
    writeFields(w, planOf(msg), obj, 0);
  } catch (e) {
    if (w.buf.length > MAX_SCRATCH) scratch = new Writer(64 * 1024);
    throw e;
  } finally {
    fieldsV1Spans = undefined;
    fieldsV1Text = undefined;
  }
  const out = Buffer.allocUnsafe(w.pos);
  w.buf.copy(out, 0, 0, w.pos);
  if (w.buf.length > MAX_SCRATCH) scratch = new Writer(64 * 1024);
  return out;
}

/** The message name for an object's apiVersion/kind, or undefined (custom resources, Tables). */
export function protobufMessageOf(apiVersion: string, kind: string): string | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return messageFor(group, version, kind);
}

/** The envelope up to the raw message bytes: magic, typeMeta, and the tag and length of `raw`. */
function envelopeHead(apiVersion: string, kind: string, rawLen: number): Buffer {
  const w = new Writer(apiVersion.length * 3 + kind.length * 3 + 32);
  w.raw(ENVELOPE_MAGIC);
  w.byte(0x0a);
  const tm = w.begin();
  w.byte(0x0a);
  w.string(apiVersion);
  w.byte(0x12);
  w.string(kind);
  w.end(tm);
  w.byte(0x12);
  w.varint(rawLen);
  return w.result();
}

/** contentEncoding "" and contentType "", as Go writes them. */
const ENVELOPE_TAIL = Buffer.from([0x1a, 0x00, 0x22, 0x00]);

/** Length of the envelope's trailer after the message bytes. */
export const ENVELOPE_TAIL_BYTES = ENVELOPE_TAIL.length;

/** Offset of the message bytes inside an envelope written by `encodeEnvelope`. */
export function envelopeRawOffset(env: Uint8Array): number {
  // magic, 0x0a, varint(typeMeta length), typeMeta, 0x12, varint(raw length), raw...
  let p = ENVELOPE_MAGIC.length + 1;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = env[p++]!;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  p += len + 1;
  while (env[p]! >= 0x80) p++;
  return p + 1;
}

/** "k8s\0" + runtime.Unknown around an already-encoded message. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const head = envelopeHead(apiVersion, kind, raw.length);
  return Buffer.concat([head, raw, ENVELOPE_TAIL], head.length + raw.length + ENVELOPE_TAIL.length);
}

/** A whole object (its apiVersion/kind name the message), or undefined when no message exists. */
export function encodeK8sProtobufObject(obj: Readonly<Record<string, unknown>>): Buffer | undefined {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const name = protobufMessageOf(apiVersion, kind);
  if (!name) return undefined;
  return encodeEnvelope(apiVersion, kind, encodeMessageBytes(name, obj));
}

/** Length-prefixed field bytes for a list: `2: item` per encoded item message. */
function itemHeader(len: number): Buffer {
  const w = new Writer(12);
  w.byte(0x12);
  w.varint(len);
  return w.result();
}

/**
 * The pieces of a `<Kind>List` envelope around already-encoded item messages, so large lists
 * can be written out in chunks without one big copy. Concatenated, they are the body.
 */
export function encodeListParts(apiVersion: string, listKind: string, listMeta: Readonly<Record<string, unknown>>, items: readonly Uint8Array[]): Buffer[] {
  const meta = encodeMessageBytes(LIST_META, listMeta, 128);
  const body: Buffer[] = [Buffer.from([0x0a]), lengthOf(meta.length), meta];
  let rawLen = 1 + body[1]!.length + meta.length;
  for (const it of items) {
    const h = itemHeader(it.length);
    body.push(h, it as Buffer);
    rawLen += h.length + it.length;
  }
  return [envelopeHead(apiVersion, listKind, rawLen), ...body, ENVELOPE_TAIL];
}

function lengthOf(n: number): Buffer {
  const w = new Writer(10);
  w.varint(n);
  return w.result();
}

/**
 * One watch frame: uint32 big-endian length + WatchEvent{type, object: RawExtension{raw:
 * envelope}} — the same bytes client-go's protobuf watch decoder reads.
 */
export function encodeWatchFrame(type: string, envelope: Uint8Array): Buffer {
  const w = new Writer(envelope.length + type.length + 32);
  w.pos = 4;
  w.byte(0x0a);
  w.string(type);
  w.byte(0x12);
  const m = w.begin();
  w.byte(0x0a);
  w.bytes(envelope);
  w.end(m);
  w.buf.writeUInt32BE(w.pos - 4, 0);
  return w.result();
}

/** Splits a protobuf watch stream into WatchEvent messages (testing and clients). */
export function splitWatchFrames(buf: Uint8Array): { frames: Uint8Array[]; rest: Uint8Array } {
  const frames: Uint8Array[] = [];
  let pos = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (buf.length - pos >= 4) {
    const n = view.getUint32(pos);
    if (buf.length - pos - 4 < n) break;
    frames.push(buf.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return { frames, rest: buf.subarray(pos) };
}

export { WATCH_EVENT };
