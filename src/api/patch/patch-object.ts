// The PATCH types as the API server runs them on an object: one dispatch over the four
// content types, with patch failures turned into the StatusErrors upstream answers. The API
// server (apiserver/api-hooks.ts) and the fake client of the unit tests both call these,
// so a patch behaves the same in a unit test as against the server.
import type { KObject } from '../types/index.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { serverSideApply } from './apply.js';
import { isPatchError, toStatusError } from './patch-error.js';
import { patchSchemaFor } from './builtin-schemas.js';
import type { PatchSchema } from './patch-schema.js';
import { jsonSizeUpTo } from './json-value.js';
import { requestEntityTooLarge } from '../status.js';

/**
 * Largest object any patch (json, merge, strategic, apply) may produce, in JSON bytes: the
 * largest object storage keeps (etcd's default request limit, 1.5 MiB). Checked on the result
 * before anything else touches it, so a patch that balloons an object fails fast with 413.
 */
export const MAX_PATCHED_OBJECT_BYTES = 1.5 * 1024 * 1024;

function checkPatchedSize<T>(obj: T): T {
  const size = jsonSizeUpTo(obj, MAX_PATCHED_OBJECT_BYTES);
  if (size > MAX_PATCHED_OBJECT_BYTES) throw requestEntityTooLarge(`Request entity too large: the patched object is larger than the limit of ${MAX_PATCHED_OBJECT_BYTES} bytes`);
  return obj;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The kind a patch applies to (the strategic-merge and apply schemas are per kind). */
export interface PatchTarget {
  group: string;
  kind: string;
  /** The kind's patch schema when it is not built in (custom resources: from the CRD). */
  schema?: PatchSchema;
}

/** A JSON, merge or strategic-merge patch applied to `doc` (a private copy; it may be changed). */
export function patchObject(target: PatchTarget, type: Exclude<PatchType, 'apply'>, doc: KObject, patch: unknown): KObject {
  try {
    switch (type) {
      case 'json':
        return checkPatchedSize(applyJsonPatch(doc, patch) as KObject);
      case 'merge':
        return checkPatchedSize(applyMergePatch(doc, patch) as KObject);
      case 'strategic':
        return checkPatchedSize(applyStrategicMergePatch(doc, patch, patchSchemaFor(target.group, target.kind)) as KObject);
      default: {
        const never: never = type;
        throw new TypeError(`unknown patch type ${String(never)}`);
      }
    }
  } catch (e) {
    if (isPatchError(e)) throw toStatusError(e);
    throw e;
  }
}

export interface ApplyObjectOptions {
  manager: string;
  force: boolean;
  /** apiVersion recorded in managedFields. */
  apiVersion: string;
  /** RFC 3339 time recorded in managedFields. */
  now: string;
  subresource?: string;
  /** The kind has a /status subresource: an apply to the main resource then leaves status alone. */
  hasStatus: boolean;
}

/** Server-side apply of `applied` over `live` (undefined: the object does not exist yet). */
export function applyObject(target: PatchTarget, live: KObject | undefined, applied: KObject, o: ApplyObjectOptions): KObject {
  try {
    return checkPatchedSize(serverSideApply(live, applied, {
      manager: o.manager,
      force: o.force,
      apiVersion: o.apiVersion,
      now: o.now,
      subresource: o.subresource,
      statusSubresource: o.hasStatus && o.subresource !== 'status',
    }, target.schema ?? patchSchemaFor(target.group, target.kind)).object);
  } catch (e) {
    if (isPatchError(e)) throw toStatusError(e);
    throw e;
  }
}
