// Pod templates inside workloads: template metadata, the selector/labels match, and the
// restartPolicy each controller accepts.

import { fieldErr } from '../status.js';
import type { Errs } from './errors.js';
import { goStringMap, invalidRaw, obj } from './errors.js';
import { isEmptySelector, selectorMatches, validateLabelSelector, validateTemplateMeta } from './meta.js';
import { validatePodSpec } from './pod.js';

/** PodTemplateSpec at `path` (e.g. `spec.template`); restartPolicy must be one of `restart`. */
export function validatePodTemplate(tpl: unknown, path: string, restart: readonly string[], errs: Errs): void {
  const t = obj(tpl);
  if (!t) { errs.push(fieldErr.required(path)); return; }
  validateTemplateMeta(t.metadata, `${path}.metadata`, errs);
  const spec = obj(t.spec);
  validatePodSpec(spec, `${path}.spec`, errs, { isPod: false });
  const rp = spec?.restartPolicy;
  if (typeof rp === 'string' && rp !== '' && !restart.includes(rp) && ['Always', 'OnFailure', 'Never'].includes(rp)) {
    errs.push(fieldErr.notSupported(`${path}.spec.restartPolicy`, rp, [...restart]));
  }
}

/**
 * Selector required, non-empty, valid, and matching the template labels, with upstream's
 * messages (`empty selector is invalid for deployment`, "`selector` does not match template `labels`").
 */
export function validateSelectorAndTemplate(spec: Record<string, unknown>, path: string, what: string, errs: Errs): void {
  const sel = spec.selector;
  if (!obj(sel)) { errs.push(fieldErr.required(`${path}.selector`)); return; }
  validateLabelSelector(sel, `${path}.selector`, errs);
  if (isEmptySelector(sel)) { errs.push(fieldErr.invalid(`${path}.selector`, sel, `empty selector is invalid for ${what}`)); return; }
  const labels = obj(obj(obj(spec.template)?.metadata)?.labels);
  if (!selectorMatches(sel, labels)) {
    errs.push(invalidRaw(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
}
