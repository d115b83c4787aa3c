// validateCrdSchema: what apiextensions-apiserver checks in a CRD version's openAPIV3Schema
// before it accepts the CRD (apiextensions.k8s.io/v1), in upstream's three passes:
//
//   1 structural  every specified field has a type (except under x-kubernetes-int-or-string or
//                 x-kubernetes-preserve-unknown-fields); arrays have items; the root is an object
//                 without additionalProperties; metadata at the root may only restrict name and
//                 generateName; embedded resources are objects; allOf/anyOf/oneOf/not only
//                 validate values and name only fields the structural part specifies; patterns
//                 compile as RE2. Errors sorted, as upstream sorts them.
//   2 defaults    (only when 1 passed) each `default` survives pruning, validates against its
//                 schema and passes its CEL rules
//   3 schema      keywords CRDs do not support ($ref, definitions, dependencies, id,
//                 additionalItems, patternProperties, uniqueItems, type null, items as a list),
//                 additionalProperties beside properties, defaults in top-level metadata,
//                 x-kubernetes-list-type/-list-map-keys/-map-type rules, x-kubernetes-validations
//                 (rule/message/reason/fieldPath), and the rules compile (only where the schema
//                 at and below a node is otherwise valid, as upstream)
//
// Paths follow upstream: `<basePath>.properties[spec].items.type`. Formats upstream does not know
// are warnings, not errors.

import type { FieldError } from '../status.js';
import { isPlainObject } from '../types/index.js';
import { compileExpression, RULE_REASONS } from './cel-rules.js';
import { errorString, forbidden, invalid, notSupported, required } from './field-errors.js';
import { isKnownFormat, unrecognizedFormat } from './formats.js';
import { re2Error } from './pattern.js';
import { pruneValue } from './prune-default.js';
import { childPath, compileNode, indexPath, keyPath, type JSONSchemaProps } from './schema-node.js';
import { ROOT_FIELD, validateValue } from './validate.js';

type Level = 'root' | 'item' | 'field';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);

function obj(v: unknown): JSONSchemaProps | undefined { return isPlainObject(v) ? v : undefined; }
function props(s: JSONSchemaProps): [string, JSONSchemaProps][] {
  const p = obj(s.properties);
  return p ? Object.entries(p).filter((e): e is [string, JSONSchemaProps] => isPlainObject(e[1])) : [];
}
function list(s: JSONSchemaProps, k: 'allOf' | 'anyOf' | 'oneOf'): JSONSchemaProps[] {
  const l = s[k];
  return Array.isArray(l) ? l.filter(isPlainObject) : [];
}
/** allOf[i], anyOf[i], oneOf[i], not — in upstream's order for the structural pass. */
function junctors(s: JSONSchemaProps): [string, JSONSchemaProps][] {
  const out: [string, JSONSchemaProps][] = [];
  list(s, 'anyOf').forEach((x, i) => out.push([indexPath('anyOf', i), x]));
  list(s, 'allOf').forEach((x, i) => out.push([indexPath('allOf', i), x]));
  list(s, 'oneOf').forEach((x, i) => out.push([indexPath('oneOf', i), x]));
  if (isPlainObject(s.not)) out.push(['not', s.not]);
  return out;
}
function str(v: unknown): string { return typeof v === 'string' ? v : ''; }

// ---------------------------------------------------------------- pass 1: structural

function isIntOrStringAnyOf(l: unknown): boolean {
  if (!Array.isArray(l) || l.length !== 2) return false;
  const [a, b] = l;
  return isPlainObject(a) && isPlainObject(b) && Object.keys(a).length === 1 && Object.keys(b).length === 1 && a.type === 'integer' && b.type === 'string';
}

function checkPattern(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (typeof s.pattern !== 'string' || s.pattern === '') return;
  const e = re2Error(s.pattern) || jsPatternError(s.pattern);
  if (e) errs.push(invalid(childPath(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${e}`));
}

function jsPatternError(p: string): string {
  try { new RegExp(p.replace(/\(\?P</g, '(?<').replace(/^\(\?[ims]+\)/, '')); return ''; } catch (e) { return `error parsing regexp: ${(e as Error).message}`; }
}

/** allOf/anyOf/oneOf/not subtrees: value validation only (upstream's nested value validation). */
function checkNested(s: JSONSchemaProps, path: string, skipAnyOf: boolean, errs: FieldError[]): void {
  checkValueValidation(s, path, skipAnyOf, errs);
  if (isPlainObject(s.items)) checkNested(s.items, childPath(path, 'items'), false, errs);
  for (const [k, p] of props(s)) checkNested(p, keyPath(childPath(path, 'properties'), k), false, errs);
  const forbid = (k: string, msg: string): void => { errs.push(forbidden(childPath(path, k), msg)); };
  if (str(s.type)) forbid('type', 'must be empty to be structural');
  if (s.additionalProperties !== undefined) forbid('additionalProperties', 'must be undefined to be structural');
  if (s.default !== undefined) forbid('default', 'must be undefined to be structural');
  if (str(s.title)) forbid('title', 'must be empty to be structural');
  if (str(s.description)) forbid('description', 'must be empty to be structural');
  if (s.nullable === true) forbid('nullable', 'must be false to be structural');
  if (s.externalDocs !== undefined) forbid('externalDocs', 'must be undefined to be structural');
  if (s['x-kubernetes-preserve-unknown-fields'] === true) forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (s['x-kubernetes-embedded-resource'] === true) forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (s['x-kubernetes-int-or-string'] === true) forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  if (Array.isArray(s['x-kubernetes-list-map-keys']) && s['x-kubernetes-list-map-keys'].length > 0) forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (s['x-kubernetes-list-type'] !== undefined) forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  if (s['x-kubernetes-map-type'] !== undefined) forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) forbid('x-kubernetes-validations', 'must be empty to be structural');
  if (isPlainObject(obj(s.properties)?.metadata)) errs.push(forbidden(keyPath(childPath(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
}

/** The junctors of one node and its pattern. skipAnyOf: the anyOf is int-or-string's allowed form. */
function checkValueValidation(s: JSONSchemaProps, path: string, skipAnyOf: boolean, errs: FieldError[]): void {
  const allOf = list(s, 'allOf');
  const skipFirstAllOfAnyOf = allOf.length > 0 && isIntOrStringAnyOf(allOf[0].anyOf);
  if (!skipAnyOf) list(s, 'anyOf').forEach((x, i) => checkNested(x, indexPath(childPath(path, 'anyOf'), i), false, errs));
  allOf.forEach((x, i) => checkNested(x, indexPath(childPath(path, 'allOf'), i), skipFirstAllOfAnyOf && i === 0, errs));
  list(s, 'oneOf').forEach((x, i) => checkNested(x, indexPath(childPath(path, 'oneOf'), i), false, errs));
  if (isPlainObject(s.not)) checkNested(s.not, childPath(path, 'not'), false, errs);
  checkPattern(s, path, errs);
}

function checkMetadataAtRoot(m: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const rest: JSONSchemaProps = { ...m };
  delete rest.type;
  const p = obj(rest.properties);
  if (p) {
    const keys = Object.keys(p);
    if (keys.length > 0 && keys.length <= 2 && keys.every((k) => k === 'name' || k === 'generateName')) delete rest.properties;
  }
  // Documentation keywords do not restrict anything.
  delete rest.description;
  if (Object.keys(rest).length > 0) {
    errs.push(forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
}

function checkStructural(s: JSONSchemaProps, path: string, level: Level, errs: FieldError[]): void {
  const type = str(s.type);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;

  if (type === 'array' && s.items === undefined) errs.push(required(childPath(path, 'items'), 'must be specified'));
  if (isPlainObject(s.items)) checkStructural(s.items, childPath(path, 'items'), 'item', errs);
  for (const [k, p] of props(s)) {
    if (level === 'root' && k === 'metadata') continue; // ObjectMeta: checked below, not as a structural node
    checkStructural(p, keyPath(childPath(path, 'properties'), k), 'field', errs);
  }
  if (s.additionalProperties !== undefined) {
    if (level === 'root') errs.push(forbidden(childPath(path, 'additionalProperties'), 'must not be used at the root'));
    if (isPlainObject(s.additionalProperties)) checkStructural(s.additionalProperties, childPath(path, 'additionalProperties'), 'field', errs);
  }

  if (intOrString && preserve) errs.push(invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalid(childPath(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));

  checkValueValidation(s, path, isIntOrStringAnyOf(s.anyOf), errs);

  if (embedded && type !== 'object') {
    if (!type) errs.push(required(childPath(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(childPath(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!type && !intOrString && !preserve) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(required(childPath(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && s.additionalProperties !== undefined) errs.push(forbidden(childPath(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && type && type !== 'object') errs.push(invalid(childPath(path, 'type'), type, 'must be object at the root'));

  const checkMetadata = level === 'root' || embedded;
  const p = obj(s.properties) ?? {};
  const pp = childPath(path, 'properties');
  for (const k of ['kind', 'apiVersion']) {
    const f = obj(p[k]);
    if (f && checkMetadata && f.type !== 'string') errs.push(invalid(childPath(keyPath(pp, k), 'type'), str(f.type), 'must be string'));
  }
  const md = obj(p.metadata);
  if (md) {
    if (checkMetadata && md.type !== 'object') errs.push(invalid(childPath(keyPath(pp, 'metadata'), 'type'), str(md.type), 'must be object'));
    if (level === 'root') checkMetadataAtRoot(md, keyPath(pp, 'metadata'), errs);
  }
  if (embedded && !preserve && props(s).length === 0) {
    errs.push(required(childPath(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

/**
 * Every property or items a junctor names must exist in the structural part at the same place
 * (upstream's completeness check); `s` is the structural schema there, or undefined.
 */
function checkCompleteness(s: JSONSchemaProps | undefined, v: JSONSchemaProps, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push(required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  const sp = obj(s.properties);
  for (const [k, p] of props(v)) {
    const target = obj(sp?.[k]) ?? obj(s.additionalProperties);
    checkCompleteness(target, p, keyPath(childPath(sPath, 'properties'), k), keyPath(childPath(vPath, 'properties'), k), errs);
  }
  if (isPlainObject(v.items)) checkCompleteness(obj(s.items), v.items, childPath(sPath, 'items'), childPath(vPath, 'items'), errs);
  for (const [k, j] of junctors(v)) checkCompleteness(s, j, sPath, childPath(vPath, k), errs);
}

function walkCompleteness(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  for (const [k, j] of junctors(s)) checkCompleteness(s, j, path, childPath(path, k), errs);
  if (isPlainObject(s.items)) walkCompleteness(s.items, childPath(path, 'items'), errs);
  for (const [k, p] of props(s)) walkCompleteness(p, keyPath(childPath(path, 'properties'), k), errs);
  if (isPlainObject(s.additionalProperties)) walkCompleteness(s.additionalProperties, childPath(path, 'additionalProperties'), errs);
}

// ---------------------------------------------------------------- pass 2: defaults

function reroot(e: FieldError, base: string): FieldError {
  const sub = e.field === ROOT_FIELD ? '' : e.field;
  return { ...e, field: sub ? (sub.startsWith('[') ? base + sub : `${base}.${sub}`) : base };
}

function checkDefaults(s: JSONSchemaProps, path: string, isResourceRoot: boolean, insideMeta: boolean, errs: FieldError[]): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true || isResourceRoot;
  if (s['x-kubernetes-embedded-resource'] === true) insideMeta = false;
  // Defaults inside TypeMeta/ObjectMeta are refused at the top level by pass 3; in embedded
  // resources upstream checks them as metadata, which this library does not model.
  if (s.default !== undefined && s.default !== null && !insideMeta) {
    const dp = childPath(path, 'default');
    const node = compileNode(s);
    const copy = structuredClone(s.default);
    if (pruneValue(node, copy, embedded).length > 0) errs.push(invalid(dp, s.default, 'must not have unknown fields'));
    const verrs = validateValue(node, s.default, s.default);
    for (const e of verrs) errs.push(reroot(e, dp));
  }
  // additionalProperties is not followed: defaults are forbidden there (pass 3).
  if (isPlainObject(s.items)) checkDefaults(s.items, childPath(path, 'items'), false, insideMeta, errs);
  for (const [k, p] of props(s)) {
    const subMeta = insideMeta || (embedded && META_FIELDS.has(k));
    checkDefaults(p, keyPath(childPath(path, 'properties'), k), false, subMeta, errs);
  }
}

// ---------------------------------------------------------------- pass 3: schema keywords, extensions, rules

interface Scope {
  /** Why defaults are refused here ('' = allowed). */
  readonly noDefaults: string;
  readonly insideResourceMeta: boolean;
  /** The first ancestor whose items/values do not correlate with the old object ('' = none). */
  readonly uncorrelatable: string;
}

/** Go's %#v of a ValidationRule, as upstream prints the bad value of a rule that does not compile. */
function ruleValue(r: Record<string, unknown>): string {
  const q = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');
  const reason = typeof r.reason === 'string' ? `(*apiextensions.FieldValueErrorReason)(${JSON.stringify(r.reason)})` : '(*apiextensions.FieldValueErrorReason)(nil)';
  const optional = typeof r.optionalOldSelf === 'boolean' ? `(*bool)(${r.optionalOldSelf})` : '(*bool)(nil)';
  return `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`;
}

function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}: ${detail}` };
}

/** Follows a rule's fieldPath (`.a.b`, `['k']`) through the schema, as upstream's ValidFieldPath. */
function fieldPathValid(s: JSONSchemaProps, fp: string): boolean {
  let cur: JSONSchemaProps | undefined = s;
  let i = 0;
  while (i < fp.length) {
    if (!cur) return false;
    let name: string;
    if (fp[i] === '.') {
      const m = /^\.([^.[\]]+)/.exec(fp.slice(i));
      if (!m) return false;
      name = m[1];
      i += m[0].length;
    } else if (fp[i] === '[') {
      const m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(fp.slice(i));
      if (!m) return false;
      name = m[1].replace(/\\(.)/g, '$1');
      i += m[0].length;
    } else {
      return false;
    }
    const p = obj(cur.properties);
    if (p) {
      cur = obj(p[name]);
      if (!cur) return false;
    } else if (cur.additionalProperties !== undefined) {
      cur = obj(cur.additionalProperties);
    } else {
      return false;
    }
  }
  return true;
}

function checkRules(s: JSONSchemaProps, path: string, scope: Scope, schemaErrsBelow: boolean, errs: FieldError[], celErrs: FieldError[]): void {
  const rules = s['x-kubernetes-validations'];
  if (!Array.isArray(rules) || rules.length === 0) return;
  const rp = childPath(path, 'x-kubernetes-validations');
  const before = errs.length;
  rules.forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const p = indexPath(rp, i);
    const rule = str(r.rule).trim();
    const msg = str(r.message);
    if (rule === '') errs.push(required(childPath(p, 'rule'), 'rule is not specified'));
    else if (msg.length > 0 && msg.trim() === '') errs.push(invalid(childPath(p, 'message'), msg, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(msg.trim())) errs.push(invalid(childPath(p, 'message'), msg, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(rule) && msg.trim() === '') errs.push(required(childPath(p, 'message'), 'message must be specified if rule contains line breaks'));
    const me = str(r.messageExpression);
    if (me.length > 0 && me.trim() === '') errs.push(required(childPath(p, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    if (r.reason !== undefined && r.reason !== null && !(RULE_REASONS as readonly unknown[]).includes(r.reason)) {
      errs.push(notSupported(childPath(p, 'reason'), r.reason, [...RULE_REASONS].sort()));
    }
    const fp = str(r.fieldPath);
    if (fp.length > 0 && fp.trim() === '') errs.push(invalid(childPath(p, 'fieldPath'), fp, 'fieldPath must be non-empty if specified'));
    if (/\n/.test(fp)) errs.push(invalid(childPath(p, 'fieldPath'), fp, 'fieldPath must not contain line breaks'));
    if (fp.length > 0 && !fieldPathValid(s, fp.trim())) errs.push(invalid(childPath(p, 'fieldPath'), fp, 'fieldPath must be a valid path'));
  });
  // Upstream compiles rules only where the schema at and below this node is otherwise valid.
  if (schemaErrsBelow || errs.length > before) return;
  rules.forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const p = indexPath(rp, i);
    const rule = str(r.rule);
    if (rule.trim() === '') return;
    const c = compileExpression(rule, 'bool', s);
    if (c.error) celErrs.push(invalidRendered(childPath(p, 'rule'), ruleValue(r), c.error));
    const me = str(r.messageExpression);
    if (me.trim() !== '') {
      const m = compileExpression(me, 'string', s);
      if (m.error) celErrs.push(invalidRendered(childPath(p, 'messageExpression'), ruleValue(r), m.error));
    }
    const usesOldSelf = /(^|[^\w.])oldSelf\b/.test(rule);
    if (!c.error && usesOldSelf && scope.uncorrelatable) {
      celErrs.push(invalid(childPath(p, 'rule'), rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${scope.uncorrelatable}`));
    } else if (!usesOldSelf && typeof r.optionalOldSelf === 'boolean') {
      celErrs.push(invalid(childPath(p, 'optionalOldSelf'), r.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
    }
  });
}

function checkListAndMapTypes(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const type = str(s.type);
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined && type !== 'object') {
    if (!type) errs.push(required(childPath(path, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(invalid(childPath(path, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mt !== undefined && mt !== 'atomic' && mt !== 'granular') errs.push(notSupported(childPath(path, 'x-kubernetes-map-type'), mt, ['atomic', 'granular']));

  const lt = s['x-kubernetes-list-type'];
  const items = obj(s.items);
  if (lt !== undefined && type !== 'array') {
    if (!type) errs.push(required(childPath(path, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(childPath(path, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (lt === 'set' && items) {
    const ip = childPath(path, 'items');
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(invalid(childPath(ip, 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(invalid(childPath(ip, 'x-kubernetes-map-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (lt !== undefined && lt !== 'atomic' && lt !== 'set' && lt !== 'map') errs.push(notSupported(childPath(path, 'x-kubernetes-list-type'), lt, ['atomic', 'set', 'map']));

  const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
  if (keys.length > 0) {
    if (lt === undefined) errs.push(required(childPath(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (lt !== 'map') errs.push(invalid(childPath(path, 'x-kubernetes-list-type'), lt, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (lt === 'map') {
    if (keys.length === 0) errs.push(required(childPath(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined) errs.push(required(childPath(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') {
      errs.push(invalid(childPath(childPath(path, 'items'), 'type'), str(items.type), "must be object if parent array's x-kubernetes-list-type is map"));
    }
    if (items && items.type === 'object') {
      const ip = obj(items.properties) ?? {};
      const seen = new Set<unknown>();
      for (const k of keys) {
        const kp = obj(ip[String(k)]);
        if (kp) {
          if (kp.type === 'array' || kp.type === 'object') {
            errs.push(invalid(childPath(keyPath(childPath(childPath(path, 'items'), 'properties'), String(k)), 'type'), str(items.type), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          errs.push(invalid(childPath(path, 'x-kubernetes-list-map-keys'), keys, 'entries must all be names of item properties'));
        }
        if (seen.has(k)) errs.push(invalid(childPath(path, 'x-kubernetes-list-map-keys'), keys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  // set and map lists: items not nullable; map keys required or defaulted, not nullable
  if (items && (lt === 'set' || lt === 'map')) {
    const ip = childPath(path, 'items');
    if (items.nullable === true) errs.push(forbidden(childPath(ip, 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${String(lt)}`));
    if (lt === 'map') {
      const req = Array.isArray(items.required) ? items.required : [];
      const iprops = obj(items.properties) ?? {};
      for (const k of keys) {
        const kp = obj(iprops[String(k)]);
        if (!kp) continue;
        const p = keyPath(childPath(ip, 'properties'), String(k));
        if (!req.includes(k) && kp.default === undefined) {
          errs.push(required(childPath(p, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
        if (kp.nullable === true) errs.push(forbidden(childPath(p, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
}

/** Keywords CRDs do not support, each with upstream's test of "is set". */
const UNSUPPORTED: [string, (v: unknown) => boolean, string][] = [
  ['id', (v) => typeof v === 'string' && v !== '', 'id is not supported'],
  ['additionalItems', (v) => v !== undefined && v !== null, 'additionalItems is not supported'],
  ['patternProperties', (v) => isPlainObject(v) && Object.keys(v).length > 0, 'patternProperties is not supported'],
  ['definitions', (v) => isPlainObject(v) && Object.keys(v).length > 0, 'definitions is not supported'],
  ['dependencies', (v) => v !== undefined && v !== null, 'dependencies is not supported'],
  ['$ref', (v) => v !== undefined && v !== null, '$ref is not supported'],
];

/** Returns the schema errors found at and below this node (CEL errors go to celErrs). */
function checkSchema(s: JSONSchemaProps, path: string, isRoot: boolean, scope: Scope, errs: FieldError[], celErrs: FieldError[], warnings: string[]): number {
  const start = errs.length;
  const type = s.type;
  if (typeof type === 'string' && type !== '' && !OPENAPI_TYPES.includes(type)) errs.push(notSupported(childPath(path, 'type'), type, OPENAPI_TYPES));
  else if (type !== undefined && typeof type !== 'string') errs.push(notSupported(childPath(path, 'type'), type, OPENAPI_TYPES));
  if (s.default !== undefined && scope.noDefaults) errs.push(forbidden(childPath(path, 'default'), `must not be set ${scope.noDefaults}`));
  for (const [k, isSet, msg] of UNSUPPORTED) if (isSet(s[k])) errs.push(forbidden(childPath(path, k), msg));
  if (type === 'null') errs.push(forbidden(childPath(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items)) errs.push(forbidden(childPath(path, 'items'), 'items must be a schema object and not an array'));
  if (scope.insideResourceMeta && s['x-kubernetes-embedded-resource'] === true) errs.push(forbidden(childPath(path, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  if (typeof s.format === 'string' && !isKnownFormat(s.format)) warnings.push(`${childPath(path, 'format')}: ${unrecognizedFormat(s.format)}`);

  if (s.uniqueItems === true) errs.push(forbidden(childPath(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const ap = s.additionalProperties;
  if (ap !== undefined) {
    if (props(s).length > 0 && (ap === false || isPlainObject(ap))) {
      errs.push(forbidden(childPath(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    if (isPlainObject(ap)) {
      const sub = scope.insideResourceMeta ? { ...scope, noDefaults: 'inside additionalProperties applying to object metadata' } : scope;
      checkSchema(ap, childPath(path, 'additionalProperties'), false, sub, errs, celErrs, warnings);
    }
  }
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const [k, p] of props(s)) {
    let sub = scope;
    if ((isRoot || embedded) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, noDefaults: `in top-level ${k}` };
    }
    checkSchema(p, keyPath(childPath(path, 'properties'), k), false, sub, errs, celErrs, warnings);
  }
  if (isPlainObject(s.not)) checkSchema(s.not, childPath(path, 'not'), false, scope, errs, [], warnings);
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const) list(s, k).forEach((x, i) => checkSchema(x, indexPath(childPath(path, k), i), false, scope, errs, [], warnings));
  if (isPlainObject(s.items)) {
    const sub = s['x-kubernetes-list-type'] !== 'map' && !scope.uncorrelatable ? { ...scope, uncorrelatable: path } : scope;
    checkSchema(s.items, childPath(path, 'items'), false, sub, errs, celErrs, warnings);
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  checkListAndMapTypes(s, path, errs);
  checkRules(s, path, scope, errs.length > start, errs, celErrs);
  return errs.length - start;
}

export interface CrdSchemaReport {
  errors: FieldError[];
  /** Upstream's warnings for the same schema (unrecognized formats). */
  warnings: string[];
}

export function checkCrdSchema(schema: JSONSchemaProps, basePath: string): CrdSchemaReport {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  if (schema.nullable === true) errors.push(forbidden(childPath(basePath, 'nullable'), 'nullable cannot be true at the root'));

  const structural: FieldError[] = [];
  checkStructural(schema, basePath, 'root', structural);
  walkCompleteness(schema, basePath, structural);
  structural.sort((a, b) => (errorString(a) < errorString(b) ? -1 : errorString(a) > errorString(b) ? 1 : 0));
  errors.push(...structural);
  const defaults: FieldError[] = [];
  if (structural.length === 0) checkDefaults(schema, basePath, true, false, defaults);
  errors.push(...defaults);

  // As upstream, rules are compiled only when the schema is structural and its defaults valid.
  const celErrs: FieldError[] = [];
  checkSchema(schema, basePath, true, { noDefaults: '', insideResourceMeta: false, uncorrelatable: '' }, errors, celErrs, warnings);
  if (structural.length === 0 && defaults.length === 0) errors.push(...celErrs);
  return { errors, warnings };
}
