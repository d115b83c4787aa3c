// Label selectors: the parsed form, matching and canonical string form. The semantics
// follow apimachinery's labels.Selector; see label-parser.ts for the string grammar and
// labelSelectorFromMeta for metav1.LabelSelector.
//
// Contract: a LabelSelector is immutable and pre-validated, so matching is a tight loop
// over requirements with no allocation. Requirements are kept sorted by key (upstream
// sorts too, which makes String() deterministic).

import { badRequest } from '../status.js';
import { labelValueErrors, qualifiedNameErrors } from './label-validation.js';

/** Upstream selection.Operator spellings. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Empty for exists/!; one value for =, ==, !=, gt, lt; one or more for in/notin. */
  readonly values: readonly string[];
}

/**
 * `requirements` with zero entries selects everything (labels.Everything()).
 * `nothing` selects no object at all (labels.Nothing(), from a null metav1.LabelSelector).
 */
export type LabelSelector =
  | { readonly kind: 'requirements'; readonly requirements: readonly LabelRequirement[] }
  | { readonly kind: 'nothing' };

export type Labels = Readonly<Record<string, string>>;

export const EVERYTHING: LabelSelector = Object.freeze({ kind: 'requirements', requirements: Object.freeze([]) });
export const NOTHING: LabelSelector = Object.freeze({ kind: 'nothing' });

export function isEverything(sel: LabelSelector): boolean {
  return sel.kind === 'requirements' && sel.requirements.length === 0;
}

export function isNothing(sel: LabelSelector): boolean {
  return sel.kind === 'nothing';
}

// ---- field.Error rendering (only what requirement validation needs) ----

function goValue(v: string | readonly string[]): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** One apimachinery field error, `path: Invalid value: "v": detail`. */
export function invalidValue(path: string, value: string | readonly string[], detail: string): string {
  return `${path}: Invalid value: ${goValue(value)}: ${detail}`;
}

/** utilerrors aggregate: one message as is, several (deduplicated) in brackets. */
export function aggregate(msgs: readonly string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0] : `[${uniq.join(', ')}]`;
}

const INTEGER_RE = /^[+-]?[0-9]+$/;

/**
 * labels.NewRequirement: validates and returns the problems (rendered field errors);
 * an empty list means the requirement is valid.
 */
export function requirementErrors(key: string, op: LabelOperator, values: readonly string[]): string[] {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) errs.push(invalidValue('key', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValue('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!INTEGER_RE.test(v)) errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default: {
      const never: never = op;
      errs.push(`operator: Unsupported value: ${JSON.stringify(never)}`);
    }
  }
  values.forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length) errs.push(invalidValue(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  return errs;
}

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Builds a selector from already-validated requirements (sorted by key, frozen). */
export function selectorOf(reqs: readonly LabelRequirement[]): LabelSelector {
  const sorted = [...reqs].sort(byKey).map((r) => Object.freeze({ key: r.key, operator: r.operator, values: Object.freeze([...r.values]) }));
  return Object.freeze({ kind: 'requirements', requirements: Object.freeze(sorted) });
}

// ---- matching ----

function hasValue(values: readonly string[], v: string): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === v) return true;
  return false;
}

function compareInt(labelValue: string, op: 'gt' | 'lt', bound: string): boolean {
  if (!INTEGER_RE.test(labelValue)) return false;
  const a = BigInt(labelValue);
  const b = BigInt(bound);
  return op === 'gt' ? a > b : a < b;
}

export function matchesRequirement(r: LabelRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && hasValue(r.values, (labels as Labels)[r.key]);
    case 'notin':
    case '!=':
      return !has || !hasValue(r.values, (labels as Labels)[r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt':
      return has && r.values.length === 1 && compareInt((labels as Labels)[r.key], r.operator, r.values[0]);
    default: {
      const never: never = r.operator;
      return never;
    }
  }
}

/** True when every requirement holds. Missing labels behave as an empty set. */
export function matchesLabels(sel: LabelSelector, labels?: Labels): boolean {
  if (sel.kind === 'nothing') return false;
  const reqs = sel.requirements;
  for (let i = 0; i < reqs.length; i++) if (!matchesRequirement(reqs[i], labels)) return false;
  return true;
}

// ---- string form ----

function requirementToString(r: LabelRequirement): string {
  const values = r.values.length > 1 ? [...r.values].sort() : r.values;
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${values.join(',')})`;
    case 'gt':
      return `${r.key}>${values.join(',')}`;
    case 'lt':
      return `${r.key}<${values.join(',')}`;
    case '=':
    case '==':
    case '!=':
      return `${r.key}${r.operator}${values.join(',')}`;
    default: {
      const never: never = r.operator;
      return never;
    }
  }
}

/**
 * Canonical form (labels.Selector.String()): requirements sorted by key, joined with ",",
 * e.g. `app=nginx,tier in (be,fe)`. Everything and Nothing both print as "".
 * This is the form of Scale status.selector.
 */
export function selectorToString(sel: LabelSelector): string {
  if (sel.kind === 'nothing') return '';
  return sel.requirements.map(requirementToString).join(',');
}

// ---- metav1.LabelSelector ----

export interface LabelSelectorRequirementMeta {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelectorMeta {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirementMeta[] | null;
}

const META_OPS: Readonly<Record<string, LabelOperator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector selects
 * everything. Throws a BadRequest StatusError for an unknown operator or invalid key/value.
 */
export function labelSelectorFromMeta(ls: LabelSelectorMeta | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return NOTHING;
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(matchLabels)) reqs.push(checked(k, '=', [v]));
  for (const e of exprs) {
    const op = Object.hasOwn(META_OPS, e.operator) ? META_OPS[e.operator] : undefined;
    if (op === undefined) throw badRequest(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push(checked(e.key, op, e.values ?? []));
  }
  return reqs.length === 0 ? EVERYTHING : selectorOf(reqs);
}

function checked(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length) throw badRequest(aggregate(errs));
  return { key, operator, values };
}

/** labels.SelectorFromSet: an equality requirement per entry; empty/undefined selects everything. */
export function labelSelectorFromSet(set: Labels | undefined): LabelSelector {
  if (!set) return EVERYTHING;
  const reqs = Object.entries(set).map(([key, v]): LabelRequirement => ({ key, operator: '=', values: [v] }));
  return reqs.length === 0 ? EVERYTHING : selectorOf(reqs);
}

/**
 * metav1.FormatLabelSelector, the printers' rendering of a metav1.LabelSelector:
 * `<none>` when it selects everything or nothing, `<error>` when invalid.
 */
export function formatLabelSelector(ls: LabelSelectorMeta | null | undefined): string {
  let s: string;
  try {
    s = selectorToString(labelSelectorFromMeta(ls));
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: `k=v` sorted by key and joined with ","; `<none>` when empty. */
export function formatLabels(set: Labels | null | undefined): string {
  if (!set) return '<none>';
  const keys = Object.keys(set).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${set[k]}`).join(',');
}
