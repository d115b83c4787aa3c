// validateCrdSchema: what apiextensions-apiserver checks in a CRD version's openAPIV3Schema
// before it accepts the CRD (apiextensions.k8s.io/v1):
//
//   keywords     only the OpenAPI v3 subset CRDs allow ($ref, definitions, dependencies, id,
//                $schema, additionalItems, patternProperties, uniqueItems, type null,
//                additionalProperties false, items as an array are refused)
//   structural   every specified field has a type (except under x-kubernetes-int-or-string or
//                x-kubernetes-preserve-unknown-fields); the root is an object; metadata at the root
//                may only restrict name and generateName; allOf/anyOf/oneOf/not only validate values
//                (no type, default, description, nullable, x-kubernetes-*) and name only fields the
//                structural part specifies
//   extensions   list-type (atomic/set/map) and list-map-keys, map-type, embedded-resource,
//                int-or-string, preserve-unknown-fields
//   values       `pattern` compiles as RE2; `default` validates against its schema and survives
//                pruning; CEL rules (x-kubernetes-validations) compile
//
// Paths follow upstream: `<basePath>.properties[spec].items.type`.

import type { FieldError } from '../status.js';
import { fieldErr } from '../status.js';
import { isPlainObject } from '../types/index.js';
import { compileExpression, RULE_REASONS } from './cel-rules.js';
import { isKnownFormat, unrecognizedFormat } from './formats.js';
import { re2Error } from './pattern.js';
import { pruneValue } from './prune-default.js';
import { childPath, compileNode, indexPath, keyPath, type JSONSchemaProps } from './schema-node.js';
import { validateValue } from './validate.js';

type Level = 'root' | 'item' | 'field';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const LIST_TYPES = ['atomic', 'map', 'set'];
const MAP_TYPES = ['atomic', 'granular'];
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

const UNSUPPORTED_KEYWORDS: [string, string][] = [
  ['$ref', '$ref is not supported'],
  ['definitions', 'definitions is not supported'],
  ['dependencies', 'dependencies is not supported'],
  ['id', 'id is not supported'],
  ['$schema', '$schema is not supported'],
  ['additionalItems', 'additionalItems is not supported'],
  ['patternProperties', 'patternProperties is not supported'],
];

interface Ctx {
  readonly errs: FieldError[];
  readonly warnings: string[];
}

function obj(v: unknown): JSONSchemaProps | undefined { return isPlainObject(v) ? v : undefined; }
function props(s: JSONSchemaProps): [string, JSONSchemaProps][] {
  const p = obj(s.properties);
  return p ? Object.entries(p).filter((e): e is [string, JSONSchemaProps] => isPlainObject(e[1])) : [];
}
function junctors(s: JSONSchemaProps): [string, JSONSchemaProps][] {
  const out: [string, JSONSchemaProps][] = [];
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    const l = s[k];
    if (Array.isArray(l)) l.forEach((x, i) => { if (isPlainObject(x)) out.push([indexPath(k, i), x]); });
  }
  if (isPlainObject(s.not)) out.push(['not', s.not]);
  return out;
}

/** Checks that apply to every schema object, structural or nested in a junctor. */
function checkKeywords(s: JSONSchemaProps, path: string, ctx: Ctx): void {
  const { errs } = ctx;
  for (const [k, msg] of UNSUPPORTED_KEYWORDS) if (s[k] !== undefined) errs.push(fieldErr.forbidden(childPath(path, k), msg));
  const type = s.type;
  if (type !== undefined && type !== '') {
    if (type === 'null') errs.push(fieldErr.forbidden(childPath(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
    else if (typeof type !== 'string' || !OPENAPI_TYPES.includes(type)) errs.push(fieldErr.notSupported(childPath(path, 'type'), type, OPENAPI_TYPES));
  }
  if (Array.isArray(s.items)) errs.push(fieldErr.forbidden(childPath(path, 'items'), 'items must be a schema object and not an array'));
  if (s.uniqueItems === true) errs.push(fieldErr.forbidden(childPath(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties === false) errs.push(fieldErr.forbidden(childPath(path, 'additionalProperties'), 'additionalProperties cannot be set to false'));
  if (s.additionalProperties !== undefined && s.additionalProperties !== false && props(s).length > 0) {
    errs.push(fieldErr.forbidden(childPath(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
  }
  if (typeof s.pattern === 'string' && s.pattern !== '') {
    const e = re2Error(s.pattern) || jsPatternError(s.pattern);
    if (e) errs.push(fieldErr.invalid(childPath(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${e}`));
  }
  if (typeof s.format === 'string' && !isKnownFormat(s.format)) ctx.warnings.push(`${childPath(path, 'format')}: ${unrecognizedFormat(s.format)}`);
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const) {
    const v = s[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) errs.push(fieldErr.invalid(childPath(path, k), v, 'must be greater than or equal to 0'));
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf <= 0) errs.push(fieldErr.invalid(childPath(path, 'multipleOf'), s.multipleOf, 'must be greater than zero'));
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))) {
    errs.push(fieldErr.invalid(childPath(path, 'required'), s.required, 'must be a list of strings'));
  }
}

function jsPatternError(p: string): string {
  try { new RegExp(p.replace(/\(\?P</g, '(?<').replace(/^\(\?[ims]+\)/, '')); return ''; } catch (e) { return `error parsing regexp: ${(e as Error).message}`; }
}

/** allOf/anyOf/oneOf/not subtrees: value validation only (upstream's validateNestedValueValidation). */
function checkNested(s: JSONSchemaProps, path: string, ctx: Ctx): void {
  const { errs } = ctx;
  checkKeywords(s, path, ctx);
  const forbid = (k: string, msg: string): void => { errs.push(fieldErr.forbidden(childPath(path, k), msg)); };
  if (s.type !== undefined && s.type !== '') forbid('type', 'must be empty to be structural');
  if (s.additionalProperties !== undefined) forbid('additionalProperties', 'must be undefined to be structural');
  if (s.default !== undefined) forbid('default', 'must be undefined to be structural');
  if (typeof s.title === 'string' && s.title) forbid('title', 'must be empty to be structural');
  if (typeof s.description === 'string' && s.description) forbid('description', 'must be empty to be structural');
  if (s.nullable === true) forbid('nullable', 'must be false to be structural');
  if (s.externalDocs !== undefined) forbid('externalDocs', 'must be undefined to be structural');
  if (s['x-kubernetes-preserve-unknown-fields'] === true) forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (s['x-kubernetes-embedded-resource'] === true) forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (s['x-kubernetes-int-or-string'] === true) forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  if (Array.isArray(s['x-kubernetes-list-map-keys']) && s['x-kubernetes-list-map-keys'].length > 0) forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (s['x-kubernetes-list-type'] !== undefined) forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  if (s['x-kubernetes-map-type'] !== undefined) forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) forbid('x-kubernetes-validations', 'must be empty to be structural');
  for (const [k, p] of props(s)) {
    if (k === 'metadata') errs.push(fieldErr.forbidden(keyPath(childPath(path, 'properties'), k), 'must not be specified in a nested context'));
    checkNested(p, keyPath(childPath(path, 'properties'), k), ctx);
  }
  if (isPlainObject(s.items)) checkNested(s.items, childPath(path, 'items'), ctx);
  for (const [k, j] of junctors(s)) checkNested(j, childPath(path, k), ctx);
}

function isIntOrStringPattern(l: unknown): boolean {
  if (!Array.isArray(l) || l.length !== 2) return false;
  const [a, b] = l;
  return isPlainObject(a) && isPlainObject(b) && Object.keys(a).length === 1 && Object.keys(b).length === 1 && a.type === 'integer' && b.type === 'string';
}

/**
 * Every property or items a junctor names must exist in the structural part at the same place
 * (upstream's completeness check). `s` is the structural schema at that place, or undefined.
 */
function checkCompleteness(s: JSONSchemaProps | undefined, v: JSONSchemaProps, sPath: string, vPath: string, errs: FieldError[]): void {
  if (!s) {
    errs.push(fieldErr.required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === true && s.type === undefined) return;
  const sp = obj(s.properties);
  for (const [k, p] of props(v)) {
    const target = sp && isPlainObject(sp[k]) ? sp[k] : isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;
    checkCompleteness(target as JSONSchemaProps | undefined, p, keyPath(childPath(sPath, 'properties'), k), keyPath(childPath(vPath, 'properties'), k), errs);
  }
  if (isPlainObject(v.items)) checkCompleteness(obj(s.items), v.items, childPath(sPath, 'items'), childPath(vPath, 'items'), errs);
  for (const [k, j] of junctors(v)) checkCompleteness(s, j, sPath, childPath(vPath, k), errs);
}

function checkListType(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const lt = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'];
  const items = obj(s.items);
  if (lt !== undefined) {
    if (typeof lt !== 'string' || !LIST_TYPES.includes(lt)) {
      errs.push(fieldErr.notSupported(childPath(path, 'x-kubernetes-list-type'), lt, LIST_TYPES));
    } else if (s.type !== 'array') {
      errs.push(fieldErr.invalid(childPath(path, 'type'), s.type ?? '', 'must be array if x-kubernetes-list-type is specified'));
    } else if (lt === 'set' && items) {
      if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
        errs.push(fieldErr.invalid(childPath(childPath(path, 'items'), 'x-kubernetes-map-type'), items['x-kubernetes-map-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
      } else if (items.type === 'array' && items['x-kubernetes-list-type'] !== 'atomic') {
        errs.push(fieldErr.invalid(childPath(childPath(path, 'items'), 'x-kubernetes-list-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
      }
    }
  }
  const keyList = Array.isArray(keys) ? keys : [];
  if (lt === 'map') {
    if (keyList.length === 0) {
      errs.push(fieldErr.required(childPath(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    }
    if (items && items.type !== 'object') {
      errs.push(fieldErr.invalid(childPath(childPath(path, 'items'), 'type'), items.type ?? '', 'must be object for an array of list-type map'));
    } else if (items) {
      const ip = obj(items.properties) ?? {};
      const required = Array.isArray(items.required) ? items.required : [];
      const seen = new Set<string>();
      keyList.forEach((k, i) => {
        const kp = indexPath(childPath(path, 'x-kubernetes-list-map-keys'), i);
        if (typeof k !== 'string') { errs.push(fieldErr.invalid(kp, k, 'must be a string')); return; }
        if (seen.has(k)) errs.push(fieldErr.duplicate(kp, k));
        seen.add(k);
        const prop = obj(ip[k]);
        const pp = keyPath(childPath(childPath(path, 'items'), 'properties'), k);
        if (!prop) {
          errs.push(fieldErr.invalid(childPath(path, 'x-kubernetes-list-map-keys'), keyList, 'entries must all be names of item properties'));
          return;
        }
        if (typeof prop.type !== 'string' || !SCALAR_TYPES.has(prop.type)) {
          errs.push(fieldErr.invalid(childPath(pp, 'type'), prop.type ?? '', "must be a scalar type if parent array's x-kubernetes-list-type is map"));
        }
        if (prop.nullable === true) errs.push(fieldErr.forbidden(childPath(pp, 'nullable'), "must be false since parent array's x-kubernetes-list-type is map"));
        if (!required.includes(k) && prop.default === undefined) {
          errs.push(fieldErr.required(pp, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
      });
    }
  } else if (keyList.length > 0) {
    errs.push(fieldErr.forbidden(childPath(path, 'x-kubernetes-list-map-keys'), 'must be empty if x-kubernetes-list-type is not map'));
  }
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined) {
    if (typeof mt !== 'string' || !MAP_TYPES.includes(mt)) errs.push(fieldErr.notSupported(childPath(path, 'x-kubernetes-map-type'), mt, MAP_TYPES));
    else if (s.type !== 'object') errs.push(fieldErr.invalid(childPath(path, 'type'), s.type ?? '', 'must be object if x-kubernetes-map-type is specified'));
  }
}

const fieldPathRe = /^((\.[A-Za-z_][A-Za-z0-9_]*)|(\[('([^'\\]|\\.)*'|[0-9]+)\]))+$/;

/** Follows a rule's fieldPath through the schema; false when it leaves the specified fields. */
function fieldPathResolves(s: JSONSchemaProps, fp: string): boolean {
  let cur: JSONSchemaProps | undefined = s;
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\[([0-9]+)\]/g;
  let m: RegExpExecArray | null;
  while (cur && (m = re.exec(fp)) !== null) {
    if (m[3] !== undefined) { cur = obj(cur.items); continue; }
    const name = m[1] ?? m[2].replace(/\\(.)/g, '$1');
    const p: JSONSchemaProps | undefined = obj(cur.properties);
    cur = p && isPlainObject(p[name]) ? p[name] as JSONSchemaProps : obj(cur.additionalProperties);
  }
  return cur !== undefined;
}

function checkRules(s: JSONSchemaProps, path: string, uncorrelatable: string, errs: FieldError[]): void {
  const rules = s['x-kubernetes-validations'];
  if (rules === undefined) return;
  const rp = childPath(path, 'x-kubernetes-validations');
  if (!Array.isArray(rules)) { errs.push(fieldErr.invalid(rp, rules, 'must be a list of validation rules')); return; }
  rules.forEach((r, i) => {
    const p = indexPath(rp, i);
    if (!isPlainObject(r)) { errs.push(fieldErr.invalid(p, r, 'must be a validation rule object')); return; }
    const rule = typeof r.rule === 'string' ? r.rule : '';
    if (rule.trim() === '') { errs.push(fieldErr.required(childPath(p, 'rule'), '')); return; }
    const c = compileExpression(rule, 'bool');
    if (c.error) errs.push(fieldErr.invalid(childPath(p, 'rule'), rule, c.error));
    else if (uncorrelatable && /(^|[^\w.])oldSelf\b/.test(rule)) {
      errs.push(fieldErr.invalid(childPath(p, 'rule'), rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
    }
    if (typeof r.message === 'string') {
      if (r.message.includes('\n')) errs.push(fieldErr.invalid(childPath(p, 'message'), r.message, 'message must not contain line breaks'));
      else if (r.message !== '' && r.message.trim() === '') errs.push(fieldErr.required(childPath(p, 'message'), 'message must be non-empty if specified'));
    }
    if (typeof r.messageExpression === 'string' && r.messageExpression !== '') {
      const m = compileExpression(r.messageExpression, 'string');
      if (m.error) errs.push(fieldErr.invalid(childPath(p, 'messageExpression'), r.messageExpression, m.error));
    } else if (r.messageExpression === '') {
      errs.push(fieldErr.required(childPath(p, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    }
    if (r.reason !== undefined && (typeof r.reason !== 'string' || !(RULE_REASONS as readonly string[]).includes(r.reason))) {
      errs.push(fieldErr.notSupported(childPath(p, 'reason'), r.reason, [...RULE_REASONS]));
    }
    if (r.fieldPath !== undefined && r.fieldPath !== '') {
      const fp = r.fieldPath;
      if (typeof fp !== 'string' || !fieldPathRe.test(fp)) errs.push(fieldErr.invalid(childPath(p, 'fieldPath'), fp, 'fieldPath must be a valid path'));
      else if (!fieldPathResolves(s, fp)) errs.push(fieldErr.invalid(childPath(p, 'fieldPath'), fp, 'fieldPath must be a valid path: does not refer to a valid field'));
    }
  });
}

function checkDefault(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (s.default === undefined) return;
  const dp = childPath(path, 'default');
  if (s.default === null) {
    if (s.nullable !== true) errs.push(fieldErr.invalid(dp, null, 'must not be null for a non-nullable schema'));
    return;
  }
  const node = compileNode(s);
  const copy = structuredClone(s.default);
  const pruned = pruneValue(node, copy);
  // Defaults are validated as the object would be; the root here is the defaulted field itself.
  for (const e of validateValue(node, s.default)) {
    const sub = e.field;
    errs.push({ ...e, field: sub ? (sub.startsWith('[') ? dp + sub : `${dp}.${sub}`) : dp });
  }
  if (pruned.length > 0) errs.push(fieldErr.invalid(dp, s.default, `must not have unknown fields, got: ${pruned.join(', ')}`));
}

function checkMetadataAtRoot(m: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const rest = { ...m };
  delete rest.type;
  delete rest.description;
  const p = obj(rest.properties);
  if (p) {
    const keys = Object.keys(p);
    if (keys.every((k) => k === 'name' || k === 'generateName')) delete rest.properties;
  }
  if (Object.keys(rest).length > 0) {
    errs.push(fieldErr.forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
}

function checkStructural(s: JSONSchemaProps, path: string, level: Level, uncorrelatable: string, ctx: Ctx): void {
  const { errs } = ctx;
  checkKeywords(s, path, ctx);
  const type = typeof s.type === 'string' ? s.type : '';
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  const embedded = s['x-kubernetes-embedded-resource'] === true;

  if (preserve === false) errs.push(fieldErr.invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (intOrString && preserve === true) errs.push(fieldErr.invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(fieldErr.invalid(childPath(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && type) errs.push(fieldErr.invalid(childPath(path, 'type'), type, 'must be empty if x-kubernetes-int-or-string is true'));

  if (type === 'array' && s.items === undefined) errs.push(fieldErr.required(childPath(path, 'items'), 'must be specified'));
  if (s.additionalProperties !== undefined && level === 'root') errs.push(fieldErr.forbidden(childPath(path, 'additionalProperties'), 'must not be used at the root'));

  if (embedded && type !== 'object') {
    if (!type) errs.push(fieldErr.required(childPath(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(fieldErr.invalid(childPath(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!type && !intOrString && preserve !== true) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(fieldErr.required(childPath(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && s.additionalProperties !== undefined) errs.push(fieldErr.forbidden(childPath(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && type && type !== 'object') errs.push(fieldErr.invalid(childPath(path, 'type'), type, 'must be object at the root'));

  const checkMetadata = level === 'root' || embedded;
  const properties = props(s);
  const pp = childPath(path, 'properties');
  for (const [k, p] of properties) {
    if (!checkMetadata) continue;
    if ((k === 'kind' || k === 'apiVersion') && p.type !== 'string') {
      errs.push(fieldErr.invalid(childPath(keyPath(pp, k), 'type'), p.type ?? '', 'must be string'));
    }
    if (k === 'metadata') {
      if (p.type !== 'object') errs.push(fieldErr.invalid(childPath(keyPath(pp, k), 'type'), p.type ?? '', 'must be object'));
      if (level === 'root') checkMetadataAtRoot(p, keyPath(pp, k), errs);
    }
  }
  if (embedded && preserve !== true && properties.length === 0) {
    errs.push(fieldErr.required(childPath(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }

  checkListType(s, path, errs);
  checkRules(s, path, uncorrelatable, errs);
  checkDefault(s, path, errs);

  for (const [k, p] of properties) {
    // Root metadata is ObjectMeta: its schema is checked above, not walked as a structural node.
    if (level === 'root' && k === 'metadata') continue;
    checkStructural(p, keyPath(pp, k), 'field', uncorrelatable, ctx);
  }
  if (isPlainObject(s.additionalProperties)) checkStructural(s.additionalProperties, childPath(path, 'additionalProperties'), 'field', uncorrelatable, ctx);
  if (isPlainObject(s.items)) {
    const lt = s['x-kubernetes-list-type'];
    const itemsUncorrelatable = uncorrelatable || (lt === 'map' ? '' : path || '<root>');
    checkStructural(s.items, childPath(path, 'items'), 'item', itemsUncorrelatable, ctx);
  }

  // allOf/anyOf/oneOf/not: value validation only; the int-or-string anyOf patterns are allowed.
  const skipAnyOf = intOrString && isIntOrStringPattern(s.anyOf);
  for (const [k, j] of junctors(s)) {
    if (skipAnyOf && k.startsWith('anyOf[')) continue;
    if (intOrString && k === 'allOf[0]' && isIntOrStringPattern(j.anyOf) && Object.keys(j).length === 1) continue;
    checkNested(j, childPath(path, k), ctx);
    checkCompleteness(s, j, path, childPath(path, k), errs);
  }
}

export interface CrdSchemaReport {
  errors: FieldError[];
  /** Upstream's warnings for the same schema (unrecognized formats). */
  warnings: string[];
}

export function checkCrdSchema(schema: JSONSchemaProps, basePath: string): CrdSchemaReport {
  const ctx: Ctx = { errs: [], warnings: [] };
  checkStructural(schema, basePath, 'root', '', ctx);
  return { errors: ctx.errs, warnings: ctx.warnings };
}
