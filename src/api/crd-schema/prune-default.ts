// Pruning and defaulting of custom objects, in place, as apiextensions-apiserver does when it
// decodes a request body or reads an object from storage:
//
//   prune          drop fields the structural schema does not specify (kept: anything under
//                  x-kubernetes-preserve-unknown-fields or a schema'd additionalProperties; at
//                  the root and in embedded resources apiVersion, kind and metadata, where
//                  embedded metadata keeps only ObjectMeta's fields; root metadata is left to
//                  the caller, which handles it as ObjectMeta)
//   applyDefaults  fill missing fields (and non-nullable nulls) from `default`, top down, so a
//                  default's own children are defaulted too; then drop the nulls that remain
//                  in non-nullable fields without a default (upstream's
//                  PruneNonNullableNullsWithoutDefaults, run right after defaulting)
//
// Defaults are deep-copied: the schema's value is never shared with an object.

import { isPlainObject } from '../types/index.js';
import { clone } from '../../util/json.js';
import { childPath, indexPath, type SchemaNode } from './schema-node.js';

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

function pruneNode(n: SchemaNode | undefined, v: unknown, path: string, isResourceRoot: boolean, isRoot: boolean, out: string[]): void {
  if (!n) return;
  if (Array.isArray(v)) {
    if (n.items) for (let i = 0; i < v.length; i++) pruneNode(n.items, v[i], indexPath(path, i), n.items.embedded, false, out);
    return;
  }
  if (!isPlainObject(v)) return;
  const ap = n.additionalProperties;
  for (const k of Object.keys(v)) {
    const p = childPath(path, k);
    if (isResourceRoot && (k === 'apiVersion' || k === 'kind')) continue;
    if (isResourceRoot && k === 'metadata') {
      if (!isRoot && isPlainObject(v.metadata)) {
        for (const mk of Object.keys(v.metadata)) {
          if (!OBJECT_META_FIELDS.has(mk)) { delete v.metadata[mk]; out.push(childPath(p, mk)); }
        }
      }
      continue;
    }
    const child = n.properties?.get(k);
    if (child) pruneNode(child, v[k], p, child.embedded, false, out);
    else if (typeof ap === 'object') pruneNode(ap, v[k], p, ap.embedded, false, out);
    else if (!n.preserveUnknown && ap !== true) { delete v[k]; out.push(p); }
  }
}

/**
 * Removes unknown fields in place; returns their paths (`spec.foo`, `spec.items[0].bar`), sorted.
 * isResourceRoot: obj is a whole object (apiVersion, kind, metadata kept); false for a value
 * inside one (a `default`), where only an embedded resource keeps them.
 */
export function pruneValue(root: SchemaNode, obj: unknown, isResourceRoot = true): string[] {
  const out: string[] = [];
  pruneNode(root, obj, '', isResourceRoot || root.embedded, isResourceRoot, out);
  return out.sort();
}

function isNonNullableNull(v: unknown, n: SchemaNode | undefined): boolean {
  return v === null && n !== undefined && !n.nullable;
}

function defaultNode(n: SchemaNode | undefined, v: unknown): void {
  if (!n) return;
  if (Array.isArray(v)) {
    const items = n.items;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (items.hasDefault && isNonNullableNull(v[i], items)) v[i] = clone(items.defaultValue);
      defaultNode(items, v[i]);
    }
    return;
  }
  if (!isPlainObject(v)) return;
  if (n.properties) {
    for (const [k, child] of n.properties) {
      if (!child.hasDefault) continue;
      if (!(k in v) || isNonNullableNull(v[k], child)) v[k] = clone(child.defaultValue);
    }
  }
  const ap = typeof n.additionalProperties === 'object' ? n.additionalProperties : undefined;
  for (const k of Object.keys(v)) {
    const child = n.properties?.get(k);
    if (child) defaultNode(child, v[k]);
    else if (ap) {
      if (ap.hasDefault && isNonNullableNull(v[k], ap)) v[k] = clone(ap.defaultValue);
      defaultNode(ap, v[k]);
    }
  }
}

function pruneNulls(n: SchemaNode | undefined, v: unknown): void {
  if (!n) return;
  if (Array.isArray(v)) {
    if (n.items) for (const x of v) pruneNulls(n.items, x);
    return;
  }
  if (!isPlainObject(v)) return;
  const ap = typeof n.additionalProperties === 'object' ? n.additionalProperties : undefined;
  for (const k of Object.keys(v)) {
    const child = n.properties?.get(k) ?? ap;
    if (!child) continue;
    if (v[k] === null) {
      if (!child.nullable && !child.hasDefault) delete v[k];
      continue;
    }
    pruneNulls(child, v[k]);
  }
}

export function applyDefaultsTo(root: SchemaNode, obj: unknown): void {
  defaultNode(root, obj);
  pruneNulls(root, obj);
}
