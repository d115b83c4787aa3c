// Server-side apply (`application/apply-patch+yaml`), after upstream's
// structured-merge-diff Updater.Apply:
//  1. the applier's new field set is exactly the fields of its applied
//     configuration (minus untracked fields);
//  2. the configuration is merged into the live object (list-maps by key,
//     sets by value, atomic values replaced);
//  3. fields the applier owned last time and no longer lists are removed unless
//     some manager (the applier included) still owns them or something below them;
//  4. fields whose value changes (or that appear) and are owned by another
//     manager are conflicts: 409 unless `force`, in which case those managers
//     lose them; fields that disappear are dropped from every manager.
// Null values in the configuration count as "not specified".
// The caller parses the body, checks fieldManager is set, and validates/stores
// the result; `live` undefined means the object does not exist yet (create).

import { StatusError, badRequest, type StatusCause } from '../status.js';
import type { KObject } from '../types/index.js';
import { pathToString } from './field-set.js';
import { copyObject, isObject, jsonEqual, type JsonObject } from './json-value.js';
import { decodeManagedFields, encodeManagedFields, managerIdentity, trackedComparison, trackedFields, type ManagerEntry } from './managed-fields.js';
import { compareObjects, fieldSetOf, mergeApplied, removeFields, withoutNulls } from './object-fields.js';
import { EMPTY_PATCH_SCHEMA, type PatchSchema } from './patch-schema.js';

export interface ApplyOptions {
  /** fieldManager query parameter (required for apply; the caller enforces it). */
  readonly manager: string;
  /** `force=true`: take ownership instead of failing on conflicts. */
  readonly force: boolean;
  /** apiVersion of the request, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** RFC 3339 timestamp for the applier's entry. */
  readonly now: string;
  readonly subresource?: string;
  /** The kind has a status subresource: main-resource applies neither set nor own `status`. */
  readonly statusSubresource?: boolean;
}

export interface ApplyResult {
  /** The merged object, with its new metadata.managedFields. */
  readonly object: KObject;
  /** False when neither the object nor its managedFields changed. */
  readonly changed: boolean;
}

/**
 * Applies `applied` on behalf of `opts.manager`. Throws a 409 StatusError in
 * upstream's form on ownership conflicts, 400 when the configuration carries
 * managedFields.
 */
export function serverSideApply(live: KObject | undefined, applied: KObject, opts: ApplyOptions, schema: PatchSchema = EMPTY_PATCH_SCHEMA): ApplyResult {
  const appliedMF = isObject(applied.metadata) ? applied.metadata.managedFields : undefined;
  if (Array.isArray(appliedMF) ? appliedMF.length > 0 : appliedMF !== undefined && appliedMF !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const config = applicableConfig(withoutNulls(applied) as JsonObject, opts);
  const root = schema.root;

  const entries = (live ? decodeManagedFields(live.metadata?.managedFields) : []) ?? [];
  const selfId = managerIdentity({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const previous = entries.find((e) => managerIdentity(e) === selfId);
  const others = entries.filter((e) => managerIdentity(e) !== selfId);

  const newSet = trackedFields(fieldSetOf(config, root), opts);
  const liveBody = live ? withoutManagedFields(live) : undefined;
  let merged = mergeApplied(liveBody, config, root) as JsonObject;
  if (previous) {
    const toRemove = previous.fields.difference(newSet);
    if (!toRemove.isEmpty()) {
      const keep = others.reduce((acc, e) => acc.union(e.fields), newSet);
      merged = removeFields(merged, toRemove, keep, root) as JsonObject;
    }
  }

  const cmp = trackedComparison(compareObjects(liveBody, merged, root), opts);
  const changedFields = cmp.modified.union(cmp.added);
  const conflicts: { entry: ManagerEntry; paths: string[][] }[] = [];
  for (const e of others) {
    const c = e.fields.intersection(changedFields);
    if (!c.isEmpty()) conflicts.push({ entry: e, paths: c.paths() });
  }
  if (conflicts.length > 0 && !opts.force) throw applyConflict(conflicts);

  const objectChanged = !jsonEqual(liveBody, merged);
  const nextEntries: ManagerEntry[] = others.map((e) => ({ ...e, fields: e.fields.difference(changedFields).difference(cmp.removed) }));
  nextEntries.push({
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: objectChanged || !previous?.time ? opts.now : previous.time,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    fields: newSet,
  });
  const managedFields = encodeManagedFields(nextEntries);
  const metadata = isObject(merged.metadata) ? copyObject(merged.metadata) : {};
  metadata.managedFields = managedFields;
  const object = { ...merged, metadata } as KObject;
  const changed = objectChanged || !jsonEqual(live?.metadata?.managedFields ?? [], managedFields);
  return { object, changed };
}

/** The part of the configuration this write may set. */
function applicableConfig(config: JsonObject, opts: ApplyOptions): JsonObject {
  if (opts.subresource === 'status') {
    return 'status' in config ? { status: config.status } : {};
  }
  if (opts.statusSubresource && opts.subresource === undefined && 'status' in config) {
    const out = copyObject(config);
    delete out.status;
    return out;
  }
  return config;
}

function withoutManagedFields(o: KObject): JsonObject {
  if (!isObject(o.metadata) || !('managedFields' in o.metadata)) return o;
  const metadata = copyObject(o.metadata);
  delete metadata.managedFields;
  return { ...o, metadata };
}

/** Upstream printManager, for identities (which carry no time). */
function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/**
 * 409 as upstream's NewApplyConflict: details hold only the causes. One conflict:
 * `Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas`;
 * several: `Apply failed with N conflicts: conflicts with "m" using v1:\n- .a\n- .b`.
 */
function applyConflict(conflicts: { entry: ManagerEntry; paths: string[][] }[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => {
    const ia = managerIdentity(a.entry);
    const ib = managerIdentity(b.entry);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  const causes: StatusCause[] = [];
  const lines: string[] = [];
  for (const { entry, paths } of sorted) {
    const who = printManager(entry);
    lines.push(`conflicts with ${who}:`);
    for (const p of paths) {
      const field = pathToString(p);
      causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field });
      lines.push(`- ${field}`);
    }
  }
  const message = causes.length === 1
    ? `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`
    : `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  return new StatusError({ code: 409, reason: 'Conflict', message, details: { causes } });
}


