// Strategic merge patch (`application/strategic-merge-patch+json`), applied with
// the semantics of k8s.io/apimachinery/pkg/util/strategicpatch (server side:
// MergeParallelList and IgnoreUnmatchedNulls both on):
//  * maps merge recursively; `null` deletes the key;
//  * a list whose field has strategy `merge` merges: maps by the merge key
//    (recursively), primitives by set union; any other list is replaced;
//  * `$patch: replace` on a map replaces it; `$patch: delete` turns it into {};
//    in a merge list, an element `{"$patch":"delete", <key>: v}` removes the
//    items with that key and an element `{"$patch":"replace"}` makes the other
//    elements the whole list; `$patch: merge` in a list is an error;
//  * `$retainKeys: [...]` drops the keys of the live map not listed (every
//    non-null patch key must be listed);
//  * `$setElementOrder/<list>` fixes the final order of a merged list
//    (patch order > live order for items it does not mention);
//  * `$deleteFromPrimitiveList/<list>` removes values from a merged primitive list.
// Any other key starting with `$` is rejected (400), where upstream would let the
// typed decoder drop or reject it.
//
// Deliberate difference: upstream copies a patch value verbatim when the live
// object lacks the key, and relies on decoding into Go structs to drop any
// directives/nulls left inside it. Having no structs, this implementation
// processes such values against an empty original instead, which yields the
// object upstream ends up storing.

import { PatchError } from './patch-error.js';
import { copyObject, goFormat, hasOwn, isObject, setOwn, type JsonObject } from './json-value.js';
import { childSchema, type PatchSchema, type SchemaNode } from './patch-schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

// Upstream mergepatch error texts.
const ERR_BAD_JSON_DOC = 'invalid JSON document';
const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';
const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ORDER = 'invalid patch format of setElementOrder list';

/** Applies `patch` to `doc` (both decoded JSON objects) and returns the new object. */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: PatchSchema): JsonObject {
  if (!isObject(doc)) throw new PatchError('malformed', ERR_BAD_JSON_DOC);
  if (!isObject(patch)) throw new PatchError('malformed', ERR_BAD_JSON_DOC);
  return mergeMap(doc, patch, schema.root);
}

type ElemKind = 'map' | 'primitive';

function mergeMap(original: JsonObject | undefined, patch: JsonObject, node: SchemaNode | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      const rest = copyObject(patch);
      delete rest[DIRECTIVE];
      return mergeMap(undefined, rest, node);
    }
    if (d === 'delete') return {};
    throw new PatchError('internal', `unknown patch type: ${goFormat(d)} in map: ${goFormat(patch)}`);
  }
  const out = original ? copyObject(original) : {};
  const work = copyObject(patch);

  if (hasOwn(work, RETAIN_KEYS)) {
    const keep = work[RETAIN_KEYS];
    delete work[RETAIN_KEYS];
    if (!Array.isArray(keep)) throw new PatchError('malformed', ERR_RETAIN_KEYS);
    const keepSet = new Set<unknown>(keep);
    for (const k of Object.keys(work)) {
      if (work[k] === null || k.startsWith(DELETE_PRIMITIVE_PREFIX) || k.startsWith(SET_ORDER_PREFIX)) continue;
      if (!keepSet.has(k)) throw new PatchError('malformed', ERR_RETAIN_KEYS);
    }
    for (const k of Object.keys(out)) if (!keepSet.has(k)) delete out[k];
  }

  // $setElementOrder lists are merged together with their sibling list first.
  for (const key of Object.keys(work)) {
    if (!key.startsWith(SET_ORDER_PREFIX)) continue;
    const order = work[key];
    delete work[key];
    const field = key.slice(SET_ORDER_PREFIX.length);
    if (!field || !Array.isArray(order)) throw new PatchError('malformed', ERR_SET_ORDER);
    const child = childSchema(node, field);
    const origList = hasOwn(out, field) ? out[field] : undefined;
    const patchList = hasOwn(work, field) ? work[field] : undefined;
    if (origList !== undefined && !Array.isArray(origList)) throw badArgType(origList);
    if (patchList !== undefined && !Array.isArray(patchList)) throw badArgType(patchList);
    const mergeKey = child?.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList ?? [], order, mergeKey);
    let merged: unknown[];
    if (origList && patchList) merged = mergeSliceHandler(origList, patchList, child, false);
    else if (origList) merged = origList;
    else if (patchList) merged = newValue(patchList, child) as unknown[];
    else continue;
    const kind = elementKind([origList ?? [], patchList ?? []]);
    const [inOrder, serverOnly] = partitionByPresence(merged, order, mergeKey, kind);
    setOwn(out, field, normalizeElementOrder(inOrder, serverOnly, order, origList ?? [], mergeKey, kind));
    delete work[field];
  }

  for (const rawKey of Object.keys(work)) {
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      key = rawKey.slice(DELETE_PRIMITIVE_PREFIX.length);
      if (!key) throw new PatchError('malformed', ERR_PRIMITIVE_LIST);
      isDeleteList = true;
    } else if (rawKey.startsWith('$')) {
      throw new PatchError('malformed', `unknown strategic merge patch directive ${JSON.stringify(rawKey)}`);
    }
    const pv = work[rawKey];
    if (pv === null) {
      delete out[key];
      continue;
    }
    const child = childSchema(node, key);
    if (!hasOwn(out, key)) {
      if (!isDeleteList) setOwn(out, key, newValue(pv, child));
      continue;
    }
    const ov = out[key];
    if (isObject(ov) && isObject(pv)) {
      setOwn(out, key, child?.strategy === 'replace' ? newValue(pv, child) : mergeMap(ov, pv, child));
    } else if (Array.isArray(ov) && Array.isArray(pv)) {
      setOwn(out, key, mergeSliceHandler(ov, pv, child, isDeleteList));
    } else {
      setOwn(out, key, newValue(pv, child));
    }
  }
  return out;
}

/** A patch value with no live counterpart: directives resolved against nothing. */
function newValue(pv: unknown, node: SchemaNode | undefined): unknown {
  if (isObject(pv)) return mergeMap(undefined, pv, node);
  if (Array.isArray(pv) && isMergeStrategy(node)) return mergeSliceHandler([], pv, node, false);
  return pv;
}

function isMergeStrategy(node: SchemaNode | undefined): boolean {
  return node?.strategy === 'merge' || node?.strategy === 'merge,retainKeys';
}

function mergeSliceHandler(original: unknown[], patch: unknown[], node: SchemaNode | undefined, isDeleteList: boolean): unknown[] {
  if (!isMergeStrategy(node)) return patch;
  return mergeSlice(original, patch, node?.mergeKey ?? '', node, isDeleteList);
}

function mergeSlice(original: unknown[], patch: unknown[], mergeKey: string, node: SchemaNode | undefined, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch]);
  let merged: unknown[];
  let orig = original;
  let pat = patch;
  if (kind === 'primitive') {
    if (isDeleteList) {
      const del = new Set(patch);
      return original.filter((v) => !del.has(v));
    }
    merged = dedupe([...original, ...patch]);
  } else {
    if (!mergeKey) throw new PatchError('internal', 'cannot merge lists without merge key for type map');
    [orig, pat] = mergeSliceWithSpecialElements(original as JsonObject[], patch as JsonObject[], mergeKey, node);
    merged = mergeSliceWithoutSpecialElements(orig as JsonObject[], pat as JsonObject[], mergeKey, node);
  }
  const [inPatch, serverOnly] = partitionByPresence(merged, pat, mergeKey, kind);
  return normalizeElementOrder(inPatch, serverOnly, pat, orig, mergeKey, kind);
}

function mergeSliceWithSpecialElements(original: JsonObject[], patch: JsonObject[], mergeKey: string, node: SchemaNode | undefined): [JsonObject[], JsonObject[]] {
  const plain: JsonObject[] = [];
  let replace = false;
  let orig = original;
  for (const item of patch) {
    if (!hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const d = item[DIRECTIVE];
    if (d === 'delete') {
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      const v = item[mergeKey];
      orig = orig.filter((o) => !(hasOwn(o, mergeKey) && o[mergeKey] === v));
    } else if (d === 'replace') {
      replace = true;
    } else if (d === 'merge') {
      throw new PatchError('internal', 'merging lists cannot yet be specified in the patch');
    } else {
      throw new PatchError('internal', `unknown patch type: ${goFormat(d)} in map: ${goFormat(item)}`);
    }
  }
  if (replace) return [plain.map((p) => mergeMap(undefined, p, node)), []];
  return [orig, plain];
}

function mergeSliceWithoutSpecialElements(original: JsonObject[], patch: JsonObject[], mergeKey: string, node: SchemaNode | undefined): JsonObject[] {
  const out = original.slice();
  for (const item of patch) {
    if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const v = item[mergeKey];
    const idx = out.findIndex((o) => hasOwn(o, mergeKey) && o[mergeKey] === v);
    if (idx >= 0) out[idx] = mergeMap(out[idx], item, node);
    else out.push(mergeMap(undefined, item, node));
  }
  return out;
}

/** Element kind shared by all lists; upstream rejects mixed kinds and lists of lists. */
function elementKind(lists: unknown[][]): ElemKind {
  let kind: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const k = Array.isArray(v) ? 'list' : isObject(v) ? 'map' : v === null ? 'null' : typeof v;
      if (kind === undefined) {
        if (k === 'list') throw new PatchError('apply', ERR_NO_LIST_OF_LISTS);
        kind = k;
      } else if (kind !== k) {
        throw new PatchError('internal', `list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return kind === 'map' ? 'map' : 'primitive';
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const v of values) {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

function identity(item: unknown, mergeKey: string, kind: ElemKind): unknown {
  if (kind === 'map') return isObject(item) ? item[mergeKey] : undefined;
  return item;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElemKind): number {
  const id = identity(item, mergeKey, kind);
  for (let i = 0; i < list.length; i++) if (identity(list[i], mergeKey, kind) === id) return i;
  return -1;
}

/** Splits `items` into those whose identity appears in `by` and the rest, keeping order. */
function partitionByPresence(items: unknown[], by: unknown[], mergeKey: string, kind: ElemKind): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const rest: unknown[] = [];
  for (const it of items) {
    if (kind === 'map' && !(isObject(it) && hasOwn(it, mergeKey))) throw errNoMergeKey(it, mergeKey);
    (indexIn(by, it, mergeKey, kind) >= 0 ? present : rest).push(it);
  }
  return [present, rest];
}

/**
 * Orders `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then
 * interleaves them: a server-only item goes before a patch item only when both
 * appear in `serverOrder` and it came first there.
 */
function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`; items absent from it keep their relative order at the end. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  let keep = items;
  let deletions: unknown[] = [];
  if (kind === 'map') {
    for (const it of [...items, ...order]) {
      if (!(isObject(it) && hasOwn(it, mergeKey))) throw errNoMergeKey(it, mergeKey);
    }
    keep = items.filter((it) => !(isObject(it) && it[DIRECTIVE] === 'delete'));
    deletions = items.filter((it) => isObject(it) && it[DIRECTIVE] === 'delete');
  }
  const ranked = keep.map((it, pos) => {
    const idx = indexIn(order, it, mergeKey, kind);
    return { it, pos, idx: idx < 0 ? Number.MAX_SAFE_INTEGER : idx };
  });
  ranked.sort((a, b) => a.idx - b.idx || a.pos - b.pos);
  return [...ranked.map((r) => r.it), ...deletions];
}

/**
 * The non-delete patch items must appear in `order` in the same relative order
 * (upstream validatePatchWithSetOrderList).
 */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const kind: ElemKind = mergeKey ? 'map' : 'primitive';
  const nonDelete = kind === 'map' ? patchList.filter((p) => !(isObject(p) && p[DIRECTIVE] === 'delete')) : patchList;
  let pi = 0;
  let oi = 0;
  while (pi < nonDelete.length && oi < order.length) {
    const p = nonDelete[pi];
    if (isObject(p) && hasOwn(p, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (kind === 'map') {
      if (!isObject(p) || !hasOwn(p, mergeKey)) throw errNoMergeKey(p, mergeKey);
      const o = order[oi];
      if (!isObject(o) || !hasOwn(o, mergeKey)) throw errNoMergeKey(o, mergeKey);
    }
    if (identity(p, mergeKey, kind) === identity(order[oi], mergeKey, kind)) pi++;
    oi++;
  }
  if (pi < nonDelete.length) {
    throw new PatchError('internal', `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER_PREFIX.slice(0, -1)} list:\n${goFormat(order)}\n`);
  }
}

function errNoMergeKey(m: unknown, key: string): PatchError {
  return new PatchError('internal', `map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

function badArgType(v: unknown): PatchError {
  return new PatchError('internal', `expected a list, but received ${goFormat(v)}`);
}
