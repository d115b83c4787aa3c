// The API server's single seam onto the pure API modules (defaulting, validation,
// conversion, schema, printers, selectors, patches). Keeping these calls in one place lets
// each module evolve without touching the request paths.
import type { KObject } from '../api/types.js';
import type { ResourceDef } from '../api/registry/index.js';
import type { FieldError } from '../api/status.js';
import { decodeK8sProtobuf } from '../api/schema/protobuf.js';
import { findUnknownFields as schemaUnknownFields } from '../api/schema/fields.js';
import { buildOpenApiV3Document, buildOpenApiV3Index, openApiHash } from '../api/schema/openapi.js';
import { tableFor } from '../api/printers/index.js';
import type { ColumnDefinition, Cell } from '../api/printers/index.js';
import { parseLabelSelector, matchesLabels, parseFieldSelector, compileFieldSelector, labelSelectorFromMeta, selectorToString, isEverything } from '../api/selectors/index.js';
import type { LabelSelectorMeta } from '../api/selectors/index.js';

// ---- bodies and schema ----

export function decodeProtobufBody(buf: Buffer): Record<string, unknown> {
  return decodeK8sProtobuf(buf).object;
}

export function findUnknownFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  return schemaUnknownFields(group, version, kind, obj);
}

export function buildOpenApiIndex(paths: Record<string, { serverRelativeURL: string }>): object {
  const hashes: Record<string, string> = {};
  for (const [p, v] of Object.entries(paths)) hashes[p] = new URL(v.serverRelativeURL, 'https://x').searchParams.get('hash') ?? '';
  return buildOpenApiV3Index(Object.keys(paths), hashes);
}

export function buildOpenApiDocument(gv: { group: string; version: string }, defs: ResourceDef[]): object {
  return buildOpenApiV3Document(gv, defs);
}

export function hashOpenApi(doc: object): string {
  return openApiHash(doc);
}

// ---- tables ----

export function tableColumns(def: ResourceDef): readonly ColumnDefinition[] {
  return tableFor(def.group, def.kind).columns;
}

export function tableRow(def: ResourceDef, obj: KObject, now: number): Cell[] {
  return tableFor(def.group, def.kind).row(obj, now);
}

// ---- selectors ----

/** A predicate for list/watch from the query's selectors; undefined when both are empty. */
export function compileSelectors(def: ResourceDef, labelSelector: string, fieldSelector: string): ((o: Readonly<KObject>) => boolean) | undefined {
  const ls = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const lsActive = ls && !isEverything(ls) ? ls : undefined;
  const fs = fieldSelector ? compileFieldSelector(def.group, def.kind, parseFieldSelector(fieldSelector)) : undefined;
  if (!lsActive && !fs) return undefined;
  return (o) => (!lsActive || matchesLabels(lsActive, o.metadata.labels)) && (!fs || fs(o as KObject));
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
export function podDisruptionBlocked(pod: Readonly<KObject>, pdbs: ReadonlyArray<Readonly<KObject>>): boolean {
  for (const pdb of pdbs) {
    const sel = labelSelectorFromMeta((pdb.spec as { selector?: LabelSelectorMeta } | undefined)?.selector);
    if (!matchesLabels(sel, pod.metadata.labels)) continue;
    const allowed = (pdb.status as { disruptionsAllowed?: number } | undefined)?.disruptionsAllowed ?? 0;
    if (allowed <= 0) return true;
  }
  return false;
}

// ---- defaulting, validation, conversion (placeholders until wired) ----

export function defaultObject(_def: ResourceDef, _obj: KObject): void {}
export function validateObject(_def: ResourceDef, _obj: KObject): FieldError[] {
  return [];
}
export function validateObjectUpdate(_def: ResourceDef, _obj: KObject, _old: KObject): FieldError[] {
  return [];
}
export function podQosClass(_pod: KObject): string {
  return 'BestEffort';
}
export function convertObject(obj: KObject, _apiVersion: string, _kind: string): KObject {
  return obj;
}

// ---- patches and managed fields (placeholders until wired) ----

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function applyPatchDocument(_def: { group: string; version: string; kind: string }, _type: PatchType, cur: KObject, _patch: unknown): KObject {
  return cur;
}

export function serverSideApplyObject(_def: ResourceDef, _live: KObject | undefined, applied: KObject, _o: { manager: string; force: boolean; now: Date; subresource?: string }): KObject {
  return applied;
}

export function trackManagedFields(_old: KObject | undefined, next: KObject, _ctx: unknown, _def: ResourceDef, _sub: string | undefined): KObject['metadata']['managedFields'] {
  return next.metadata.managedFields;
}
