// Validation of a custom object against its compiled schema, with the messages the upstream API
// server gives: kube-openapi's sentences ("spec.replicas in body must be of type integer:
// \"string\"") inside apimachinery field errors, mapped as apiextensions-apiserver maps them
// (Required, NotSupported for enum, TooLong for maxLength, TooMany for maxItems/maxProperties,
// TypeInvalid for type and format, Invalid otherwise). Then the list-type uniqueness checks,
// the embedded-resource checks and the CEL rules.
//
// Paths: children `a.b`, list items `a[0]`, map values `a.key`; the root is the empty path.

import type { FieldError } from '../status.js';
import { isPlainObject } from '../types/index.js';
import { deepEqual } from '../../util/json.js';
import { isValidPathSegmentName } from '../validation/index.js';
import { evaluateRules } from './cel-rules.js';
import { matchesFormat } from './formats.js';
import { duplicate, goFloat, internal, invalid, notSupported, required, tooLong, tooMany, typeInvalid } from './field-errors.js';
import { childPath, indexPath, jsonTypeOf, schemaTypeName, type SchemaNode } from './schema-node.js';

/** The value at the same place in the old object, when the two correlate (update only). */
interface Old { readonly has: boolean; readonly value: unknown; }
const NO_OLD: Old = { has: false, value: undefined };

function enumValueString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** kube-openapi's `%v` of a bound: an integer for integral data (it converts), Go's float form otherwise. */
function bound(b: number, data: number): string {
  return Number.isInteger(data) ? String(Math.trunc(b)) : goFloat(b);
}

export function validateNode(n: SchemaNode, v: unknown, path: string, old: Old, errs: FieldError[]): void {
  if (v === null || v === undefined) {
    if (n.nullable) return;
    if (n.type || n.intOrString) {
      errs.push(typeInvalid(path, 'null', `${path} in body must be of type ${schemaTypeName(n)}: "null"`));
      return;
    }
  } else {
    const actual = jsonTypeOf(v);
    const ok = n.intOrString
      ? actual === 'integer' || actual === 'string'
      : !n.type || n.type === actual || (n.type === 'number' && actual === 'integer');
    if (!ok) {
      errs.push(typeInvalid(path, actual, `${path} in body must be of type ${schemaTypeName(n)}: "${actual}"`));
      return;
    }
  }
  const before = errs.length;
  if (typeof v === 'string') validateString(n, v, path, errs);
  else if (typeof v === 'number') validateNumber(n, v, path, errs);
  if (n.enumValues && !n.enumValues.some((e) => deepEqual(e, v))) {
    errs.push(notSupported(path, v, n.enumValues.map(enumValueString)));
  }
  if (Array.isArray(v)) validateArray(n, v, path, old, errs);
  else if (isPlainObject(v)) validateObject(n, v, path, old, errs);
  validateJunctors(n, v, path, errs);
  if (n.rules.length > 0 && errs.length === before) evaluateRules(n, v, old.has, old.value, path, errs);
}

function validateString(n: SchemaNode, s: string, path: string, errs: FieldError[]): void {
  if (n.format && !matchesFormat(n.format, s)) {
    errs.push(typeInvalid(path, s, `${path} in body must be of type ${n.format}: ${JSON.stringify(s)}`));
  }
  if (n.maxLength !== undefined || n.minLength !== undefined) {
    const runes = [...s].length;
    if (n.maxLength !== undefined && runes > n.maxLength) errs.push(tooLong(path, n.maxLength));
    if (n.minLength !== undefined && runes < n.minLength) errs.push(invalid(path, s, `${path} in body should be at least ${n.minLength} chars long`));
  }
  if (n.pattern) {
    if (!n.pattern.re) errs.push(internal(path, `pattern ${JSON.stringify(n.pattern.source)}: ${n.pattern.error ?? ''}`));
    else if (!n.pattern.re.test(s)) errs.push(invalid(path, s, `${path} in body should match '${n.pattern.source}'`));
  }
}

function isMultiple(v: number, f: number): boolean {
  if (f <= 0) return true;
  const q = v / f;
  return Math.abs(q - Math.round(q)) < 1e-9 * Math.max(1, Math.abs(q));
}

function validateNumber(n: SchemaNode, x: number, path: string, errs: FieldError[]): void {
  if (n.multipleOf !== undefined && !isMultiple(x, n.multipleOf)) {
    errs.push(invalid(path, x, `${path} in body should be a multiple of ${goFloat(n.multipleOf)}`));
  }
  if (n.maximum !== undefined && (n.exclusiveMaximum ? x >= n.maximum : x > n.maximum)) {
    errs.push(invalid(path, x, `${path} in body should be less than ${n.exclusiveMaximum ? '' : 'or equal to '}${bound(n.maximum, x)}`));
  }
  if (n.minimum !== undefined && (n.exclusiveMinimum ? x <= n.minimum : x < n.minimum)) {
    errs.push(invalid(path, x, `${path} in body should be greater than ${n.exclusiveMinimum ? '' : 'or equal to '}${bound(n.minimum, x)}`));
  }
}

/** The key fields of a list-type=map item, in the order the schema lists them. */
function mapKeyOf(n: SchemaNode, item: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(item)) return undefined;
  const key: Record<string, unknown> = {};
  for (const k of n.listMapKeys) {
    if (k in item) key[k] = item[k];
    else {
      const d = n.items?.properties?.get(k);
      if (d?.hasDefault) key[k] = d.defaultValue;
    }
  }
  return key;
}

function validateArray(n: SchemaNode, a: unknown[], path: string, old: Old, errs: FieldError[]): void {
  if (n.items) {
    // Only list-type=map items correlate with the old list (by key); others have no oldSelf.
    let oldByKey: Map<string, unknown> | undefined;
    if (old.has && n.listType === 'map' && Array.isArray(old.value)) {
      oldByKey = new Map();
      for (const o of old.value) { const k = mapKeyOf(n, o); if (k) oldByKey.set(JSON.stringify(k), o); }
    }
    for (let i = 0; i < a.length; i++) {
      let itemOld = NO_OLD;
      if (oldByKey) {
        const k = mapKeyOf(n, a[i]);
        const ks = k ? JSON.stringify(k) : undefined;
        if (ks !== undefined && oldByKey.has(ks)) itemOld = { has: true, value: oldByKey.get(ks) };
      }
      validateNode(n.items, a[i], indexPath(path, i), itemOld, errs);
    }
  }
  if (n.minItems !== undefined && a.length < n.minItems) {
    errs.push(invalid(path, a.length, `${path} in body should have at least ${n.minItems} items`));
  }
  if (n.maxItems !== undefined && a.length > n.maxItems) errs.push(tooMany(path, a.length, n.maxItems));
  if (n.uniqueItems && hasDuplicates(a)) errs.push(invalid(path, '', `${path} in body shouldn't contain duplicates`));
  if (n.listType === 'set') {
    const seen: unknown[] = [];
    for (let i = 0; i < a.length; i++) {
      if (seen.some((s) => deepEqual(s, a[i]))) errs.push(duplicate(indexPath(path, i), a[i]));
      else seen.push(a[i]);
    }
  } else if (n.listType === 'map' && n.listMapKeys.length > 0) {
    const seen = new Set<string>();
    for (let i = 0; i < a.length; i++) {
      const k = mapKeyOf(n, a[i]);
      if (!k) continue;
      const ks = JSON.stringify(k);
      if (seen.has(ks)) errs.push(duplicate(indexPath(path, i), k));
      else seen.add(ks);
    }
  }
}

function hasDuplicates(a: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if (deepEqual(a[i], a[j])) return true;
  return false;
}

function validateObject(n: SchemaNode, o: Record<string, unknown>, path: string, old: Old, errs: FieldError[]): void {
  const keys = Object.keys(o);
  if (n.minProperties !== undefined && keys.length < n.minProperties) {
    errs.push(invalid(path, n.minProperties, `${path} in body should have at least ${n.minProperties} properties`));
    return;
  }
  if (n.maxProperties !== undefined && keys.length > n.maxProperties) {
    // kube-openapi carries the limit as the value and no separate limit, so the text reads this way upstream.
    errs.push(tooMany(path, n.maxProperties, -1));
    return;
  }
  const oldObj = old.has && isPlainObject(old.value) ? old.value : undefined;
  const childOld = (k: string): Old => (oldObj && k in oldObj ? { has: true, value: oldObj[k] } : NO_OLD);
  if (n.additionalProperties === false) {
    for (const k of keys) {
      if (!n.properties?.has(k)) errs.push(invalid(path, k, `${childPath(path, k)} in body is a forbidden property`));
    }
  } else if (typeof n.additionalProperties === 'object') {
    for (const k of keys) {
      if (!n.properties?.has(k)) validateNode(n.additionalProperties, o[k], childPath(path, k), childOld(k), errs);
    }
  }
  if (n.properties) {
    for (const [k, child] of n.properties) {
      if (k in o) validateNode(child, o[k], childPath(path, k), childOld(k), errs);
    }
  }
  for (const k of n.required) if (!(k in o)) errs.push(required(childPath(path, k)));
  if (n.embedded) validateEmbedded(o, path, errs);
}

const groupVersionRe = /^([^/]+\/)?[^/]+$/;

/** x-kubernetes-embedded-resource: apiVersion and kind are required; metadata is an ObjectMeta. */
function validateEmbedded(o: Record<string, unknown>, path: string, errs: FieldError[]): void {
  if (!('apiVersion' in o)) errs.push(required(childPath(path, 'apiVersion'), 'must not be empty'));
  if (!('kind' in o)) errs.push(required(childPath(path, 'kind'), 'must not be empty'));
  const av = o.apiVersion;
  if (av !== undefined) {
    const p = childPath(path, 'apiVersion');
    if (typeof av !== 'string') errs.push(invalid(p, av, 'must be a string'));
    else if (av === '') errs.push(invalid(p, av, 'must not be empty'));
    else if (!groupVersionRe.test(av)) errs.push(invalid(p, av, `unexpected GroupVersion string: ${av}`));
  }
  const kind = o.kind;
  if (kind !== undefined) {
    const p = childPath(path, 'kind');
    if (typeof kind !== 'string') errs.push(invalid(p, kind, 'must be a string'));
    else if (kind === '') errs.push(invalid(p, kind, 'must not be empty'));
  }
  const md = o.metadata;
  if (md === undefined) return;
  const mp = childPath(path, 'metadata');
  if (!isPlainObject(md)) {
    errs.push(invalid(mp, md, 'must be an object'));
    return;
  }
  for (const f of ['name', 'generateName', 'namespace'] as const) {
    const v = md[f];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') errs.push(invalid(childPath(mp, f), v, 'must be a string'));
    else if (f !== 'generateName') for (const m of isValidPathSegmentName(v)) errs.push(invalid(childPath(mp, f), v, m));
  }
  for (const f of ['labels', 'annotations'] as const) {
    const v = md[f];
    if (v === undefined || v === null) continue;
    if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string')) errs.push(invalid(childPath(mp, f), v, 'must be a map of strings'));
  }
}

/** allOf/anyOf/oneOf/not as value validation at the same place (no rules or pruning inside). */
function validateJunctors(n: SchemaNode, v: unknown, path: string, errs: FieldError[]): void {
  if (n.allOf.length > 0) {
    let failed = false;
    for (const s of n.allOf) {
      const sub: FieldError[] = [];
      validateNode(s, v, path, NO_OLD, sub);
      if (sub.length) { failed = true; errs.push(...sub); }
    }
    if (failed) errs.push(invalid(path, '', `${path} must validate all the schemas (allOf)`));
  }
  if (n.anyOf.length > 0) {
    let firstFailure: FieldError[] | undefined;
    let anyValid = false;
    for (const s of n.anyOf) {
      const sub: FieldError[] = [];
      validateNode(s, v, path, NO_OLD, sub);
      if (sub.length === 0) { anyValid = true; break; }
      firstFailure ??= sub;
    }
    if (!anyValid) {
      errs.push(invalid(path, '', `${path} must validate at least one schema (anyOf)`));
      if (firstFailure) errs.push(...firstFailure);
    }
  }
  if (n.oneOf.length > 0) {
    let valid = 0;
    let firstFailure: FieldError[] | undefined;
    for (const s of n.oneOf) {
      const sub: FieldError[] = [];
      validateNode(s, v, path, NO_OLD, sub);
      if (sub.length === 0) valid++;
      else firstFailure ??= sub;
    }
    if (valid === 0) {
      errs.push(invalid(path, '', `${path} must validate one and only one schema (oneOf). Found none valid`));
      if (firstFailure) errs.push(...firstFailure);
    } else if (valid > 1) {
      errs.push(invalid(path, '', `${path} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`));
    }
  }
  if (n.not) {
    const sub: FieldError[] = [];
    validateNode(n.not, v, path, NO_OLD, sub);
    if (sub.length === 0) errs.push(invalid(path, '', `${path} must not validate the schema (not)`));
  }
}

/** The field of an error on the object itself: upstream's nil field.Path prints as `<nil>`. */
export const ROOT_FIELD = '<nil>';

export function validateValue(root: SchemaNode, obj: unknown, oldObj?: unknown): FieldError[] {
  const errs: FieldError[] = [];
  validateNode(root, obj, '', oldObj === undefined ? NO_OLD : { has: true, value: oldObj }, errs);
  for (const e of errs) if (e.field === '') e.field = ROOT_FIELD;
  return errs;
}
