// Field selectors (apimachinery fields.ParseSelector): terms joined by "," (AND), each
// `field=value`, `field==value` or `field!=value`. In values, `\` escapes `\`, `,` and `=`;
// an unescaped `,` splits terms and an unescaped `=` in a value is an error. Fields that are
// missing from an object's field set read as "" (so `x!=v` matches, `x=v` does not).

import { badRequest } from '../status.js';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Requirements sorted by term text, as upstream; none means "select everything". */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

export type Fields = Readonly<Record<string, string>>;

export const ALL_FIELDS: FieldSelector = Object.freeze({ requirements: Object.freeze([]) });

/** Splits on commas that are not escaped by a backslash. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

/** The first operator occurrence splits the term; the field part is taken verbatim. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue: the inverse of unescapeFieldValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses a `fieldSelector` query parameter. The empty string selects everything.
 * Syntax errors are 400 BadRequest with upstream's wording. Which fields exist is a
 * per-kind question: see validateFieldSelector.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, operator, rhs] = split;
    reqs.push(Object.freeze({ field, operator, value: unescapeFieldValue(rhs) }));
  }
  return reqs.length === 0 ? ALL_FIELDS : Object.freeze({ requirements: Object.freeze(reqs) });
}

export function isAllFields(sel: FieldSelector): boolean {
  return sel.requirements.length === 0;
}

/** True when every term holds against the field set. */
export function matchesFields(sel: FieldSelector, fields: Fields): boolean {
  const reqs = sel.requirements;
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i];
    const v = Object.hasOwn(fields, r.field) ? fields[r.field] : '';
    if (r.operator === '!=' ? v === r.value : v !== r.value) return false;
  }
  return true;
}

/**
 * fields.Selector.RequiresExactMatch: the value a selector pins `field` to via `=`/`==`,
 * e.g. `metadata.name` for kubectl's wait/rollout watches, so callers can do a direct get.
 */
export function fieldExactMatch(sel: FieldSelector, field: string): string | undefined {
  for (const r of sel.requirements) if (r.field === field && r.operator !== '!=') return r.value;
  return undefined;
}

/** Canonical string form (terms sorted, values escaped). */
export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}
