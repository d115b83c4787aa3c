// Defaulting for the smaller groups: autoscaling, rbac, storage, scheduling, discovery,
// admissionregistration. Kinds without upstream defaults (Lease, PDB in policy/v1,
// events.k8s.io Event, ConfigMap…) have no entry here.

import type { Obj } from './util.js';
import { child, eachObject, isAbsent, setDefault, setDefaultString, sub } from './util.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function scaleUpRules(r: Obj): void {
  setDefault(r, 'stabilizationWindowSeconds', 0);
  setDefaultString(r, 'selectPolicy', 'Max');
  if (isAbsent(r.policies)) r.policies = [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
}

function scaleDownRules(r: Obj): void {
  setDefault(r, 'stabilizationWindowSeconds', 300);
  setDefaultString(r, 'selectPolicy', 'Max');
  if (isAbsent(r.policies)) r.policies = [{ type: 'Percent', value: 100, periodSeconds: 15 }];
}

/** autoscaling v1: minReplicas 1. v2: also the 80% CPU metric and, when behavior is given, its rules. */
export function defaultHorizontalPodAutoscaler(o: Obj, version: string): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (version === 'v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = sub(spec, 'behavior');
  if (behavior) {
    scaleUpRules(child(behavior, 'scaleUp'));
    scaleDownRules(child(behavior, 'scaleDown'));
  }
}

function defaultSubjects(o: Obj): void {
  eachObject(o.subjects, (s) => {
    if (typeof s.apiGroup === 'string' && s.apiGroup !== '') return;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  });
}

export function defaultRoleBinding(o: Obj): void {
  const ref = sub(o, 'roleRef');
  if (ref) setDefaultString(ref, 'apiGroup', RBAC_GROUP);
  defaultSubjects(o);
}

export function defaultStorageClass(o: Obj): void {
  setDefaultString(o, 'reclaimPolicy', 'Delete');
  setDefaultString(o, 'volumeBindingMode', 'Immediate');
}

export function defaultCSIDriver(o: Obj): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  setDefaultString(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  setDefault(spec, 'requiresRepublish', false);
  setDefault(spec, 'seLinuxMount', false);
}

export function defaultPriorityClass(o: Obj): void {
  setDefaultString(o, 'preemptionPolicy', 'PreemptLowerPriority');
}

export function defaultEndpointSlice(o: Obj): void {
  eachObject(o.ports, (p) => {
    setDefault(p, 'name', '');
    setDefaultString(p, 'protocol', 'TCP');
  });
}

/** Mutating/ValidatingWebhookConfiguration (admissionregistration/v1). */
export function defaultWebhookConfiguration(o: Obj, mutating: boolean): void {
  eachObject(o.webhooks, (w) => {
    setDefaultString(w, 'failurePolicy', 'Fail');
    setDefaultString(w, 'matchPolicy', 'Equivalent');
    setDefault(w, 'namespaceSelector', {});
    setDefault(w, 'objectSelector', {});
    setDefault(w, 'timeoutSeconds', 10);
    if (mutating) setDefaultString(w, 'reinvocationPolicy', 'Never');
    eachObject(w.rules, (r) => setDefaultString(r, 'scope', '*'));
    const svc = sub(sub(w, 'clientConfig'), 'service');
    if (svc) setDefault(svc, 'port', 443);
  });
}
