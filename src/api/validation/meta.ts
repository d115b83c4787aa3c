// ObjectMeta, labels, annotations and label selectors (apimachinery api/validation).

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { arr, eachObj, isInt, obj, pushMsgs, str, tooLongBytes } from './errors.js';
import type { NameValidator } from './names.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: unknown, field: string, errs: Errs): void {
  const m = obj(labels);
  if (!m) return;
  for (const k of Object.keys(m)) {
    pushMsgs(errs, field, k, isQualifiedName(k));
    const v = m[k];
    if (typeof v !== 'string') { errs.push(fieldErr.invalid(field, v, 'must be a string')); continue; }
    pushMsgs(errs, field, v, isValidLabelValue(v));
  }
}

export function validateAnnotations(annotations: unknown, field: string, errs: Errs): void {
  const m = obj(annotations);
  if (!m) return;
  let total = 0;
  for (const k of Object.keys(m)) {
    // Keys are case-insensitive for this check, as upstream lowercases them first.
    pushMsgs(errs, field, k, isQualifiedName(k.toLowerCase()));
    const v = m[k];
    total += utf8Length(k) + (typeof v === 'string' ? utf8Length(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLongBytes(field, TOTAL_ANNOTATION_SIZE_LIMIT));
}

/** Byte length of a string in UTF-8 without allocating. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 2; i++; }
    else n += 2;
  }
  return n;
}

export interface MetaOptions {
  /** undefined: scope unknown (custom resources), so namespace presence is not checked. */
  namespaced: boolean | undefined;
  nameFn: NameValidator;
}

function validateOwnerReferences(refs: unknown, field: string, errs: Errs): void {
  const controllers: string[] = [];
  eachObj(refs, (r, i) => {
    const p = `${field}[${i}]`;
    if (!str(r.apiVersion)) errs.push(fieldErr.invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!str(r.kind)) errs.push(fieldErr.invalid(`${p}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!str(r.name)) errs.push(fieldErr.invalid(`${p}.name`, r.name ?? '', 'name must not be empty'));
    if (!str(r.uid)) errs.push(fieldErr.invalid(`${p}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers.push(`${str(r.kind)}/${str(r.name)}`);
  });
  if (controllers.length > 1) {
    errs.push(fieldErr.invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
}

/** ValidateObjectMeta: name/generateName, namespace presence, labels, annotations, owners, finalizers. */
export function validateObjectMeta(meta: unknown, opts: MetaOptions, errs: Errs, path = 'metadata'): void {
  const m = obj(meta) ?? {};
  const name = str(m.name);
  const generateName = str(m.generateName);
  if (generateName) pushMsgs(errs, `${path}.generateName`, generateName, opts.nameFn(generateName, true));
  if (!name) errs.push(fieldErr.required(`${path}.name`, 'name or generateName is required'));
  else pushMsgs(errs, `${path}.name`, name, opts.nameFn(name, false));
  const ns = str(m.namespace);
  if (opts.namespaced) {
    if (!ns) errs.push(fieldErr.required(`${path}.namespace`));
    else pushMsgs(errs, `${path}.namespace`, ns, isDNS1123Label(ns));
  } else if (opts.namespaced === false && ns) {
    errs.push(fieldErr.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (m.generation !== undefined && (!isInt(m.generation) || m.generation < 0)) {
    errs.push(fieldErr.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  }
  validateLabels(m.labels, `${path}.labels`, errs);
  validateAnnotations(m.annotations, `${path}.annotations`, errs);
  validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`, errs);
  arr(m.finalizers).forEach((f, i) => {
    if (typeof f !== 'string') errs.push(fieldErr.invalid(`${path}.finalizers[${i}]`, f, 'must be a string'));
    else pushMsgs(errs, `${path}.finalizers[${i}]`, f, isQualifiedName(f));
  });
}

/** Labels and annotations of an embedded template's metadata (no name rules). */
export function validateTemplateMeta(meta: unknown, path: string, errs: Errs): void {
  const m = obj(meta);
  if (!m) return;
  validateLabels(m.labels, `${path}.labels`, errs);
  validateAnnotations(m.annotations, `${path}.annotations`, errs);
}

/** metav1.LabelSelector validation. */
export function validateLabelSelector(sel: unknown, path: string, errs: Errs): void {
  const s = obj(sel);
  if (!s) return;
  validateLabels(s.matchLabels, `${path}.matchLabels`, errs);
  eachObj(s.matchExpressions, (e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const op = str(e.operator);
    const values = arr(e.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fieldErr.invalid(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    pushMsgs(errs, `${p}.key`, str(e.key), isQualifiedName(str(e.key)));
    values.forEach((v, j) => { if (typeof v === 'string') pushMsgs(errs, `${p}.values[${j}]`, v, isValidLabelValue(v)); });
  });
}

/** True when the selector has neither matchLabels nor matchExpressions. */
export function isEmptySelector(sel: unknown): boolean {
  const s = obj(sel);
  if (!s) return true;
  const ml = obj(s.matchLabels);
  return (!ml || Object.keys(ml).length === 0) && arr(s.matchExpressions).length === 0;
}

/** Whether a LabelSelector selects the given labels (empty selector selects everything). */
export function selectorMatches(sel: unknown, labels: unknown): boolean {
  const s = obj(sel);
  if (!s) return false;
  const l: Obj = obj(labels) ?? {};
  const ml = obj(s.matchLabels);
  if (ml) for (const k of Object.keys(ml)) if (l[k] !== ml[k]) return false;
  for (const e of arr(s.matchExpressions)) {
    const x = obj(e);
    if (!x) return false;
    const key = str(x.key);
    const has = Object.prototype.hasOwnProperty.call(l, key);
    const values = arr(x.values);
    switch (x.operator) {
      case 'In': if (!has || !values.includes(l[key])) return false; break;
      case 'NotIn': if (has && values.includes(l[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
