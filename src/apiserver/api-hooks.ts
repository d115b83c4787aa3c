// The API server's single seam onto the pure API modules (defaulting, validation,
// conversion, schema, printers, selectors, patches). Keeping these calls in one place lets
// each module evolve without touching the request paths.
import type { KObject, PodDisruptionBudget } from '../api/types/index.js';
import type { ResourceDef } from '../api/registry/index.js';
import { badRequest, type FieldError } from '../api/status.js';
import { applyDefaults, podQOSClass } from '../api/defaults/index.js';
import { validateObject as validateKind, validateUpdate as validateKindUpdate, type ValidateOptions } from '../api/validation/index.js';
import { convert, ConversionError } from '../api/conversion/index.js';
import { canonicalizeQuantities } from '../api/quantity/index.js';
import {
  decodeK8sProtobuf, findUnknownFields as schemaUnknownFields, dropUnknownFields as schemaDropUnknownFields,
  findScalarTypeError as schemaScalarTypeError, buildOpenApiV3Document, buildOpenApiV3Index,
  openApiHash, buildOpenApiV2Document, encodeOpenApiV2Proto,
} from '../api/schema/index.js';
import { tableFor, customResourcePrinter } from '../api/printers/index.js';
import type { ColumnDefinition, Cell, TablePrinter } from '../api/printers/index.js';
import { matchesLabels, labelSelectorFromMeta, selectorToString, compileObjectSelector } from '../api/selectors/index.js';
import type { LabelSelectorMeta } from '../api/selectors/index.js';
import { applyObject, computeManagedFieldsForUpdate, patchObject, patchSchemaFor, patchSchemaFromOpenApi, type PatchSchema, type PatchType } from '../api/patch/index.js';
import { BugError } from '../util/bug-error.js';
import type { ManagedFieldsEntry } from '../api/types/index.js';
import { apiVersionOf } from '../api/registry/index.js';
import { rfc3339 } from '../util/time.js';
import { managerName, type RequestContext } from './context.js';

// ---- bodies and schema ----

export function decodeProtobufBody(buf: Buffer): Record<string, unknown> {
  return decodeK8sProtobuf(buf).object;
}

export function findUnknownFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  return schemaUnknownFields(group, version, kind, obj);
}

/** findUnknownFields, removing them from obj. */
export function dropUnknownFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  return schemaDropUnknownFields(group, version, kind, obj);
}

/** Go's typed-decode error for the first scalar of the wrong JSON type in obj, if any. */
export function findScalarTypeError(group: string, version: string, kind: string, obj: Record<string, unknown>): string | undefined {
  return schemaScalarTypeError(group, version, kind, obj)?.message;
}

export function buildOpenApiIndex(paths: Record<string, { serverRelativeURL: string }>): object {
  const hashes: Record<string, string> = {};
  for (const [p, v] of Object.entries(paths)) hashes[p] = new URL(v.serverRelativeURL, 'https://x').searchParams.get('hash') ?? '';
  return buildOpenApiV3Index(Object.keys(paths), hashes);
}

export function buildOpenApiDocument(gv: { group: string; version: string }, defs: ResourceDef[]): object {
  return buildOpenApiV3Document(gv, defs);
}

/** The Swagger 2.0 document of every group-version (served at /openapi/v2). */
export function buildOpenApiV2(gvs: ReadonlyArray<{ group: string; version: string; defs: ResourceDef[] }>): object {
  return buildOpenApiV2Document(gvs.map((g) => ({ group: g.group, version: g.version, resources: g.defs })));
}

/** The gnostic protobuf form of the v2 document. */
export function encodeOpenApiV2(doc: object): Uint8Array {
  return encodeOpenApiV2Proto(doc);
}

export function hashOpenApi(doc: object): string {
  return openApiHash(doc);
}

// ---- tables ----

const customPrinters = new WeakMap<ResourceDef, TablePrinter>();

/** Built-in kinds by group/kind; custom resources from their CRD version's printer columns. */
function printerOf(def: ResourceDef): TablePrinter {
  if (!def.custom) return tableFor(def.group, def.kind);
  let p = customPrinters.get(def);
  if (!p) customPrinters.set(def, (p = customResourcePrinter(def.custom.printerColumns)));
  return p;
}

export function tableColumns(def: ResourceDef): readonly ColumnDefinition[] {
  return printerOf(def).columns;
}

export function tableRow(def: ResourceDef, obj: KObject, now: number): Cell[] {
  return printerOf(def).row(obj, now);
}

// ---- selectors ----

/** A predicate for list/watch from the query's selectors; undefined when both are empty. */
export function compileSelectors(def: ResourceDef, labelSelector: string, fieldSelector: string): ((o: Readonly<KObject>) => boolean) | undefined {
  return compileObjectSelector(def.group, def.kind, labelSelector, fieldSelector);
}

/** `app=nginx` form of a metav1.LabelSelector (Scale status.selector). */
export function labelSelectorString(sel: unknown): string {
  try {
    return selectorToString(labelSelectorFromMeta(sel as LabelSelectorMeta));
  } catch {
    return '';
  }
}

/** Does any PodDisruptionBudget matching the pod have no disruptions left? */
export function podDisruptionBlocked(pod: Readonly<KObject>, pdbs: ReadonlyArray<Readonly<PodDisruptionBudget>>): boolean {
  for (const pdb of pdbs) {
    const sel = labelSelectorFromMeta(pdb.spec?.selector);
    if (!matchesLabels(sel, pod.metadata.labels)) continue;
    const allowed = pdb.status?.disruptionsAllowed ?? 0;
    if (allowed <= 0) return true;
  }
  return false;
}

// ---- defaulting, validation, conversion ----

/** Defaults as upstream applies them when decoding, plus canonical quantities. */
export function defaultObject(def: ResourceDef, obj: KObject): void {
  applyDefaults(def.group, def.version, def.kind, obj);
}

export function validateObject(def: ResourceDef, obj: KObject, opts?: ValidateOptions): FieldError[] {
  const errs = canonicalizeQuantities(def.group, def.kind, obj);
  return errs.concat(validateKind(def.group, def.kind, obj, opts));
}

export function validateObjectUpdate(def: ResourceDef, obj: KObject, old: KObject, opts?: ValidateOptions): FieldError[] {
  const errs = canonicalizeQuantities(def.group, def.kind, obj);
  return errs.concat(validateKind(def.group, def.kind, obj, opts), validateKindUpdate(def.group, def.kind, obj, old));
}

export function podQosClass(pod: KObject): string {
  return podQOSClass(pod);
}

/** Converts between served versions of one stored kind; conversion failures are 400s. */
export function convertObject(obj: KObject, apiVersion: string, _kind: string): KObject {
  if (obj.apiVersion === apiVersion) return obj;
  try {
    return convert(obj, apiVersion);
  } catch (e) {
    if (e instanceof ConversionError) throw badRequest(e.message);
    throw e;
  }
}

// ---- patches and managed fields ----

export type { PatchType };

/** Applies a JSON, merge or strategic-merge patch to a private copy of the object. */
export function applyPatchDocument(def: { group: string; version: string; kind: string }, type: PatchType, cur: KObject, patch: unknown): KObject {
  if (type === 'apply') throw new BugError('apply patches go through serverSideApplyObject');
  return patchObject(def, type, cur, patch);
}

const customPatchSchemas = new WeakMap<ResourceDef, PatchSchema>();

/** Built-in kinds' patch schema, or a custom resource's from its CRD version's schema. */
function patchSchemaOf(def: ResourceDef): PatchSchema {
  if (!def.custom?.schema) return patchSchemaFor(def.group, def.kind);
  let s = customPatchSchemas.get(def);
  if (!s) customPatchSchemas.set(def, (s = patchSchemaFromOpenApi(def.group, def.kind, def.custom.schema)));
  return s;
}

export function serverSideApplyObject(def: ResourceDef, live: KObject | undefined, applied: KObject, o: { manager: string; force: boolean; now: Date; subresource?: string }): KObject {
  return applyObject({ group: def.group, kind: def.kind, schema: patchSchemaOf(def) }, live, applied, { manager: o.manager, force: o.force, apiVersion: apiVersionOf(def.group, def.version), now: rfc3339(o.now), subresource: o.subresource, hasStatus: def.hasStatus });
}

/** managedFields after a create, update or non-apply patch by the request's manager. */
export function trackManagedFields(old: KObject | undefined, next: KObject, ctx: RequestContext, def: ResourceDef, sub: string | undefined): ManagedFieldsEntry[] | undefined {
  // The live entries are the stored object's: a body without managedFields keeps them (upstream).
  const mf = computeManagedFieldsForUpdate(old, next, old?.metadata.managedFields, {
    manager: managerName(ctx),
    apiVersion: apiVersionOf(def.group, def.version),
    now: rfc3339(ctx.now),
    subresource: sub,
    statusSubresource: def.hasStatus,
    schema: patchSchemaOf(def),
  });
  return mf.length ? mf : undefined;
}
