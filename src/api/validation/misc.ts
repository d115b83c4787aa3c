// Validation for the smaller groups: rbac, policy (PDB), autoscaling (HPA v1 and v2
// shapes), scheduling (PriorityClass), storage (StorageClass), discovery (EndpointSlice),
// coordination (Lease), events.k8s.io Event.

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { arr, deepEqual, eachObj, enumOf, immutable, isInt, isSet, nonNegative, obj, pushMsgs, str } from './errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIPv4Address, isValidIPv6Address, isQualifiedName, isValidPathSegmentName, isValidPortNum, PORT_RANGE_MSG } from './names.js';
import { validateLabelSelector } from './meta.js';
import { validateEndpointIP, type ValidateOptions } from './endpoints.js';
import { validateAtMost100Percent, validateIntOrPercent } from './intstr.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

// ---- RBAC ------------------------------------------------------------------------------

export function validatePolicyRules(o: Obj, namespaced: boolean, errs: Errs): void {
  eachObj(o.rules, (r, i) => {
    const p = `rules[${i}]`;
    if (arr(r.verbs).length === 0) errs.push(fieldErr.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const urls = arr(r.nonResourceURLs);
    if (urls.length > 0) {
      if (namespaced) errs.push(fieldErr.invalid(`${p}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0 || arr(r.resourceNames).length > 0) {
        errs.push(fieldErr.invalid(`${p}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(r.apiGroups).length === 0) errs.push(fieldErr.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (arr(r.resources).length === 0) errs.push(fieldErr.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  const ar = obj(o.aggregationRule);
  if (ar) eachObj(ar.clusterRoleSelectors, (s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`, errs));
}

export function validateRoleBinding(o: Obj, clusterBinding: boolean, errs: Errs): void {
  const ref = obj(o.roleRef) ?? {};
  enumOf(errs, ref.apiGroup, 'roleRef.apiGroup', [RBAC_GROUP]);
  if (!isSet(ref.apiGroup) || ref.apiGroup === '') errs.push(fieldErr.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  enumOf(errs, ref.kind, 'roleRef.kind', clusterBinding ? ['ClusterRole'] : ['Role', 'ClusterRole'], false);
  if (!str(ref.kind)) errs.push(fieldErr.notSupported('roleRef.kind', '', clusterBinding ? ['ClusterRole'] : ['Role', 'ClusterRole']));
  const name = str(ref.name);
  if (!name) errs.push(fieldErr.required('roleRef.name'));
  else pushMsgs(errs, 'roleRef.name', name, isValidPathSegmentName(name));
  eachObj(o.subjects, (s, i) => {
    const p = `subjects[${i}]`;
    const sname = str(s.name);
    if (!sname) errs.push(fieldErr.required(`${p}.name`));
    switch (s.kind) {
      case 'ServiceAccount':
        if (sname) pushMsgs(errs, `${p}.name`, sname, isDNS1123Subdomain(sname));
        if (str(s.apiGroup)) errs.push(fieldErr.notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
        if (clusterBinding && !str(s.namespace)) errs.push(fieldErr.required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        errs.push(fieldErr.notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
}

export function validateRoleBindingUpdate(n: Obj, o: Obj, errs: Errs): void {
  if (!deepEqual(n.roleRef, o.roleRef)) errs.push(fieldErr.invalid('roleRef', n.roleRef, 'cannot change roleRef'));
}

// ---- policy / autoscaling --------------------------------------------------------------

export function validatePodDisruptionBudget(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) {
    errs.push(fieldErr.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    validateIntOrPercent(spec[f], `spec.${f}`, errs);
    validateAtMost100Percent(spec[f], `spec.${f}`, errs);
  }
  validateLabelSelector(spec.selector, 'spec.selector', errs);
  enumOf(errs, spec.unhealthyPodEvictionPolicy, 'spec.unhealthyPodEvictionPolicy', ['IfHealthyBudget', 'AlwaysAllow']);
}

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const TARGET_TYPES = ['AverageValue', 'Utilization', 'Value'];

function validateScalingRules(r: unknown, path: string, errs: Errs): void {
  const rules = obj(r);
  if (!rules) return;
  if (isSet(rules.stabilizationWindowSeconds) && (!isInt(rules.stabilizationWindowSeconds) || rules.stabilizationWindowSeconds < 0 || rules.stabilizationWindowSeconds > 3600)) {
    errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, rules.stabilizationWindowSeconds, 'must be less than or equal to 3600'));
  }
  enumOf(errs, rules.selectPolicy, `${path}.selectPolicy`, ['Disabled', 'Max', 'Min']);
  eachObj(rules.policies, (p, i) => {
    const pp = `${path}.policies[${i}]`;
    enumOf(errs, p.type, `${pp}.type`, ['Percent', 'Pods'], true);
    if (!isInt(p.value) || p.value <= 0) errs.push(fieldErr.invalid(`${pp}.value`, p.value ?? 0, 'must be greater than zero'));
    if (!isInt(p.periodSeconds) || p.periodSeconds <= 0 || p.periodSeconds > 1800) errs.push(fieldErr.invalid(`${pp}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero and less than or equal to 1800'));
  });
}

/** Accepts both the autoscaling/v1 and v2 shapes (storage is v2). */
export function validateHorizontalPodAutoscaler(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  const ref = obj(spec.scaleTargetRef) ?? {};
  if (!str(ref.kind)) errs.push(fieldErr.required('spec.scaleTargetRef.kind'));
  else pushMsgs(errs, 'spec.scaleTargetRef.kind', ref.kind, isValidPathSegmentName(str(ref.kind)));
  if (!str(ref.name)) errs.push(fieldErr.required('spec.scaleTargetRef.name'));
  else pushMsgs(errs, 'spec.scaleTargetRef.name', ref.name, isValidPathSegmentName(str(ref.name)));
  const min = isSet(spec.minReplicas) ? spec.minReplicas : 1;
  if (!isInt(min) || min < 1) errs.push(fieldErr.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (!isInt(max) || max < 1) errs.push(fieldErr.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (isInt(min) && max < min) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  if (isSet(spec.targetCPUUtilizationPercentage) && (!isInt(spec.targetCPUUtilizationPercentage) || spec.targetCPUUtilizationPercentage < 1)) {
    errs.push(fieldErr.invalid('spec.targetCPUUtilizationPercentage', spec.targetCPUUtilizationPercentage, 'must be greater than or equal to 1'));
  }
  eachObj(spec.metrics, (m, i) => {
    const p = `spec.metrics[${i}]`;
    enumOf(errs, m.type, `${p}.type`, METRIC_TYPES, true);
    const key = typeof m.type === 'string' ? m.type.charAt(0).toLowerCase() + m.type.slice(1) : '';
    const src = obj(m[key]);
    if (key && METRIC_TYPES.includes(str(m.type)) && !src) { errs.push(fieldErr.required(`${p}.${key}`, `must populate information for the given metric source`)); return; }
    if (!src) return;
    if ((m.type === 'Resource' || m.type === 'ContainerResource') && !str(src.name)) errs.push(fieldErr.required(`${p}.${key}.name`));
    const target = obj(src.target);
    if (target) {
      enumOf(errs, target.type, `${p}.${key}.target.type`, TARGET_TYPES, true);
      if (isSet(target.averageUtilization) && (!isInt(target.averageUtilization) || target.averageUtilization <= 0)) {
        errs.push(fieldErr.invalid(`${p}.${key}.target.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
      }
    } else if (m.type === 'Resource' || m.type === 'ContainerResource') {
      errs.push(fieldErr.required(`${p}.${key}.target`));
    }
  });
  const behavior = obj(spec.behavior);
  if (behavior) {
    validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp', errs);
    validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown', errs);
  }
}

// ---- scheduling / storage --------------------------------------------------------------

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

export function validatePriorityClass(o: Obj, errs: Errs): void {
  const name = str(obj(o.metadata)?.name);
  const value = o.value;
  if (!isInt(value)) errs.push(fieldErr.required('value'));
  if (name.startsWith('system-')) {
    const sys = SYSTEM_PRIORITY_CLASSES[name];
    if (sys === undefined) errs.push(fieldErr.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
    else if (value !== sys) errs.push(fieldErr.forbidden('value', `value of system priority class ${name} must be ${sys}`));
  } else if (isInt(value) && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErr.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  enumOf(errs, o.preemptionPolicy, 'preemptionPolicy', ['Never', 'PreemptLowerPriority']);
}

export function validatePriorityClassUpdate(n: Obj, o: Obj, errs: Errs): void {
  if (n.value !== o.value) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
  if (!deepEqual(n.preemptionPolicy, o.preemptionPolicy)) errs.push(immutable('preemptionPolicy', n.preemptionPolicy));
}

export function validateStorageClass(o: Obj, errs: Errs): void {
  const prov = str(o.provisioner);
  if (!prov) errs.push(fieldErr.required('provisioner'));
  else if (prov.length > 63 + 253 + 1) errs.push(fieldErr.tooLong('provisioner', 63 + 253 + 1));
  else pushMsgs(errs, 'provisioner', prov, isQualifiedName(prov.toLowerCase()));
  enumOf(errs, o.reclaimPolicy, 'reclaimPolicy', ['Delete', 'Retain']);
  enumOf(errs, o.volumeBindingMode, 'volumeBindingMode', ['Immediate', 'WaitForFirstConsumer'], true);
  const params = obj(o.parameters);
  if (params) for (const k of Object.keys(params)) if (!k) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
}

export function validateStorageClassUpdate(n: Obj, o: Obj, errs: Errs): void {
  if (!deepEqual(n.parameters, o.parameters)) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (n.provisioner !== o.provisioner) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!deepEqual(n.reclaimPolicy, o.reclaimPolicy)) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (!deepEqual(n.volumeBindingMode, o.volumeBindingMode)) errs.push(immutable('volumeBindingMode', n.volumeBindingMode));
}

// ---- discovery / coordination / events -------------------------------------------------

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(o: Obj, errs: Errs, opts?: ValidateOptions): void {
  const at = o.addressType;
  enumOf(errs, at, 'addressType', ADDRESS_TYPES, true);
  eachObj(o.endpoints, (e, i) => {
    const p = `endpoints[${i}]`;
    const addrs = arr(e.addresses);
    if (addrs.length === 0) errs.push(fieldErr.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(fieldErr.tooMany(`${p}.addresses`, addrs.length, 100));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      const s = typeof a === 'string' ? a : '';
      if (at === 'IPv4' && !isValidIPv4Address(s)) errs.push(fieldErr.invalid(ap, a, 'must be a valid IPv4 address'));
      else if (at === 'IPv6' && !isValidIPv6Address(s)) errs.push(fieldErr.invalid(ap, a, 'must be a valid IPv6 address'));
      else if (at === 'IPv4' || at === 'IPv6') validateEndpointIP(errs, ap, s, opts);
      else if (at === 'FQDN') pushMsgs(errs, ap, a, isDNS1123Subdomain(s));
    });
    if (str(e.hostname)) pushMsgs(errs, `${p}.hostname`, e.hostname, isDNS1123Label(str(e.hostname)));
    if (str(e.nodeName)) pushMsgs(errs, `${p}.nodeName`, e.nodeName, isDNS1123Subdomain(str(e.nodeName)));
  });
  const names = new Set<string>();
  eachObj(o.ports, (p, i) => {
    const pp = `ports[${i}]`;
    const name = str(p.name);
    if (name) pushMsgs(errs, `${pp}.name`, name, isDNS1123Label(name));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${pp}.name`, name));
    names.add(name);
    if (isSet(p.port) && !isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${pp}.port`, p.port, PORT_RANGE_MSG));
    enumOf(errs, p.protocol, `${pp}.protocol`, ['SCTP', 'TCP', 'UDP'], true);
  });
}

export function validateEndpointSliceUpdate(n: Obj, o: Obj, errs: Errs): void {
  if (n.addressType !== o.addressType) errs.push(immutable('addressType', n.addressType));
}

export function validateLease(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  if (isSet(spec.leaseDurationSeconds) && (!isInt(spec.leaseDurationSeconds) || spec.leaseDurationSeconds <= 0)) {
    errs.push(fieldErr.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  nonNegative(errs, spec.leaseTransitions, 'spec.leaseTransitions');
}

/** events.k8s.io/v1 Event as written by new clients. */
export function validateEventsV1(o: Obj, errs: Errs): void {
  if (!isSet(o.eventTime)) errs.push(fieldErr.required('eventTime'));
  enumOf(errs, o.type, 'type', ['Normal', 'Warning'], true);
  if (!str(o.reportingController)) errs.push(fieldErr.required('reportingController'));
  else pushMsgs(errs, 'reportingController', o.reportingController, isQualifiedName(str(o.reportingController)));
  if (!str(o.reportingInstance)) errs.push(fieldErr.required('reportingInstance'));
  if (!str(o.action)) errs.push(fieldErr.required('action'));
  if (!str(o.reason)) errs.push(fieldErr.required('reason'));
  if (str(o.note).length > 1024) errs.push(fieldErr.tooLong('note', 1024));
}
