// RFC 7386 JSON Merge Patch (`application/merge-patch+json`), with the edges of
// the upstream implementation (evanphx/json-patch MergePatch):
//  * object patch: keys merge recursively, `null` deletes, arrays and scalars
//    replace; a patch value placed where the target has no object is stored with
//    its null members pruned (RFC 7386 §2);
//  * array patch: replaces the whole document (nulls inside objects pruned);
//  * `null` or scalar patch: 400 "Invalid JSON Patch" (upstream rejects these,
//    where the RFC would replace the document).

import { PatchError } from './patch-error.js';
import { copyObject, hasOwn, isObject, setOwn, type JsonObject } from './json-value.js';

export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isObject(patch)) throw new PatchError('malformed', 'Invalid JSON Patch');
  if (!isObject(doc)) return pruneNulls(patch);
  return mergeObjects(doc, patch);
}

function mergeObjects(target: JsonObject, patch: JsonObject): JsonObject {
  const out = copyObject(target);
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === null) {
      delete out[k];
      continue;
    }
    const cur = hasOwn(out, k) ? out[k] : undefined;
    if (isObject(pv) && isObject(cur)) {
      setOwn(out, k, mergeObjects(cur, pv));
    } else {
      setOwn(out, k, pruneNulls(pv));
    }
  }
  return out;
}

/** Drops null-valued members of objects, recursively (array null elements stay). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) {
      if (v[k] !== null) setOwn(out, k, pruneNulls(v[k]));
    }
    return out;
  }
  return v;
}
