// PLACEHOLDER for the crdschema engineer's library (same contract). It exists only so the
// serving side compiles and its tests run before that branch lands: when merging crdschema,
// take their src/api/crd-schema/ whole and drop this file. It checks types, required,
// enum, min/max and lengths, prunes and defaults; no CEL, formats or structural rules.
import type { FieldError } from '../status.js';
import { fieldErr } from '../status.js';

export type JSONSchemaProps = Record<string, unknown>;

export interface CompiledSchema {
  validate(obj: unknown, oldObj?: unknown): FieldError[];
  prune(obj: unknown): string[];
  applyDefaults(obj: unknown): void;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const props = (s: JSONSchemaProps): Record<string, JSONSchemaProps> => (isObj(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {});

export function validateCrdSchema(schema: JSONSchemaProps, basePath: string): FieldError[] {
  if (!isObj(schema)) return [fieldErr.required(basePath, '')];
  if (schema.type !== 'object') return [fieldErr.invalid(`${basePath}.type`, schema.type ?? '', 'must be object at the root')];
  return [];
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function validateAt(s: JSONSchemaProps, v: unknown, path: string, errs: FieldError[], top: boolean): void {
  if (v === null) {
    if (!s.nullable) errs.push(fieldErr.invalid(path, 'null', `${path} in body must be of type ${String(s.type)}: "null"`));
    return;
  }
  const t = typeOf(v);
  if (s['x-kubernetes-int-or-string'] && (t === 'integer' || t === 'string')) return;
  if (typeof s.type === 'string' && s.type !== t && !(s.type === 'number' && t === 'integer')) {
    errs.push(fieldErr.invalid(path, t, `${path} in body must be of type ${s.type}: "${t}"`));
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errs.push(fieldErr.notSupported(path, v, s.enum.map(String)));
  if (typeof v === 'number') {
    if (typeof s.maximum === 'number' && v > s.maximum) errs.push(fieldErr.invalid(path, v, `${path} in body should be less than or equal to ${s.maximum}`));
    if (typeof s.minimum === 'number' && v < s.minimum) errs.push(fieldErr.invalid(path, v, `${path} in body should be greater than or equal to ${s.minimum}`));
  }
  if (typeof v === 'string') {
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) errs.push(fieldErr.tooLong(path, s.maxLength));
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) errs.push(fieldErr.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (isObj(v)) {
    for (const r of Array.isArray(s.required) ? (s.required as string[]) : []) if (!(r in v)) errs.push(fieldErr.required(path ? `${path}.${r}` : r, ''));
    const p = props(s);
    for (const [k, child] of Object.entries(v)) {
      if (top && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      const cs = p[k] ?? (isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined);
      if (cs) validateAt(cs, child, path ? `${path}.${k}` : k, errs, false);
    }
  }
  if (Array.isArray(v) && isObj(s.items)) v.forEach((x, i) => validateAt(s.items as JSONSchemaProps, x, `${path}[${i}]`, errs, false));
}

function pruneAt(s: JSONSchemaProps, v: unknown, path: string, out: string[], top: boolean): void {
  if (Array.isArray(v) && isObj(s.items)) v.forEach((x, i) => pruneAt(s.items as JSONSchemaProps, x, `${path}[${i}]`, out, false));
  if (!isObj(v) || s['x-kubernetes-preserve-unknown-fields'] === true && !s.properties) return;
  const p = props(s);
  const addl = isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
  for (const k of Object.keys(v)) {
    if (top && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    const cs = p[k] ?? addl;
    const cp = path ? `${path}.${k}` : k;
    if (!cs) {
      if (s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties === true) continue;
      out.push(cp);
      delete v[k];
    } else pruneAt(cs, v[k], cp, out, false);
  }
}

function defaultAt(s: JSONSchemaProps, v: unknown): void {
  if (Array.isArray(v) && isObj(s.items)) for (const x of v) defaultAt(s.items as JSONSchemaProps, x);
  if (!isObj(v)) return;
  for (const [k, cs] of Object.entries(props(s))) {
    if (v[k] === undefined && cs.default !== undefined) v[k] = structuredClone(cs.default);
    if (v[k] !== undefined) defaultAt(cs, v[k]);
  }
}

export function compileSchema(schema: JSONSchemaProps): CompiledSchema {
  return {
    validate: (obj) => {
      const errs: FieldError[] = [];
      validateAt(schema, obj, '', errs, true);
      return errs;
    },
    prune: (obj) => {
      const out: string[] = [];
      pruneAt(schema, obj, '', out, true);
      return out;
    },
    applyDefaults: (obj) => defaultAt(schema, obj),
  };
}
