// batch/v1 validation: Job and CronJob (create and update).

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { deepEqual, enumOf, immutable, isInt, isSet, nonNegative, obj, pushMsgs, str } from './errors.js';
import { validatePodTemplate, validateSelectorAndTemplate } from './template.js';
import { validateTemplateMeta } from './meta.js';
import { cronScheduleError, timeZoneError } from './cron.js';
import { maxLenError } from './names.js';

const JOB_RESTART = ['OnFailure', 'Never'];
export const CRONJOB_NAME_MAX = 52;

/** JobSpec at `path`; `generated` is true for Job objects (selector present after creation). */
function validateJobSpec(specValue: unknown, path: string, errs: Errs, isJob: boolean): void {
  const spec = obj(specValue);
  if (!spec) { errs.push(fieldErr.required(`${path}.template`)); return; }
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    nonNegative(errs, spec[f], `${path}.${f}`);
  }
  if (isSet(spec.activeDeadlineSeconds) && isInt(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds === 0) {
    errs.push(fieldErr.invalid(`${path}.activeDeadlineSeconds`, 0, 'must be greater than 0'));
  }
  enumOf(errs, spec.completionMode, `${path}.completionMode`, ['NonIndexed', 'Indexed']);
  if (spec.completionMode === 'Indexed' && !isSet(spec.completions)) errs.push(fieldErr.required(`${path}.completions`, 'when completion mode is Indexed'));
  enumOf(errs, spec.podReplacementPolicy, `${path}.podReplacementPolicy`, ['TerminatingOrFailed', 'Failed']);
  if (isJob && spec.selector !== undefined) validateSelectorAndTemplate(spec, path, 'job', errs);
  else if (isJob && spec.manualSelector === true) errs.push(fieldErr.required(`${path}.selector`));
  const tpl = obj(spec.template);
  validatePodTemplate(spec.template, `${path}.template`, JOB_RESTART, errs);
  const rp = obj(tpl?.spec)?.restartPolicy;
  if (tpl && (rp === 'Always' || !isSet(rp) || rp === '')) errs.push(fieldErr.notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', JOB_RESTART));
}

export function validateJob(o: Obj, errs: Errs): void {
  validateJobSpec(o.spec, 'spec', errs, true);
}

/** Job: selector, completionMode and (mostly) the pod template are immutable. */
export function validateJobUpdate(n: Obj, o: Obj, errs: Errs): void {
  const ns = obj(n.spec) ?? {};
  const os = obj(o.spec) ?? {};
  if (!deepEqual(ns.selector, os.selector)) errs.push(immutable('spec.selector', ns.selector));
  if (!deepEqual(ns.completionMode, os.completionMode)) errs.push(immutable('spec.completionMode', ns.completionMode));
  if (!deepEqual(ns.podFailurePolicy, os.podFailurePolicy)) errs.push(immutable('spec.podFailurePolicy', ns.podFailurePolicy));
  // Indexed jobs may scale completions together with parallelism (elastic indexed jobs).
  const elastic = ns.completionMode === 'Indexed' && ns.completions === ns.parallelism;
  if (!elastic && !deepEqual(ns.completions, os.completions)) errs.push(immutable('spec.completions', ns.completions));
  const nt = obj(ns.template) ?? {};
  const ot = obj(os.template) ?? {};
  // A suspended job that never started may change its scheduling directives.
  const mutableScheduling = os.suspend === true;
  const strip = (t: Obj): Obj => {
    if (!mutableScheduling) return t;
    const spec = obj(t.spec) ?? {};
    const meta = obj(t.metadata) ?? {};
    return { ...t, metadata: { ...meta, labels: undefined, annotations: undefined }, spec: { ...spec, nodeSelector: undefined, tolerations: undefined, affinity: undefined, schedulingGates: undefined } };
  };
  if (!deepEqual(strip(nt), strip(ot))) errs.push(immutable('spec.template', nt));
}

export function validateCronJob(o: Obj, errs: Errs): void {
  const name = str(obj(o.metadata)?.name);
  if (name.length > CRONJOB_NAME_MAX) errs.push(fieldErr.invalid('metadata.name', name, maxLenError(CRONJOB_NAME_MAX)));
  const spec = obj(o.spec);
  if (!spec) { errs.push(fieldErr.required('spec.schedule')); return; }
  validateCronJobSpec(spec, errs, false);
}

function validateCronJobSpec(spec: Obj, errs: Errs, allowTZInSchedule: boolean): void {
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(fieldErr.required('spec.schedule'));
  else {
    const err = cronScheduleError(schedule);
    if (err) errs.push(fieldErr.invalid('spec.schedule', schedule, err));
    if (schedule.includes('TZ')) {
      if (!allowTZInSchedule) errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
      else if (isSet(spec.timeZone)) errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    }
  }
  if (isSet(spec.timeZone)) {
    const tz = str(spec.timeZone);
    if (!tz) errs.push(fieldErr.invalid('spec.timeZone', spec.timeZone, 'timeZone must be nil or non-empty string'));
    else if (tz.toLowerCase() === 'local') errs.push(fieldErr.invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    else { const e = timeZoneError(tz); if (e) errs.push(fieldErr.invalid('spec.timeZone', tz, e)); }
  }
  enumOf(errs, spec.concurrencyPolicy, 'spec.concurrencyPolicy', ['Allow', 'Forbid', 'Replace'], true);
  nonNegative(errs, spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds');
  nonNegative(errs, spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit');
  nonNegative(errs, spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit');
  const jt = obj(spec.jobTemplate);
  if (!jt) { errs.push(fieldErr.required('spec.jobTemplate')); return; }
  validateTemplateMeta(jt.metadata, 'spec.jobTemplate.metadata', errs);
  validateJobSpec(jt.spec, 'spec.jobTemplate.spec', errs, false);
  const jspec = obj(jt.spec);
  if (jspec && isSet(jspec.selector) && jspec.manualSelector !== true) {
    pushMsgs(errs, 'spec.jobTemplate.spec.selector', '', ['`selector` will be auto-generated']);
  }
}
