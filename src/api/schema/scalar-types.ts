// Scalar type check of a decoded body against a built-in kind's schema, as decoding JSON into
// the typed Go struct fails upstream: a bool where a string belongs (YAML 1.1 turns `yes` into
// true before the typed decode), a string where an integer belongs, 1.5 in an int32.
//
// Contract:
//  * Only scalar fields (string, int32, int64, bool, bytes) are checked, directly, as list
//    elements and as map values; structured fields are walked, specials (Quantity,
//    IntOrString, Time, RawExtension, ...) accept what their own decoders accept.
//  * null is accepted everywhere (Go leaves the field unset).
//  * The first problem is reported with Go's wording: `json: cannot unmarshal bool into Go
//    struct field ConfigMap.data of type string` (the path is the JSON names from the kind,
//    without list indexes or map keys, as Go's decoder prints it).
//  * Kinds without a schema (custom resources) are not checked.
import { getMessage, messageFor, type FieldSchema, type MessageSchema } from './schema.js';

export interface ScalarTypeError {
  /** Go's message, e.g. `json: cannot unmarshal bool into Go struct field ConfigMap.data of type string`. */
  message: string;
}

const GO_TYPE: Record<string, string> = { string: 'string', int32: 'int32', int64: 'int64', bool: 'bool', bytes: '[]uint8' };

function jsonTypeOf(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Go's description of a value that does not fit `scalar`, or undefined when it fits. */
function misfit(scalar: string, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  switch (scalar) {
    case 'string':
    case 'bytes':
      return typeof v === 'string' ? undefined : jsonTypeOf(v);
    case 'bool':
      return typeof v === 'boolean' ? undefined : jsonTypeOf(v);
    case 'int32':
    case 'int64': {
      if (typeof v !== 'number') return jsonTypeOf(v);
      if (!Number.isInteger(v)) return `number ${v}`;
      if (scalar === 'int32' && (v < -2147483648 || v > 2147483647)) return `number ${v}`;
      return undefined;
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(root: string, msg: MessageSchema, obj: Record<string, unknown>, path: string): ScalarTypeError | undefined {
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const f: FieldSchema | undefined = msg.byJson.get(key);
    if (f === undefined || f.special !== undefined) continue;
    const v = obj[key];
    if (v === null || v === undefined) continue;
    const p = path ? `${path}.${key}` : key;
    if (f.scalar !== undefined) {
      const values = f.map ? (isObject(v) ? Object.values(v) : [v]) : f.repeated ? (Array.isArray(v) ? v : [v]) : [v];
      const container = f.map && !isObject(v) ? 'object-expected' : f.repeated && !Array.isArray(v) ? 'array-expected' : undefined;
      const goType = f.map ? `map[string]${GO_TYPE[f.scalar]}` : f.repeated && f.scalar !== 'bytes' ? `[]${GO_TYPE[f.scalar]}` : GO_TYPE[f.scalar];
      if (container) return { message: `json: cannot unmarshal ${jsonTypeOf(v)} into Go struct field ${root}.${p} of type ${goType}` };
      for (const x of values) {
        const bad = misfit(f.scalar, x);
        if (bad) return { message: `json: cannot unmarshal ${bad} into Go struct field ${root}.${p} of type ${GO_TYPE[f.scalar]}` };
      }
      continue;
    }
    const child = getMessage(f.type);
    if (child === undefined) continue;
    const items = f.map ? (isObject(v) ? Object.values(v) : []) : f.repeated ? (Array.isArray(v) ? v : []) : [v];
    for (const el of items) {
      if (!isObject(el)) continue;
      // Inline (embedded) structs contribute their fields to this level.
      const err = walk(root, child, el, f.inline ? path : p);
      if (err) return err;
    }
  }
  return undefined;
}

/** The first scalar type mismatch of `obj` against group/version/kind, if any. */
export function findScalarTypeError(group: string, version: string, kind: string, obj: Record<string, unknown>): ScalarTypeError | undefined {
  const name = messageFor(group, version, kind);
  const msg = name === undefined ? undefined : getMessage(name);
  if (msg === undefined) return undefined;
  return walk(kind, msg, obj, '');
}
