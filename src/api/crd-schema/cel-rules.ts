// x-kubernetes-validations: CEL rules compiled once per schema node and evaluated with `self`
// (the value at the node) and, for transition rules, `oldSelf` (the value at the same place in
// the old object). The evaluator is @marcbachmann/cel-js (zero-dependency CEL) with CEL's
// standard library, optional types, and the Kubernetes list/string extensions CRDs use most
// (isSorted, sum, min, max, indexOf, lastIndexOf, charAt, replace, reverse, find, findAll).
// Kubernetes' other libraries (quantity, url, ip, cidr, semver, format) are not available: a
// rule using them fails to compile with a message that says so. Upstream's cost estimation is
// not done; rules are bounded by the size of the object they run on.

import { Environment } from '@marcbachmann/cel-js';
import type { FieldError } from '../status.js';
import { isPlainObject } from '../types/index.js';
import { duplicate, forbidden, internal, invalid, OMIT, required } from './field-errors.js';
import type { SchemaNode } from './schema-node.js';

type Program = ReturnType<Environment['parse']>;

export interface CompiledRule {
  readonly rule: string;
  readonly message: string;
  readonly messageExpression: string;
  readonly reason: string;
  readonly fieldPath: string;
  /** fieldPath as the field path upstream appends to the node's path (`spec.x`, `[key]`), '' when unset. */
  readonly normalizedFieldPath: string;
  /** The rule reads oldSelf: it runs only on update, where an old value exists at this place. */
  readonly transition: boolean;
  readonly program?: Program;
  readonly messageProgram?: Program;
  /** Why the rule (or its messageExpression) did not compile. */
  readonly error?: string;
}

export const RULE_REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'] as const;

const UNSUPPORTED_LIBRARIES = ['quantity', 'isQuantity', 'url', 'isURL', 'ip', 'isIP', 'cidr', 'isCIDR', 'semver', 'isSemver', 'format', 'authorizer', 'estimatedCost'];

let env: Environment | undefined;

function listOf(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error('no such overload');
  return v;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload');
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && a == b; // eslint-disable-line eqeqeq
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a); const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return a === b;
}

/** The shared CEL environment (built on first use, so a CRD without rules never builds it). */
export function celEnvironment(): Environment {
  if (env) return env;
  const e = new Environment({ enableOptionalTypes: true })
    .registerVariable('self', 'dyn')
    .registerVariable('oldSelf', 'dyn')
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      if (i < 0n || i > BigInt(s.length)) throw new Error(`index out of range: ${i}`);
      return [...s][Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s; let from = 0;
      for (let k = 0n; k < n; k++) {
        const i = out.indexOf(a, from);
        if (i < 0) break;
        out = out.slice(0, i) + b + out.slice(i + a.length);
        from = i + b.length;
      }
      return out;
    })
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('string.find(string): string', (s: string, re: string) => new RegExp(re, 'u').exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(new RegExp(re, 'gu'))].map((m) => m[0]))
    .registerFunction('list.isSorted(): bool', (l: unknown) => { const a = listOf(l); for (let i = 1; i < a.length; i++) if (cmp(a[i - 1], a[i]) > 0) return false; return true; })
    .registerFunction('list.sum(): dyn', (l: unknown) => {
      const a = listOf(l);
      if (a.length === 0) return 0n;
      if (a.every((x) => typeof x === 'bigint')) return (a as bigint[]).reduce((s, x) => s + x, 0n);
      return a.reduce((s: number, x) => s + Number(x), 0);
    })
    .registerFunction('list.min(): dyn', (l: unknown) => { const a = listOf(l); if (a.length === 0) throw new Error('min called on empty list'); return a.reduce((m, x) => (cmp(x, m) < 0 ? x : m)); })
    .registerFunction('list.max(): dyn', (l: unknown) => { const a = listOf(l); if (a.length === 0) throw new Error('max called on empty list'); return a.reduce((m, x) => (cmp(x, m) > 0 ? x : m)); })
    .registerFunction('list.indexOf(dyn): int', (l: unknown, v: unknown) => BigInt(listOf(l).findIndex((x) => sameValue(x, v))))
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown, v: unknown) => { const a = listOf(l); for (let i = a.length - 1; i >= 0; i--) if (sameValue(a[i], v)) return BigInt(i); return -1n; });
  env = e;
  return e;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}

function unsupportedHint(expr: string, err: string): string {
  for (const f of UNSUPPORTED_LIBRARIES) {
    if (new RegExp(`(^|[^\\w.])${f}\\s*\\(|\\.${f}\\s*\\(`).test(expr)) {
      return `${err} (the Kubernetes CEL library function '${f}' is not supported by this server; use CEL's standard functions, or the list/string extensions)`;
    }
  }
  return err;
}

export interface RuleCompileResult { program?: Program; error?: string; }

type Schema = Record<string, unknown>;
interface AstNode { op: string; args: unknown; pos?: number; range?: { start: number } }

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function isAst(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string';
}

/**
 * The schema a field selection lands on, or undefined when it is not known statically
 * (preserve-unknown-fields, int-or-string, metadata, anything computed).
 */
function selectField(parent: Schema | undefined, name: string): { schema?: Schema; undefinedField?: boolean } {
  if (!parent || parent['x-kubernetes-preserve-unknown-fields'] === true) return {};
  const props = isPlainObject(parent.properties) ? parent.properties : undefined;
  if (props) {
    const p = props[name];
    if (isPlainObject(p)) return { schema: p };
    // apiVersion, kind and metadata are always there at a resource's root (upstream adds them to
    // the root's CEL type); this check does not know the root, so it never refuses them.
    if (name === 'apiVersion' || name === 'kind' || name === 'metadata') return {};
    return parent.type === 'object' && parent.additionalProperties === undefined && parent['x-kubernetes-embedded-resource'] !== true ? { undefinedField: true } : {};
  }
  if (isPlainObject(parent.additionalProperties)) return { schema: parent.additionalProperties };
  return {};
}

/**
 * A static check cel-go's typed compile does upstream: selecting a field the schema does not
 * declare (`self.nmae`) is an error when the CRD is written. `self` is otherwise dynamic here.
 */
function undefinedFieldError(root: unknown, schema: Schema): { msg: string; at: number } | undefined {
  let found: { msg: string; at: number } | undefined;
  const resolve = (n: unknown, scope: ReadonlyMap<string, Schema | undefined>): Schema | undefined => {
    if (found || !isAst(n)) return undefined;
    switch (n.op) {
      case 'id': {
        const name = n.args as string;
        if (name === 'self' || name === 'oldSelf') return schema;
        return scope.get(name);
      }
      case '.': {
        const [target, field] = n.args as [unknown, string];
        const parent = resolve(target, scope);
        const r = selectField(parent, field);
        if (r.undefinedField && !found) found = { msg: `undefined field '${field}'`, at: Math.max(0, (n.pos ?? 1) - 1) };
        return r.schema;
      }
      case 'rcall': {
        const [name, receiver, args] = n.args as [string, unknown, unknown[]];
        const recv = resolve(receiver, scope);
        if (MACROS.has(name) && args.length >= 2 && isAst(args[0]) && args[0].op === 'id') {
          const inner = new Map(scope);
          const items = recv?.type === 'array' && isPlainObject(recv.items) ? recv.items : undefined; // map macros iterate keys
          inner.set(args[0].args as string, items);
          for (const a of args.slice(1)) resolve(a, inner);
        } else {
          for (const a of args) resolve(a, scope);
        }
        return undefined;
      }
      default:
        walkArgs(n.args, scope);
        return undefined;
    }
  };
  const walkArgs = (a: unknown, scope: ReadonlyMap<string, Schema | undefined>): void => {
    if (isAst(a)) { resolve(a, scope); return; }
    if (Array.isArray(a)) for (const x of a) walkArgs(x, scope);
  };
  resolve(root, new Map());
  return found;
}

/** cel-go's error form: `ERROR: <input>:line:column: message` (1-based column). */
function celError(expr: string, e: unknown, offset?: number): string {
  const msg = firstLine(e);
  const range = (e as { range?: { start?: number } } | undefined)?.range;
  const at = offset ?? (typeof range?.start === 'number' ? range.start : 0);
  const before = expr.slice(0, at);
  const line = before.split('\n').length;
  const col = at - (before.lastIndexOf('\n') + 1) + 1;
  return `ERROR: <input>:${line}:${col}: ${msg}`;
}

/**
 * Parses and type-checks one expression; `want` is the type it must produce. With the schema of
 * the node the rule sits on, selections of undeclared fields are refused as upstream does.
 */
export function compileExpression(expr: string, want: 'bool' | 'string', schema?: Schema): RuleCompileResult {
  let program: Program;
  try {
    program = celEnvironment().parse(expr);
  } catch (e) {
    return { error: `compilation failed: ${celError(expr, e)}` };
  }
  const checked = program.check();
  if (!checked.valid) return { error: unsupportedHint(expr, `compilation failed: ${celError(expr, checked.error)}`) };
  if (checked.type !== want && checked.type !== 'dyn') {
    return { error: want === 'bool' ? 'compilation failed: cel expression must evaluate to a bool' : 'compilation failed: messageExpression must evaluate to a string' };
  }
  if (schema) {
    const u = undefinedFieldError(program.ast, schema);
    if (u) return { error: `compilation failed: ${celError(expr, u.msg, u.at)}` };
  }
  return { program };
}

const oldSelfRe = /(^|[^\w.])oldSelf\b/;

/**
 * A rule's fieldPath (`.spec.x`, `['a.b']`) in upstream's normalized form: named children joined
 * by dots, map keys in brackets. Unresolvable paths are returned as written (the CRD checks
 * refuse them).
 */
export function normalizeFieldPath(schema: Record<string, unknown>, fp: string): string {
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/g;
  let cur: Record<string, unknown> | undefined = schema;
  let out = '';
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(fp)) !== null) {
    if (m.index !== consumed) return fp;
    consumed = re.lastIndex;
    const name = m[1] ?? m[2].replace(/\\(.)/g, '$1');
    const props: Record<string, unknown> | undefined = cur && isPlainObject(cur.properties) ? cur.properties : undefined;
    if (props) {
      out = out ? `${out}.${name}` : name;
      cur = isPlainObject(props[name]) ? props[name] as Record<string, unknown> : undefined;
    } else {
      out = `${out}[${name}]`;
      cur = cur && isPlainObject(cur.additionalProperties) ? cur.additionalProperties : undefined;
    }
  }
  return consumed === fp.length ? out : fp;
}

export function compileRules(raw: unknown, _type: string, schema: Record<string, unknown>): CompiledRule[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  const out: CompiledRule[] = [];
  for (const r of raw) {
    if (!isPlainObject(r)) continue;
    const rule = typeof r.rule === 'string' ? r.rule : '';
    const messageExpression = typeof r.messageExpression === 'string' ? r.messageExpression : '';
    const c = compileExpression(rule, 'bool', schema);
    const m = messageExpression ? compileExpression(messageExpression, 'string', schema) : {};
    out.push({
      rule,
      message: typeof r.message === 'string' ? r.message : '',
      messageExpression,
      reason: typeof r.reason === 'string' && r.reason ? r.reason : 'FieldValueInvalid',
      fieldPath: typeof r.fieldPath === 'string' ? r.fieldPath : '',
      normalizedFieldPath: typeof r.fieldPath === 'string' && r.fieldPath.trim() ? normalizeFieldPath(schema, r.fieldPath.trim()) : '',
      transition: oldSelfRe.test(rule),
      program: c.program,
      messageProgram: m.program,
      error: c.error ?? m.error,
    });
  }
  return out;
}

/**
 * A JSON value as CEL sees it under a schema: integers become CEL ints (bigint) where the schema
 * says integer (or int-or-string, or the value sits under preserve-unknown-fields), numbers stay
 * doubles. Objects and lists are converted along their schema.
 */
export function toCelValue(v: unknown, n: SchemaNode | undefined): unknown {
  // No integer-typed field below: the JSON value is already what CEL sees (cel-js does not mutate it).
  if (n && !n.celInts) return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return v;
    if (!n || n.type === 'integer' || n.intOrString || (n.type === '' && n.preserveUnknown)) return BigInt(v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toCelValue(x, n?.items));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const child = n?.properties?.get(k) ?? (typeof n?.additionalProperties === 'object' ? n.additionalProperties : undefined);
      out[k] = toCelValue(x, child);
    }
    return out;
  }
  return v;
}

/** The node's path with the rule's normalized fieldPath appended (field.Path.Child). */
function rulePath(path: string, normalized: string): string {
  if (!normalized) return path;
  if (normalized.startsWith('[')) return path + normalized;
  return path ? `${path}.${normalized}` : normalized;
}

function ruleError(path: string, value: unknown, reason: string, detail: string): FieldError {
  switch (reason) {
    case 'FieldValueForbidden': return forbidden(path, detail);
    case 'FieldValueRequired': return required(path, detail);
    case 'FieldValueDuplicate': return duplicate(path, value);
    default: return invalid(path, value, detail);
  }
}

/** The rule's message, else the rule itself (upstream's ruleErrorString). */
function ruleErrorString(r: CompiledRule): string {
  return r.message.trim() || r.rule.trim();
}

/**
 * Runs a node's rules on `value`; `old` is consulted only when hasOld (update, correlated value).
 * Failures read as upstream's: the rule's message (or messageExpression's result, or
 * `failed rule: <rule>`), with the value for scalars and without it for objects and lists.
 */
export function evaluateRules(n: SchemaNode, value: unknown, hasOld: boolean, old: unknown, path: string, errs: FieldError[]): void {
  let self: unknown;
  let oldSelf: unknown;
  let converted = false;
  for (const r of n.rules) {
    if (r.transition && !hasOld) continue;
    if (!r.program) {
      errs.push(internal(path, `rule compiler errors: ${r.error ?? 'unknown'}`));
      continue;
    }
    if (!converted) {
      self = toCelValue(value, n);
      oldSelf = hasOld ? toCelValue(old, n) : undefined;
      converted = true;
    }
    const vars: Record<string, unknown> = hasOld ? { self, oldSelf } : { self };
    let ok: unknown;
    try {
      ok = r.program(vars);
    } catch (e) {
      // cel-js words some runtime errors differently from cel-go; use cel-go's spelling.
      const msg = firstLine(e).replace(/^No such key/, 'no such key');
      if (/no matching overload|no such overload/.test(msg)) {
        errs.push(invalid(path, n.type, `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(r)}`));
      } else {
        errs.push(invalid(path, n.type, `${msg} evaluating rule: ${ruleErrorString(r)}`));
      }
      continue;
    }
    if (ok === true) continue;
    let detail = '';
    if (r.messageProgram) {
      try {
        const m = r.messageProgram(vars);
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m.trim();
      } catch { /* upstream logs it and falls back to message or the rule */ }
    }
    if (!detail) detail = r.message.trim() || `failed rule: ${r.rule.trim()}`;
    const shown = n.type === 'object' || n.type === 'array' ? OMIT : value;
    errs.push(ruleError(rulePath(path, r.normalizedFieldPath), shown, r.reason, detail));
  }
}
