// batch/v1 defaulting (pkg/apis/batch/v1/defaults.go, 1.32) and the Job selector that the
// registry generates on create.

import type { KObject } from '../types/index.js';
import type { Obj } from './util.js';
import { child, eachObject, isAbsent, setDefault, setDefaultString, sub } from './util.js';
import { defaultTemplate } from './pod.js';

const MAX_INT32 = 2147483647;

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export function defaultJob(o: Obj): void {
  const spec = child(o, 'spec');
  // A non-parallel job may leave both unset; then both become 1.
  if (isAbsent(spec.completions) && isAbsent(spec.parallelism)) { spec.completions = 1; spec.parallelism = 1; }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', isAbsent(spec.backoffLimitPerIndex) ? 6 : MAX_INT32);
  const tpl = sub(spec, 'template');
  const tplLabels = tpl && sub(tpl, 'metadata') && sub(sub(tpl, 'metadata'), 'labels');
  const meta = child(o, 'metadata');
  const labels = sub(meta, 'labels');
  if (tplLabels && (!labels || Object.keys(labels).length === 0)) meta.labels = { ...tplLabels };
  setDefaultString(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = sub(spec, 'podFailurePolicy');
  if (pfp) {
    eachObject(pfp.rules, (r) => eachObject(r.onPodConditions, (c) => setDefaultString(c, 'status', 'True')));
  }
  setDefaultString(spec, 'podReplacementPolicy', pfp ? 'Failed' : 'TerminatingOrFailed');
  defaultTemplate(spec);
}

/**
 * What the Job registry does on create unless spec.manualSelector is true: labels the pod
 * template with the controller uid and job name (new and legacy keys), and selects on
 * `batch.kubernetes.io/controller-uid`. Job labels that were defaulted from the template
 * labels receive the same additions (upstream shares that map between the two).
 */
export function jobSelectorAndLabels(job: KObject, uid: string): void {
  const spec = child(job as Obj, 'spec');
  if (spec.manualSelector === true) return;
  const name = job.metadata.name ?? '';
  const tpl = child(spec, 'template');
  const tplMeta = child(tpl, 'metadata');
  const tplLabels = child(tplMeta, 'labels') as Record<string, unknown>;
  const jobLabels = job.metadata.labels;
  const shared = jobLabels !== undefined && sameLabels(jobLabels, tplLabels);
  const add: Record<string, string> = {
    [LEGACY_JOB_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
  };
  for (const [k, v] of Object.entries(add)) {
    if (tplLabels[k] === undefined) tplLabels[k] = v;
    if (shared && jobLabels[k] === undefined) jobLabels[k] = v;
  }
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels');
  if (matchLabels[JOB_CONTROLLER_UID_LABEL] === undefined) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
}

function sameLabels(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  if (ka.length === 0 || ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

export function defaultCronJob(o: Obj): void {
  const spec = child(o, 'spec');
  setDefaultString(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // Only the pod template inside jobTemplate is defaulted; Job-level defaults apply when
  // the controller creates each Job.
  const jt = sub(spec, 'jobTemplate');
  defaultTemplate(jt && sub(jt, 'spec'));
}
