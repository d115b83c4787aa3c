// Strict field validation for built-in kinds: reports JSON fields the kind's schema does not
// declare, with the paths upstream prints (`unknown field "spec.template.spec.containers[0].foo"`).
//
// Contract:
//  * Top level accepts apiVersion and kind in addition to the message fields (TypeMeta is
//    inlined into every kind in JSON but carried outside the message on the wire); so do
//    the items of a top-level list kind (`DeploymentList.items[i]`).
//  * Inline (embedded) structs contribute their fields to the enclosing level.
//  * Map keys are free; map values are checked when they are structured.
//  * IntOrString, Quantity, Time, RawExtension, FieldsV1 ... accept any content.
//  * Values of the wrong JSON type (e.g. a string where an object belongs) are not reported
//    here; only unknown names are.
//  * Kinds without a schema (custom resources) yield [].
// The walk visits each node once and allocates only when it finds a problem.
import { getMessage, messageFor, type MessageSchema, type ScalarType } from './schema.js';

type PathPart = string | number;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatPath(stack: readonly PathPart[], leaf: string): string {
  let s = '';
  for (const p of stack) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? p : `.${p}`;
  }
  return s === '' ? leaf : `${s}.${leaf}`;
}

/** Go's zero value of each scalar type (a JSON null decodes to it). */
const SCALAR_ZERO: Record<ScalarType, unknown> = { string: '', bytes: '', int32: 0, int64: 0, bool: false };

/** Replaces JSON nulls among the elements of a list (or the values of a map) with `zero`. */
function zeroNulls(v: unknown, map: boolean, zero: unknown): void {
  if (map) {
    if (isObject(v)) for (const k in v) if (v[k] === null) v[k] = zero;
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (v[i] === null) v[i] = zero;
  }
}

function walk(msg: MessageSchema, obj: Record<string, unknown>, stack: PathPart[], out: string[], top: boolean, drop = false): void {
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const f = msg.byJson.get(key);
    if (f === undefined) {
      if (top && (key === 'apiVersion' || key === 'kind')) continue;
      out.push(formatPath(stack, key));
      // Dropped here, where the object is at hand: the printed path cannot be walked back
      // (a key may be empty or hold '.', '[' or ']').
      if (drop) delete obj[key];
      continue;
    }
    const v = obj[key];
    if (drop && f.scalar !== undefined && (f.repeated || f.map)) zeroNulls(v, f.map, SCALAR_ZERO[f.scalar]);
    if (f.scalar !== undefined || f.special !== undefined) continue;
    if (v === null || typeof v !== 'object') continue;
    const child = getMessage(f.type);
    if (child === undefined) continue;
    // Items of a list kind are full objects and may carry their own apiVersion/kind.
    const typedItems = top && key === 'items' && msg.name.endsWith('List');
    stack.push(key);
    if (f.map) {
      if (isObject(v)) {
        for (const mk in v) {
          let mv = v[mk];
          if (drop && mv === null) v[mk] = mv = {};
          if (isObject(mv)) { stack.push(mk); walk(child, mv, stack, out, false, drop); stack.pop(); }
        }
      }
    } else if (f.repeated) {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          let el: unknown = v[i];
          if (drop && el === null) v[i] = el = {};
          if (isObject(el)) { stack.push(i); walk(child, el, stack, out, typedItems, drop); stack.pop(); }
        }
      }
    } else if (isObject(v)) {
      walk(child, v, stack, out, false, drop);
    }
    stack.pop();
  }
}

/**
 * Paths of the fields in `obj` that the schema of group/version/kind does not declare,
 * in document order. Empty when all are known or when the kind has no built-in schema.
 */
export function findUnknownFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  const name = messageFor(group, version, kind);
  if (name === undefined) return [];
  return findUnknownFieldsIn(name, obj);
}

/** As findUnknownFields, for a message name (e.g. a subresource body such as autoscaling/v1 Scale). */
export function findUnknownFieldsIn(messageName: string, obj: Record<string, unknown>): string[] {
  const msg = getMessage(messageName);
  if (msg === undefined) return [];
  const out: string[] = [];
  walk(msg, obj, [], out, true);
  return out;
}

/**
 * As findUnknownFields, and removes those fields from `obj` (unknown fields are never stored).
 * Also reads a JSON null among the elements of a list, or the values of a map, as Go's decoder
 * does: the zero value of the element type (`{}` for a struct, "" / 0 / false for scalars),
 * so that `containers: [null]` is an empty container validation refuses, not a hole every
 * reader of the stored object trips on. Returns the unknown fields' paths.
 */
export function dropUnknownFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  const name = messageFor(group, version, kind);
  const msg = name === undefined ? undefined : getMessage(name);
  if (msg === undefined) return [];
  const out: string[] = [];
  walk(msg, obj, [], out, true, true);
  return out;
}

/** The upstream wording of one problem, used in errors and `Warning: 299` headers. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}
