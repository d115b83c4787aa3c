// Schema-aware walks over objects for server-side apply: which fields an object
// sets, how two versions differ, how an applied configuration merges into the
// live object, and how fields are removed.
//
// Lists follow their SSA list type (patch-schema.ts): `map` lists are addressed
// by key (k:), `set` lists by value (v:), everything else is atomic (one leaf).
// A map/set list whose items cannot all be addressed (missing key without a
// default, duplicates, wrong item shape) is treated as atomic, where upstream
// would reject the request; a forgiving fallback keeps writes of odd objects
// working.

import { FieldSet, fieldElement, keyElement, valueElement } from './field-set.js';
import { copyObject, hasOwn, isObject, jsonEqual, setOwn, type JsonObject } from './json-value.js';
import { childSchema, type SchemaNode } from './patch-schema.js';

/** The path elements of a list's items, or undefined when the list is atomic here. */
export function listElements(list: readonly unknown[], node: SchemaNode | undefined): string[] | undefined {
  const type = node?.listType ?? 'atomic';
  if (type === 'atomic') return undefined;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    let e: string | undefined;
    if (type === 'set') {
      e = isObject(item) || Array.isArray(item) ? undefined : valueElement(item);
    } else {
      e = mapItemElement(item, node);
    }
    if (e === undefined || seen.has(e)) return undefined;
    seen.add(e);
    out.push(e);
  }
  return out;
}

function mapItemElement(item: unknown, node: SchemaNode | undefined): string | undefined {
  if (!isObject(item)) return undefined;
  const keys = node?.listMapKeys ?? [];
  if (keys.length === 0) return undefined;
  const vals: Record<string, unknown> = {};
  for (const k of keys) {
    let v = hasOwn(item, k) ? item[k] : undefined;
    if (v === undefined || v === null) v = node?.keyDefaults?.[k];
    if (v === undefined || v === null || isObject(v) || Array.isArray(v)) return undefined;
    vals[k] = v;
  }
  return keyElement(vals);
}

function isAtomicMap(node: SchemaNode | undefined): boolean {
  return node?.mapType === 'atomic';
}

function isEmptyCompound(v: unknown): boolean {
  return v === undefined || (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
}

/** The set of fields `value` specifies (what an applier of `value` owns). */
export function fieldSetOf(value: unknown, node: SchemaNode | undefined): FieldSet {
  const s = FieldSet.empty();
  const walk = (v: unknown, n: SchemaNode | undefined, path: string[]): void => {
    if (isObject(v)) {
      if (path.length > 0 && (isAtomicMap(n) || Object.keys(v).length === 0)) {
        s.insertMut(path);
        return;
      }
      for (const k of Object.keys(v)) walk(v[k], childSchema(n, k), [...path, fieldElement(k)]);
      return;
    }
    if (Array.isArray(v)) {
      const elems = listElements(v, n);
      if (!elems) {
        s.insertMut(path);
        return;
      }
      v.forEach((item, i) => {
        const p = [...path, elems[i]];
        s.insertMut(p);
        if (isObject(item)) for (const k of Object.keys(item)) walk(item[k], childSchema(n, k), [...p, fieldElement(k)]);
      });
      return;
    }
    if (path.length > 0) s.insertMut(path);
  };
  walk(value, node, []);
  return s;
}

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/**
 * Field-level difference between two versions of an object. A compound value
 * (map, list, list item) that appears or disappears is itself added/removed, and
 * so is everything inside it; scalars and atomic values that change are modified.
 */
export function compareObjects(oldV: unknown, newV: unknown, node: SchemaNode | undefined): Comparison {
  const added = FieldSet.empty();
  const modified = FieldSet.empty();
  const removed = FieldSet.empty();
  // One path stack for the whole walk: insertMut copies what it keeps.
  const path: string[] = [];
  const leaf = (a: unknown, b: unknown): void => {
    if (path.length === 0) return;
    if (a === undefined && b !== undefined) added.insertMut(path);
    else if (a !== undefined && b === undefined) removed.insertMut(path);
    else if (!jsonEqual(a, b)) modified.insertMut(path);
  };
  const presence = (a: unknown, b: unknown): void => {
    if (path.length === 0) return;
    if (a === undefined) added.insertMut(path);
    else if (b === undefined) removed.insertMut(path);
  };
  /** Each key of `ao` and of `bo`, once. */
  const fields = (ao: JsonObject, bo: JsonObject, n: SchemaNode | undefined): void => {
    for (const k of Object.keys(ao)) {
      path.push(fieldElement(k));
      cmp(ao[k], hasOwn(bo, k) ? bo[k] : undefined, childSchema(n, k));
      path.pop();
    }
    for (const k of Object.keys(bo)) {
      if (hasOwn(ao, k)) continue;
      path.push(fieldElement(k));
      cmp(undefined, bo[k], childSchema(n, k));
      path.pop();
    }
  };
  const cmp = (a: unknown, b: unknown, n: SchemaNode | undefined): void => {
    if (a === undefined && b === undefined) return;
    // Equal values differ nowhere below (the usual case for most of an updated object).
    if (a !== undefined && b !== undefined && jsonEqual(a, b)) return;
    const objs = (a === undefined || isObject(a)) && (b === undefined || isObject(b));
    const lists = (a === undefined || Array.isArray(a)) && (b === undefined || Array.isArray(b));
    if (objs) {
      if ((path.length > 0 && isAtomicMap(n)) || (path.length > 0 && isEmptyCompound(a) && isEmptyCompound(b))) {
        leaf(a, b);
        return;
      }
      presence(a, b);
      fields((a ?? {}) as JsonObject, (b ?? {}) as JsonObject, n);
      return;
    }
    if (lists) {
      const al = (a ?? []) as unknown[];
      const bl = (b ?? []) as unknown[];
      const ea = listElements(al, n);
      const eb = listElements(bl, n);
      if (!ea || !eb || (isEmptyCompound(a) && isEmptyCompound(b))) {
        leaf(a, b);
        return;
      }
      presence(a, b);
      const am = new Map(ea.map((e, i) => [e, al[i]] as const));
      const bm = new Map(eb.map((e, i) => [e, bl[i]] as const));
      for (const e of new Set([...ea, ...eb])) {
        const ai = am.get(e);
        const bi = bm.get(e);
        path.push(e);
        if (isObject(ai) || isObject(bi)) {
          presence(ai, bi);
          fields(isObject(ai) ? ai : {}, isObject(bi) ? bi : {}, n);
        } else {
          leaf(ai, bi);
        }
        path.pop();
      }
      return;
    }
    leaf(a, b);
  };
  cmp(oldV, newV, node);
  return { added, modified, removed };
}

/**
 * Merges an applied configuration into the live object: the applied value wins
 * for scalars and atomic values; granular maps merge key by key; map/set lists
 * merge item by item. Items only in the live list keep their place relative to
 * the shared items, whose order the applied list decides (as upstream).
 */
export function mergeApplied(live: unknown, applied: unknown, node: SchemaNode | undefined): unknown {
  if (applied === undefined) return live;
  if (live === undefined) return applied;
  if (isObject(live) && isObject(applied) && !isAtomicMap(node)) {
    const out = copyObject(live);
    for (const k of Object.keys(applied)) {
      setOwn(out, k, mergeApplied(hasOwn(live, k) ? live[k] : undefined, applied[k], childSchema(node, k)));
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const el = listElements(live, node);
    const er = listElements(applied, node);
    if (!el || !er) return applied;
    const lm = new Map(el.map((e, i) => [e, live[i]] as const));
    const rIndex = new Map(er.map((e, i) => [e, i] as const));
    const mergeItem = (e: string): unknown => {
      const r = applied[rIndex.get(e) as number];
      return lm.has(e) ? mergeApplied(lm.get(e), r, node) : r;
    };
    const out: unknown[] = [];
    const emitted = new Set<string>();
    let next = 0;
    el.forEach((e, i) => {
      if (!rIndex.has(e)) {
        out.push(live[i]);
        return;
      }
      if (emitted.has(e)) return;
      const upTo = rIndex.get(e) as number;
      for (; next <= upTo; next++) {
        if (!emitted.has(er[next])) {
          emitted.add(er[next]);
          out.push(mergeItem(er[next]));
        }
      }
    });
    for (; next < er.length; next++) {
      if (!emitted.has(er[next])) {
        emitted.add(er[next]);
        out.push(mergeItem(er[next]));
      }
    }
    return out;
  }
  return applied;
}

/**
 * Removes the members of `toRemove` from `value`. A member is removed as a whole
 * only when `keep` (every field still owned by someone) holds nothing at or below
 * it; otherwise only its removable descendants go.
 */
export function removeFields(value: unknown, toRemove: FieldSet, keep: FieldSet | undefined, node: SchemaNode | undefined): unknown {
  if (isObject(value)) {
    let out: JsonObject | undefined;
    for (const e of toRemove.childElements()) {
      if (!e.startsWith('f:')) continue;
      const name = e.slice(2);
      if (!hasOwn(value, name)) continue;
      const sub = toRemove.child(e) as FieldSet;
      const keepSub = keep?.child(e);
      out ??= copyObject(value);
      if (sub.isMember && (!keepSub || keepSub.isEmpty())) {
        delete out[name];
      } else {
        setOwn(out, name, removeFields(value[name], sub, keepSub, childSchema(node, name)));
      }
    }
    return out ?? value;
  }
  if (Array.isArray(value)) {
    const elems = listElements(value, node);
    if (!elems) return value;
    const out: unknown[] = [];
    elems.forEach((e, i) => {
      const sub = toRemove.child(e);
      if (!sub) {
        out.push(value[i]);
        return;
      }
      const keepSub = keep?.child(e);
      if (sub.isMember && (!keepSub || keepSub.isEmpty())) return;
      out.push(removeFields(value[i], sub, keepSub, node));
    });
    return out;
  }
  return value;
}

/** Drops null-valued object members, recursively. */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) if (v[k] !== null) setOwn(out, k, withoutNulls(v[k]));
    return out;
  }
  return v;
}
