// Test helper: encodes a JSON object into a k8s protobuf body the way Go's generated
// marshalers do, driven by the same schema table. Mirrors Go behaviour that matters to the
// decoder: non-pointer scalars and non-pointer structs are always written (zero when the
// JSON omits them); pointer fields only when set; map entries sorted by key.
// Not for production use (simple, allocation-heavy).
import { getMessage, messageFor, parseApiVersion, type FieldSchema } from '../schema.js';

class Bytes {
  readonly out: number[] = [];
  varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) { this.out.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.out.push(Number(x));
  }
  tag(num: number, wire: number): void { this.varint((num << 3) | wire); }
  bytes(num: number, b: Uint8Array | number[]): void {
    this.tag(num, 2);
    this.varint(b.length);
    for (const x of b) this.out.push(x);
  }
  toUint8Array(): Uint8Array { return Uint8Array.from(this.out); }
}

const enc = new TextEncoder();

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function encodeScalar(b: Bytes, f: FieldSchema, v: unknown): void {
  switch (f.scalar) {
    case 'string': b.bytes(f.num, enc.encode(String(v ?? ''))); return;
    case 'bytes': b.bytes(f.num, Uint8Array.from(atob(String(v ?? '')), (c) => c.charCodeAt(0))); return;
    case 'bool': b.tag(f.num, 0); b.varint(v ? 1 : 0); return;
    default: b.tag(f.num, 0); b.varint(Number(v ?? 0));
  }
}

function encodeSpecial(f: FieldSchema, v: unknown): Uint8Array {
  const b = new Bytes();
  switch (f.special) {
    case 'quantity': b.bytes(1, enc.encode(String(v ?? '0'))); break;
    case 'int-or-string':
      b.tag(1, 0); b.varint(typeof v === 'string' ? 1 : 0);
      b.tag(2, 0); b.varint(typeof v === 'number' ? v : 0);
      b.bytes(3, enc.encode(typeof v === 'string' ? v : ''));
      break;
    case 'time':
    case 'micro-time': {
      const ms = typeof v === 'string' ? Date.parse(v) : 0;
      const frac = typeof v === 'string' ? /\.(\d+)/.exec(v)?.[1] ?? '' : '';
      b.tag(1, 0); b.varint(Math.floor(ms / 1000));
      b.tag(2, 0); b.varint(Number((frac + '000000000').slice(0, 9)));
      break;
    }
    case 'duration': b.tag(1, 0); b.varint(Number(v ?? 0)); break;
    case 'raw-extension':
    case 'fields-v1':
      if (v !== undefined && v !== null) b.bytes(1, enc.encode(JSON.stringify(v)));
      break;
    case 'string-list':
      for (const s of (v as string[] | undefined) ?? []) b.bytes(1, enc.encode(s));
      break;
    default: throw new Error('not special');
  }
  return b.toUint8Array();
}

function encodeValue(f: FieldSchema, v: unknown): Uint8Array {
  if (f.special) return encodeSpecial(f, v);
  return encodeMessage(f.type, isObj(v) ? v : {});
}

/** Encodes `obj` as message `type` (no envelope). `packed` writes repeated numerics packed. */
export function encodeMessage(type: string, obj: Record<string, unknown>, opts: { packed?: boolean } = {}): Uint8Array {
  const msg = getMessage(type);
  if (!msg) throw new Error(`unknown message ${type}`);
  const b = new Bytes();
  for (const f of [...msg.fields].sort((x, y) => x.num - y.num)) {
    if (f.noJson) continue;
    if (f.inline) { b.bytes(f.num, encodeMessage(f.type, obj, opts)); continue; }
    const v = obj[f.json];
    if (f.map) {
      if (!isObj(v)) continue;
      for (const k of Object.keys(v).sort()) {
        const e = new Bytes();
        e.bytes(1, enc.encode(k));
        if (f.scalar) encodeScalar(e, { ...f, num: 2 }, v[k]);
        else e.bytes(2, encodeValue(f, v[k]));
        b.bytes(f.num, e.toUint8Array());
      }
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) continue;
      if (f.scalar && f.scalar !== 'string' && f.scalar !== 'bytes' && opts.packed) {
        const p = new Bytes();
        for (const x of v) p.varint(f.scalar === 'bool' ? (x ? 1 : 0) : Number(x));
        b.bytes(f.num, p.out);
        continue;
      }
      for (const x of v) {
        if (f.scalar) encodeScalar(b, f, x);
        else b.bytes(f.num, encodeValue(f, x));
      }
      continue;
    }
    if (f.pointer && (v === undefined || v === null)) continue;
    if (f.scalar) encodeScalar(b, f, v);
    else if (v !== undefined || !f.pointer) b.bytes(f.num, encodeValue(f, v));
  }
  return b.toUint8Array();
}

/** Encodes a full request body: "k8s\0" + runtime.Unknown{typeMeta, raw}. */
export function encodeK8sProtobuf(obj: Record<string, unknown>, opts: { packed?: boolean } = {}): Uint8Array {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const { group, version } = parseApiVersion(apiVersion);
  const name = messageFor(group, version, kind);
  if (!name) throw new Error(`unknown kind ${apiVersion} ${kind}`);
  const tm = new Bytes();
  tm.bytes(1, enc.encode(apiVersion));
  tm.bytes(2, enc.encode(kind));
  const u = new Bytes();
  u.out.push(0x6b, 0x38, 0x73, 0x00);
  u.bytes(1, tm.out);
  u.bytes(2, encodeMessage(name, obj, opts));
  u.bytes(3, []);
  u.bytes(4, []);
  return u.toUint8Array();
}
