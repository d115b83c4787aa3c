// apps/v1 validation: Deployment, ReplicaSet, StatefulSet, DaemonSet (create and update).

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { deepEqual, eachObj, enumOf, immutable, isInt, isSet, nonNegative, obj, pushMsgs, str } from './errors.js';
import { intOrPercentIsZero, validateAtMost100Percent, validateIntOrPercent } from './intstr.js';
import { validatePodTemplate, validateSelectorAndTemplate } from './template.js';
import { isDNS1123Subdomain } from './names.js';
import { validateTemplateMeta } from './meta.js';
import { validatePvcSpec } from './core.js';

const ALWAYS = ['Always'];

function rollingParams(ru: Obj | undefined, path: string, errs: Errs, zeroMsg: string): void {
  if (!ru) return;
  validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, errs);
  validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`, errs);
  validateAtMost100Percent(ru.maxUnavailable, `${path}.maxUnavailable`, errs);
  if (intOrPercentIsZero(ru.maxUnavailable ?? 0) && intOrPercentIsZero(ru.maxSurge ?? 0)) {
    errs.push(fieldErr.invalid(`${path}.maxUnavailable`, ru.maxUnavailable ?? 0, zeroMsg));
  }
}

function replicas(spec: Obj, errs: Errs): void {
  nonNegative(errs, spec.replicas, 'spec.replicas');
  nonNegative(errs, spec.minReadySeconds, 'spec.minReadySeconds');
  nonNegative(errs, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
}

function noActiveDeadline(spec: Obj, kind: string, errs: Errs): void {
  const ts = obj(obj(spec.template)?.spec);
  if (ts && isSet(ts.activeDeadlineSeconds)) errs.push(fieldErr.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
}

export function validateDeployment(o: Obj, errs: Errs): void {
  const spec = obj(o.spec);
  if (!spec) { errs.push(fieldErr.required('spec.selector'), fieldErr.required('spec.template')); return; }
  replicas(spec, errs);
  validateSelectorAndTemplate(spec, 'spec', 'deployment', errs);
  validatePodTemplate(spec.template, 'spec.template', ALWAYS, errs);
  noActiveDeadline(spec, 'Deployment', errs);
  const strategy = obj(spec.strategy) ?? {};
  enumOf(errs, strategy.type, 'spec.strategy.type', ['Recreate', 'RollingUpdate'], true);
  if (strategy.type === 'Recreate' && isSet(strategy.rollingUpdate)) {
    errs.push(fieldErr.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (strategy.type === 'RollingUpdate') rollingParams(obj(strategy.rollingUpdate), 'spec.strategy.rollingUpdate', errs, 'may not be 0 when `maxSurge` is 0');
  if (isSet(spec.progressDeadlineSeconds)) {
    nonNegative(errs, spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds');
    const minReady = isInt(spec.minReadySeconds) ? spec.minReadySeconds : 0;
    if (isInt(spec.progressDeadlineSeconds) && spec.progressDeadlineSeconds <= minReady) {
      errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
}

export function validateReplicaSet(o: Obj, errs: Errs): void {
  const spec = obj(o.spec);
  if (!spec) { errs.push(fieldErr.required('spec.selector')); return; }
  replicas(spec, errs);
  validateSelectorAndTemplate(spec, 'spec', 'deployment', errs);
  validatePodTemplate(spec.template, 'spec.template', ALWAYS, errs);
  noActiveDeadline(spec, 'ReplicaSet', errs);
}

export function validateStatefulSet(o: Obj, errs: Errs): void {
  const spec = obj(o.spec);
  if (!spec) { errs.push(fieldErr.required('spec.selector')); return; }
  replicas(spec, errs);
  if (isSet(spec.serviceName) && str(spec.serviceName)) pushMsgs(errs, 'spec.serviceName', spec.serviceName, isDNS1123Subdomain(str(spec.serviceName)));
  enumOf(errs, spec.podManagementPolicy, 'spec.podManagementPolicy', ['OrderedReady', 'Parallel'], true);
  const us = obj(spec.updateStrategy) ?? {};
  enumOf(errs, us.type, 'spec.updateStrategy.type', ['RollingUpdate', 'OnDelete'], true);
  const ru = obj(us.rollingUpdate);
  if (us.type === 'OnDelete' && ru) errs.push(fieldErr.invalid('spec.updateStrategy.rollingUpdate', ru, "only allowed for updateStrategy 'RollingUpdate'"));
  if (ru) {
    nonNegative(errs, ru.partition, 'spec.updateStrategy.rollingUpdate.partition');
    if (isSet(ru.maxUnavailable)) validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable', errs);
  }
  const retention = obj(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    enumOf(errs, retention.whenDeleted, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', ['Retain', 'Delete'], true);
    enumOf(errs, retention.whenScaled, 'spec.persistentVolumeClaimRetentionPolicy.whenScaled', ['Retain', 'Delete'], true);
  }
  validateSelectorAndTemplate(spec, 'spec', 'statefulset', errs);
  // Containers may mount the claim templates: they become volumes of each pod.
  validatePodTemplate(withClaimVolumes(spec.template, spec.volumeClaimTemplates), 'spec.template', ALWAYS, errs);
  noActiveDeadline(spec, 'StatefulSet', errs);
  eachObj(spec.volumeClaimTemplates, (t, i) => {
    const p = `spec.volumeClaimTemplates[${i}]`;
    const m = obj(t.metadata);
    const name = str(m?.name);
    if (!name) errs.push(fieldErr.required(`${p}.metadata.name`));
    validateTemplateMeta(m, `${p}.metadata`, errs);
    validatePvcSpec(t.spec, `${p}.spec`, errs);
  });
}

export function validateDaemonSet(o: Obj, errs: Errs): void {
  const spec = obj(o.spec);
  if (!spec) { errs.push(fieldErr.required('spec.selector')); return; }
  nonNegative(errs, spec.minReadySeconds, 'spec.minReadySeconds');
  nonNegative(errs, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
  validateSelectorAndTemplate(spec, 'spec', 'daemonset', errs);
  validatePodTemplate(spec.template, 'spec.template', ALWAYS, errs);
  noActiveDeadline(spec, 'DaemonSet', errs);
  const us = obj(spec.updateStrategy) ?? {};
  enumOf(errs, us.type, 'spec.updateStrategy.type', ['OnDelete', 'RollingUpdate'], true);
  if (us.type === 'RollingUpdate') {
    const ru = obj(us.rollingUpdate);
    if (!ru) errs.push(fieldErr.required('spec.updateStrategy.rollingUpdate'));
    rollingParams(ru, 'spec.updateStrategy.rollingUpdate', errs, 'may not be 0 when `maxSurge` is 0');
  }
}

/** spec.selector is immutable for all apps/v1 workloads. */
export function validateSelectorUpdate(n: Obj, o: Obj, errs: Errs): void {
  const ns = obj(n.spec)?.selector;
  const os = obj(o.spec)?.selector;
  if (!deepEqual(ns, os)) errs.push(immutable('spec.selector', ns));
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'];

export function validateStatefulSetUpdate(n: Obj, o: Obj, errs: Errs): void {
  const ns = obj(n.spec) ?? {};
  const os = obj(o.spec) ?? {};
  const keys = new Set([...Object.keys(ns), ...Object.keys(os)]);
  for (const k of keys) {
    if (STS_MUTABLE.includes(k)) continue;
    if (!deepEqual(ns[k], os[k])) {
      errs.push(fieldErr.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
      return;
    }
  }
}

/** The template as the pods will have it: one persistentVolumeClaim volume per claim template. */
function withClaimVolumes(template: unknown, claims: unknown): unknown {
  const t = obj(template);
  const list = Array.isArray(claims) ? claims : [];
  if (!t || !list.length) return template;
  const spec = obj(t.spec) ?? {};
  const volumes = Array.isArray(spec.volumes) ? [...spec.volumes] : [];
  for (const c of list) {
    const name = str(obj(obj(c)?.metadata)?.name);
    if (name && !volumes.some((v) => str(obj(v)?.name) === name)) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  return { ...t, spec: { ...spec, volumes } };
}
