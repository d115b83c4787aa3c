// RFC 6902 JSON Patch (`application/json-patch+json`), applied the way
// kube-apiserver's json-patch library (evanphx/json-patch v4) does:
//  * the body must be an array of objects, otherwise 400 (decode error);
//  * operations run in order, each on the result of the previous one; the first
//    failure aborts the whole patch (nothing is applied);
//  * the root pointer "" is not addressable (upstream: "doc is missing path");
//  * array indices may be negative (counted from the end), `-` appends for `add`;
//  * `~1` decodes to `/` and `~0` to `~`.
// Errors are PatchErrors; see patch-error.ts for the Status each one becomes.

import { PatchError } from './patch-error.js';
import { cloneJson, copyObject, hasOwn, isObject, jsonEqual, jsonSizeUpTo, setOwn, type JsonObject } from './json-value.js';

/** Upstream limit on operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * Upstream's limit on the bytes all `copy` operations of one JSON patch may add together
 * (JSONPatchMaxCopyBytes = MaxRequestBodyBytes, 3 MiB; the CVE-2019-1002100 fix). Without it
 * ~40 copies of a subtree into itself double the object each time and exhaust memory;
 * `add` and `replace` values come from the body, which is already limited to 3 MiB.
 */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchLimits {
  /** Bytes all copy operations may add together (default MAX_JSON_PATCH_COPY_BYTES). */
  maxCopyBytes?: number;
}

type Container = JsonObject | unknown[];

/** Applies `ops` (the decoded request body) to `doc`; returns the new document. */
export function applyJsonPatch(doc: unknown, ops: unknown, limits: JsonPatchLimits = {}): unknown {
  if (!Array.isArray(ops)) {
    throw new PatchError('malformed', `json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op)) {
      throw new PatchError('malformed', `json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError('too-large', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  const copy = { budget: limits.maxCopyBytes ?? MAX_JSON_PATCH_COPY_BYTES, used: 0 };
  let cur = doc;
  for (const op of ops as JsonObject[]) cur = applyOne(cur, op, copy);
  return cur;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

/** What the copy operations of one patch have added so far, against their budget. */
interface CopyBudget {
  readonly budget: number;
  used: number;
}

function applyOne(doc: unknown, op: JsonObject, copy: CopyBudget): unknown {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const path = requirePointer(op, 'path', 'add operation failed to decode path');
      return opAdd(doc, path, valueOf(op), 'add');
    }
    case 'remove': {
      const path = requirePointer(op, 'path', 'remove operation failed to decode path');
      return opRemove(doc, path, 'remove').doc;
    }
    case 'replace': {
      const path = requirePointer(op, 'path', 'replace operation failed to decode path');
      return opReplace(doc, path, valueOf(op));
    }
    case 'move': {
      const from = requirePointer(op, 'from', 'move operation failed to decode from');
      const path = requirePointer(op, 'path', 'move operation failed to decode path');
      const removed = opRemove(doc, from, 'move');
      return opAdd(removed.doc, path, removed.value, 'move');
    }
    case 'copy': {
      const from = requirePointer(op, 'from', 'copy operation failed to decode from');
      const path = requirePointer(op, 'path', 'copy operation failed to decode path');
      const value = get(doc, from, `copy operation does not apply: doc is missing from path: ${from}`);
      // Sized before cloning, and only up to what is left of the budget: refused before it grows.
      const left = copy.budget - copy.used;
      const size = jsonSizeUpTo(value, left);
      if (size > left) {
        throw new PatchError('apply', `Unable to copy, the accumulated size increase of copy is ${copy.used + size}, exceeding the limit ${copy.budget}`);
      }
      copy.used += size;
      return opAdd(doc, path, cloneJson(value), 'copy');
    }
    case 'test': {
      const path = requirePointer(op, 'path', 'test operation failed to decode path');
      const actual = get(doc, path, `test operation does not apply: is missing path: ${path}`);
      if (!jsonEqual(actual, valueOf(op))) {
        throw new PatchError('test-failed', `testing value ${path} failed: test failed`);
      }
      return doc;
    }
    default:
      throw new PatchError('apply', `Unexpected kind: ${kind}`);
  }
}

function requirePointer(op: JsonObject, member: 'path' | 'from', msg: string): string {
  const v = op[member];
  if (typeof v !== 'string') throw new PatchError('apply', `${msg}: missing value`);
  return v;
}

/** A missing `value` member behaves as JSON null, as in the upstream library. */
function valueOf(op: JsonObject): unknown {
  return hasOwn(op, 'value') ? op.value : null;
}

/** Splits a pointer into its parent tokens and last token; undefined for "" and non-pointers. */
function splitPointer(ptr: string): { parents: string[]; last: string } | undefined {
  if (!ptr.startsWith('/')) return undefined;
  const tokens = ptr.slice(1).split('/').map(decodeToken);
  const last = tokens.pop() as string;
  return { parents: tokens, last };
}

function decodeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isContainer(v: unknown): v is Container {
  return Array.isArray(v) || isObject(v);
}

/** Reads a child of a container; undefined when absent. */
function child(c: Container, token: string): unknown {
  if (Array.isArray(c)) {
    const i = parseIndex(token, c.length, false);
    return i === undefined ? undefined : c[i];
  }
  return hasOwn(c, token) ? c[token] : undefined;
}

/**
 * Parses an array index token. Negative values count from the end. With
 * `forInsert`, `len` itself is a valid position. Undefined when out of range.
 */
function parseIndex(token: string, len: number, forInsert: boolean): number | undefined {
  if (!/^-?\d+$/.test(token)) return undefined;
  let i = Number(token);
  const size = forInsert ? len + 1 : len;
  if (i < 0) {
    if (i < -size) return undefined;
    i += size;
  }
  if (i >= size) return undefined;
  return i;
}

/** Rebuilds `doc` with the container at `parents` replaced by `fn(container)`. */
function updateAt(doc: unknown, parents: string[], missing: string, fn: (c: Container) => Container): unknown {
  if (parents.length === 0) {
    if (!isContainer(doc)) throw new PatchError('apply', missing);
    return fn(doc);
  }
  if (!isContainer(doc)) throw new PatchError('apply', missing);
  const [head, ...rest] = parents;
  const next = child(doc, head);
  if (!isContainer(next)) throw new PatchError('apply', missing);
  const replaced = updateAt(next, rest, missing, fn);
  if (Array.isArray(doc)) {
    const i = parseIndex(head, doc.length, false) as number;
    const out = doc.slice();
    out[i] = replaced;
    return out;
  }
  const out = copyObject(doc);
  setOwn(out, head, replaced);
  return out;
}

function get(doc: unknown, ptr: string, missing: string): unknown {
  const sp = splitPointer(ptr);
  if (!sp) throw new PatchError('apply', missing);
  let cur = doc;
  for (const t of sp.parents) {
    if (!isContainer(cur)) throw new PatchError('apply', missing);
    cur = child(cur, t);
  }
  if (!isContainer(cur)) throw new PatchError('apply', missing);
  if (Array.isArray(cur)) {
    const i = parseIndex(sp.last, cur.length, false);
    if (i === undefined) throw new PatchError('apply', `Unable to access invalid index: ${sp.last}: invalid index referenced`);
    return cur[i];
  }
  if (!hasOwn(cur, sp.last)) throw new PatchError('apply', missing);
  return cur[sp.last];
}

function opAdd(doc: unknown, ptr: string, value: unknown, opName: string): unknown {
  const missing = `${opName} operation does not apply: doc is missing path: "${ptr}": missing value`;
  const sp = splitPointer(ptr);
  if (!sp) throw new PatchError('apply', missing);
  return updateAt(doc, sp.parents, missing, (c) => {
    if (Array.isArray(c)) {
      if (sp.last === '-') return [...c, value];
      const i = parseIndex(sp.last, c.length, true);
      if (i === undefined) {
        throw new PatchError('apply', `error in ${opName} for path: '${ptr}': Unable to access invalid index: ${sp.last}: invalid index referenced`);
      }
      return [...c.slice(0, i), value, ...c.slice(i)];
    }
    const out = copyObject(c);
    setOwn(out, sp.last, value);
    return out;
  });
}

function opRemove(doc: unknown, ptr: string, opName: string): { doc: unknown; value: unknown } {
  const missing = `${opName} operation does not apply: doc is missing path: "${ptr}": missing value`;
  const sp = splitPointer(ptr);
  if (!sp) throw new PatchError('apply', missing);
  let value: unknown;
  const out = updateAt(doc, sp.parents, missing, (c) => {
    if (Array.isArray(c)) {
      const i = parseIndex(sp.last, c.length, false);
      if (i === undefined) {
        throw new PatchError('apply', `error in ${opName} for path: '${ptr}': Unable to access invalid index: ${sp.last}: invalid index referenced`);
      }
      value = c[i];
      return [...c.slice(0, i), ...c.slice(i + 1)];
    }
    if (!hasOwn(c, sp.last)) {
      throw new PatchError('apply', `error in ${opName} for path: '${ptr}': Unable to remove nonexistent key: ${sp.last}: missing value`);
    }
    value = c[sp.last];
    const o = copyObject(c);
    delete o[sp.last];
    return o;
  });
  return { doc: out, value };
}

function opReplace(doc: unknown, ptr: string, value: unknown): unknown {
  const missingPath = `replace operation does not apply: doc is missing path: ${ptr}: missing value`;
  const sp = splitPointer(ptr);
  if (!sp) throw new PatchError('apply', missingPath);
  return updateAt(doc, sp.parents, missingPath, (c) => {
    if (Array.isArray(c)) {
      const i = parseIndex(sp.last, c.length, false);
      if (i === undefined) {
        throw new PatchError('apply', `replace operation does not apply: doc is missing key: ${ptr}: missing value`);
      }
      const out = c.slice();
      out[i] = value;
      return out;
    }
    if (!hasOwn(c, sp.last)) {
      throw new PatchError('apply', `replace operation does not apply: doc is missing key: ${ptr}: missing value`);
    }
    const out = copyObject(c);
    setOwn(out, sp.last, value);
    return out;
  });
}
