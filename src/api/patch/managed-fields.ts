// metadata.managedFields bookkeeping shared by server-side apply and by every
// non-apply write (create / update / patch), after upstream's fieldmanager.
//
// Vocabulary:
//  * manager entry: one managedFields item; its identity is manager + operation +
//    subresource, plus apiVersion for Update entries (upstream's
//    BuildManagerIdentifier drops apiVersion only for appliers). Entries with the
//    same identity are merged.
//  * ignored fields: never tracked (apiVersion, kind, metadata.name/namespace/uid/
//    resourceVersion/generation/creationTimestamp/selfLink/managedFields, and
//    `status` on main-resource writes of kinds with a status subresource; a write
//    to the `status` subresource tracks only `status`).

import type { KObject, ManagedFieldsEntry } from '../types/index.js';
import { compareElements, FieldSet, fieldElement } from './field-set.js';
import { isObject, type JsonObject } from './json-value.js';
import { compareObjects, listElements, type Comparison } from './object-fields.js';
import { childSchema, EMPTY_PATCH_SCHEMA, type PatchSchema, type SchemaNode } from './patch-schema.js';

export type ManagedOperation = 'Apply' | 'Update';

/** A decoded managedFields entry. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: ManagedOperation;
  readonly apiVersion: string;
  readonly time?: string;
  readonly subresource?: string;
  readonly fields: FieldSet;
}

/** Which fields a write may own. */
export interface TrackingOptions {
  /** Subresource written (`status`, `scale`, ...); undefined for the main resource. */
  readonly subresource?: string;
  /** The kind has a status subresource, so main-resource writes do not own `status`. */
  readonly statusSubresource?: boolean;
}

export interface UpdateManagedFieldsOptions extends TrackingOptions {
  readonly manager: string;
  readonly operation?: 'Update';
  /** apiVersion of the request, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** RFC 3339 timestamp recorded on the writer's entry. */
  readonly now: string;
  /** List types (SSA markers); defaults to treating every list as atomic. */
  readonly schema?: PatchSchema;
}

export function managerIdentity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.operation === 'Update' ? e.apiVersion : '',
    subresource: e.subresource ?? '',
  });
}

const STRIPPED_PATHS: readonly (readonly string[])[] = [
  ['apiVersion'],
  ['kind'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'selfLink'],
  ['metadata', 'uid'],
  ['metadata', 'clusterName'],
  ['metadata', 'generation'],
  ['metadata', 'managedFields'],
  ['metadata', 'resourceVersion'],
];

// Top-level structs are always present in upstream's typed objects, so their own
// path is never added or removed; only their fields are tracked.
const STRUCT_ROOTS = FieldSet.of([[fieldElement('metadata')], [fieldElement('spec')], [fieldElement('status')]]);

/** Restricts a field set to what a write with these options may own. */
export function trackedFields(set: FieldSet, opts: TrackingOptions): FieldSet {
  const stripped = set.withoutSubtrees(FieldSet.of(STRIPPED_PATHS.map((p) => p.map(fieldElement))))
    .difference(STRUCT_ROOTS);
  if (opts.subresource === 'status') return stripped.onlySubtree([fieldElement('status')]);
  if (opts.statusSubresource && opts.subresource === undefined) {
    return stripped.withoutSubtrees(FieldSet.of([[fieldElement('status')]]));
  }
  return stripped;
}

export function trackedComparison(c: Comparison, opts: TrackingOptions): Comparison {
  return { added: trackedFields(c.added, opts), modified: trackedFields(c.modified, opts), removed: trackedFields(c.removed, opts) };
}

/**
 * Decodes managedFields; entries with the same identity are merged. Returns
 * undefined when the list is malformed (callers then fall back, as upstream does).
 */
export function decodeManagedFields(list: unknown): ManagerEntry[] | undefined {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return undefined;
  const byId = new Map<string, ManagerEntry>();
  for (const raw of list) {
    if (!isObject(raw)) return undefined;
    const op = raw.operation;
    if (op !== 'Apply' && op !== 'Update') return undefined;
    if (raw.fieldsType !== undefined && raw.fieldsType !== 'FieldsV1') return undefined;
    const entry: ManagerEntry = {
      manager: typeof raw.manager === 'string' ? raw.manager : '',
      operation: op,
      apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
      ...(typeof raw.time === 'string' ? { time: raw.time } : {}),
      ...(typeof raw.subresource === 'string' && raw.subresource ? { subresource: raw.subresource } : {}),
      fields: FieldSet.fromFieldsV1(raw.fieldsV1),
    };
    const id = managerIdentity(entry);
    const prev = byId.get(id);
    if (prev) {
      const time = laterTime(prev.time, entry.time);
      byId.set(id, { ...entry, ...(time ? { time } : {}), fields: prev.fields.union(entry.fields) });
    } else {
      byId.set(id, entry);
    }
  }
  return [...byId.values()];
}

function seconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function laterTime(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return seconds(b) >= seconds(a) ? b : a;
}

/** Encodes entries, dropping empty ones, in upstream order: Apply first, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(entries: readonly ManagerEntry[]): ManagedFieldsEntry[] {
  const kept = entries.filter((e) => !e.fields.isEmpty());
  kept.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    const pr = p.subresource ?? '';
    const qr = q.subresource ?? '';
    return pr < qr ? -1 : pr > qr ? 1 : 0;
  });
  return kept.map((e) => {
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.fields.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

/** Upstream's "reset" marker: a list holding exactly one empty entry clears managedFields. */
function isResetMarker(v: unknown): boolean {
  return Array.isArray(v) && v.length === 1 && isObject(v[0]) && Object.keys(v[0]).length === 0;
}

/**
 * The entries a write starts from (upstream decodeLiveOrNew): subresource writes
 * always use the live entries; otherwise a request object may reset managedFields
 * with `[{}]` or replace them with a valid non-empty list, and in every other
 * case the live entries are kept.
 */
function startingEntries(live: readonly ManagedFieldsEntry[] | undefined, requested: unknown, subresource: string | undefined): ManagerEntry[] {
  const fromLive = decodeManagedFields(live) ?? [];
  if (subresource !== undefined) return fromLive;
  if (isResetMarker(requested)) return [];
  if (Array.isArray(requested) && requested.length > 0) {
    const fromReq = decodeManagedFields(requested);
    if (fromReq && fromReq.length > 0) return fromReq;
  }
  return fromLive;
}

/**
 * managedFields after a non-apply write (create, update, any non-apply patch) by
 * `manager`: fields the write added or changed move to the writer's Update entry
 * (taken from whoever owned them); fields it removed are dropped from every
 * entry. The writer's entry gets `now` only when it took something. `oldObj` is
 * undefined for create. Returns the list to store in `newObj.metadata.managedFields`.
 */
export function computeManagedFieldsForUpdate(
  oldObj: KObject | undefined,
  newObj: KObject,
  managedFields: readonly ManagedFieldsEntry[] | undefined,
  opts: UpdateManagedFieldsOptions,
): ManagedFieldsEntry[] {
  const schema = opts.schema ?? EMPTY_PATCH_SCHEMA;
  let entries = startingEntries(managedFields, newObj.metadata?.managedFields, opts.subresource);
  if (oldObj === undefined && entries.length === 0) {
    const fieldsV1 = createdFieldsV1(newObj, schema.root, opts);
    if (!fieldsV1) return [];
    // encodeManagedFields' shape for the one entry.
    const out: ManagedFieldsEntry = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, fieldsType: 'FieldsV1', fieldsV1 };
    if (opts.subresource) out.subresource = opts.subresource;
    return [out];
  }
  const cmp = trackedComparison(compareObjects(oldObj, newObj, schema.root), opts);
  const taken = cmp.modified.union(cmp.added);
  entries = entries.map((e) => ({ ...e, fields: e.fields.difference(taken).difference(cmp.removed) }));
  if (!taken.isEmpty()) {
    const id = managerIdentity(writerEntry(taken, opts));
    const idx = entries.findIndex((e) => managerIdentity(e) === id);
    const prev = idx >= 0 ? entries[idx].fields : FieldSet.empty();
    const mine = writerEntry(prev.union(taken), opts);
    if (idx >= 0) entries[idx] = mine;
    else entries.push(mine);
  }
  return encodeManagedFields(entries);
}

/** The writer's Update entry holding `fields` (encodeManagedFields drops it when empty). */
function writerEntry(fields: FieldSet, opts: UpdateManagedFieldsOptions): ManagerEntry {
  return { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}), time: opts.now, fields };
}

/**
 * What a create owns, as FieldsV1, in one walk over the object: equal to
 * `trackedFields(compareObjects(undefined, obj, root).added, opts).toFieldsV1()` (every field of
 * a new object is added; the comparison's modified and removed sets are empty), or undefined
 * when that set is empty. The general path builds the whole field trie, copies it through the
 * stripped-path and struct-root filters and two unions, then renders it; here the object's own
 * shape is the trie (its keys and list elements are unique), rendered as it is walked. The
 * property test in managed-fields.test.ts holds the two equal.
 */
export function createdFieldsV1(obj: KObject, root: SchemaNode | undefined, opts: TrackingOptions): Record<string, unknown> | undefined {
  const kids: Array<[string, Record<string, unknown>]> = [];
  for (const k of Object.keys(obj)) {
    if (k === 'status' ? opts.statusSubresource && opts.subresource === undefined : opts.subresource === 'status') continue;
    if (k === 'apiVersion' || k === 'kind') continue;
    // Top-level structs are never members themselves (STRUCT_ROOTS); metadata loses its server-set fields.
    const struct = k === 'metadata' || k === 'spec' || k === 'status';
    const sub = createdNode((obj as unknown as JsonObject)[k], childSchema(root, k), !struct, k === 'metadata' ? STRIPPED_METADATA : undefined);
    if (sub) kids.push([fieldElement(k), sub]);
  }
  return renderNode(false, kids);
}

/** One value of a new object as a FieldsV1 node; `skip`: field elements left out below it. */
function createdNode(v: unknown, n: SchemaNode | undefined, member: boolean, skip?: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const kids: Array<[string, Record<string, unknown>]> = [];
  if (isObject(v)) {
    if (n?.mapType !== 'atomic') createdFieldsOf(v, n, kids, skip);
  } else if (Array.isArray(v)) {
    const elems = v.length > 0 && (n?.listType ?? 'atomic') !== 'atomic' ? listElements(v, n) : undefined;
    if (elems) {
      v.forEach((item, i) => {
        if (item === undefined) return;
        const itemKids: Array<[string, Record<string, unknown>]> = [];
        if (isObject(item)) createdFieldsOf(item, n, itemKids);
        kids.push([elems[i], renderNode(true, itemKids)!]);
      });
    }
  }
  return renderNode(member, kids);
}

function createdFieldsOf(o: JsonObject, n: SchemaNode | undefined, kids: Array<[string, Record<string, unknown>]>, skip?: ReadonlySet<string>): void {
  for (const k of Object.keys(o)) {
    const e = fieldElement(k);
    if (skip?.has(e)) continue;
    const sub = createdNode(o[k], childSchema(n, k), true);
    if (sub) kids.push([e, sub]);
  }
}

/** A FieldsV1 node as FieldSet.toFieldsV1 renders it; undefined for an empty one. */
function renderNode(member: boolean, kids: Array<[string, Record<string, unknown>]>): Record<string, unknown> | undefined {
  if (!member && kids.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  if (member && kids.length > 0) out['.'] = {};
  kids.sort((a, b) => compareElements(a[0], b[0]));
  for (const [e, sub] of kids) out[e] = sub;
  return out;
}

const STRIPPED_METADATA = new Set(STRIPPED_PATHS.filter((p) => p.length === 2 && p[0] === 'metadata').map((p) => fieldElement(p[1])));
