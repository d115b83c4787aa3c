// validateObject / validateUpdate: the per-kind rule table the API server calls after
// defaulting and quantity canonicalization. Unknown kinds get metadata checks only
// (DNS-subdomain names, no namespace-scope check), which suits custom resources.

import type { KObject } from '../types/index.js';
import type { FieldError } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { obj } from './errors.js';
import type { NameValidator } from './names.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment } from './names.js';
import { validateObjectMeta } from './meta.js';
import { validateEndpoints, type ValidateOptions } from './endpoints.js';
import { validatePodSpec, validatePodSpecUpdate } from './pod.js';
import {
  validateDaemonSet, validateDeployment, validateReplicaSet, validateSelectorUpdate, validateStatefulSet, validateStatefulSetUpdate,
} from './apps.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import {
  validateConfigMap, validateEvent, validateImmutableDataUpdate, validateLimitRange, validateNamespace, validateNode,
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePodTemplateObject,
  validateReplicationController, validateResourceQuota, validateSecret, validateService, validateServiceUpdate,
} from './core.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateNetworkPolicy } from './networking.js';
import {
  validateEndpointSlice, validateEndpointSliceUpdate, validateEventsV1, validateHorizontalPodAutoscaler, validateLease,
  validatePodDisruptionBudget, validatePolicyRules, validatePriorityClass, validatePriorityClassUpdate, validateRoleBinding,
  validateRoleBindingUpdate, validateStorageClass, validateStorageClassUpdate,
} from './misc.js';

type Check = (o: Obj, errs: Errs, opts?: ValidateOptions) => void;
type UpdateCheck = (n: Obj, o: Obj, errs: Errs) => void;

interface KindRules {
  namespaced: boolean | undefined;
  nameFn: NameValidator;
  validate?: Check;
  update?: UpdateCheck;
}

const rules = (namespaced: boolean | undefined, validate?: Check, update?: UpdateCheck, nameFn: NameValidator = nameIsDNSSubdomain): KindRules =>
  ({ namespaced, nameFn, validate, update });

const validatePod: Check = (o, errs) => validatePodSpec(o.spec, 'spec', errs, { isPod: true });
const validatePodUpdate: UpdateCheck = (n, o, errs) => validatePodSpecUpdate(n.spec, o.spec, errs);

/** Keyed by `group/Kind` (core group is the empty string). */
const KINDS: ReadonlyMap<string, KindRules> = new Map<string, KindRules>([
  ['/Pod', rules(true, validatePod, validatePodUpdate)],
  ['/PodTemplate', rules(true, validatePodTemplateObject)],
  ['/ReplicationController', rules(true, validateReplicationController)],
  ['/Service', rules(true, validateService, validateServiceUpdate, nameIsDNS1035Label)],
  ['/Endpoints', rules(true, validateEndpoints)],
  ['/ConfigMap', rules(true, validateConfigMap, (n, o, e) => validateImmutableDataUpdate(n, o, e, false))],
  ['/Secret', rules(true, validateSecret, (n, o, e) => validateImmutableDataUpdate(n, o, e, true))],
  ['/ServiceAccount', rules(true)],
  ['/Namespace', rules(false, validateNamespace, undefined, nameIsDNSLabel)],
  ['/Node', rules(false, validateNode)],
  ['/PersistentVolume', rules(false, validatePersistentVolume)],
  ['/PersistentVolumeClaim', rules(true, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate)],
  ['/ResourceQuota', rules(true, validateResourceQuota)],
  ['/LimitRange', rules(true, validateLimitRange)],
  ['/Event', rules(true, validateEvent)],
  ['/Binding', rules(true)],
  ['/ComponentStatus', rules(false)],
  ['apps/Deployment', rules(true, validateDeployment, validateSelectorUpdate)],
  ['apps/ReplicaSet', rules(true, validateReplicaSet, validateSelectorUpdate)],
  ['apps/StatefulSet', rules(true, validateStatefulSet, validateStatefulSetUpdate)],
  ['apps/DaemonSet', rules(true, validateDaemonSet, validateSelectorUpdate)],
  ['apps/ControllerRevision', rules(true)],
  ['batch/Job', rules(true, validateJob, validateJobUpdate)],
  ['batch/CronJob', rules(true, validateCronJob)],
  ['networking.k8s.io/Ingress', rules(true, validateIngress)],
  ['networking.k8s.io/IngressClass', rules(false, validateIngressClass, validateIngressClassUpdate)],
  ['networking.k8s.io/NetworkPolicy', rules(true, validateNetworkPolicy)],
  ['rbac.authorization.k8s.io/Role', rules(true, (o, e) => validatePolicyRules(o, true, e), undefined, nameIsPathSegment)],
  ['rbac.authorization.k8s.io/ClusterRole', rules(false, (o, e) => validatePolicyRules(o, false, e), undefined, nameIsPathSegment)],
  ['rbac.authorization.k8s.io/RoleBinding', rules(true, (o, e) => validateRoleBinding(o, false, e), validateRoleBindingUpdate, nameIsPathSegment)],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', rules(false, (o, e) => validateRoleBinding(o, true, e), validateRoleBindingUpdate, nameIsPathSegment)],
  ['policy/PodDisruptionBudget', rules(true, validatePodDisruptionBudget)],
  ['autoscaling/HorizontalPodAutoscaler', rules(true, validateHorizontalPodAutoscaler)],
  ['scheduling.k8s.io/PriorityClass', rules(false, validatePriorityClass, validatePriorityClassUpdate)],
  ['storage.k8s.io/StorageClass', rules(false, validateStorageClass, validateStorageClassUpdate)],
  ['storage.k8s.io/CSIDriver', rules(false)],
  ['storage.k8s.io/CSINode', rules(false)],
  ['storage.k8s.io/VolumeAttachment', rules(false)],
  ['storage.k8s.io/CSIStorageCapacity', rules(true)],
  ['discovery.k8s.io/EndpointSlice', rules(true, validateEndpointSlice, validateEndpointSliceUpdate)],
  ['coordination.k8s.io/Lease', rules(true, validateLease)],
  ['events.k8s.io/Event', rules(true, validateEventsV1)],
  ['apiextensions.k8s.io/CustomResourceDefinition', rules(false)],
  ['apiregistration.k8s.io/APIService', rules(false)],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', rules(false)],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', rules(false)],
  ['certificates.k8s.io/CertificateSigningRequest', rules(false)],
  ['node.k8s.io/RuntimeClass', rules(false)],
  ['flowcontrol.apiserver.k8s.io/FlowSchema', rules(false)],
  ['flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration', rules(false)],
]);

/** Unknown kinds (custom resources): the server knows their scope, so it is not checked here. */
const DEFAULT_RULES: KindRules = rules(undefined);

/** Whether objects of a built-in kind live in a namespace; undefined for kinds not listed here. */
export function isNamespacedKind(group: string, kind: string): boolean | undefined {
  return KINDS.get(`${group}/${kind}`)?.namespaced;
}

/** Create-time validation: metadata plus the kind's spec rules. */
export function validateObject(group: string, kind: string, o: KObject, opts?: ValidateOptions): FieldError[] {
  const r = KINDS.get(`${group}/${kind}`) ?? DEFAULT_RULES;
  const errs: Errs = [];
  validateObjectMeta(o.metadata, r, errs);
  r.validate?.(o as Obj, errs, opts);
  return errs;
}

/**
 * Update-time checks only (immutable fields and allowed transitions). The server calls
 * validateObject on the new object as well; metadata.namespace/uid/creationTimestamp are
 * the server's business.
 */
export function validateUpdate(group: string, kind: string, newObj: KObject, oldObj: KObject): FieldError[] {
  const r = KINDS.get(`${group}/${kind}`);
  const errs: Errs = [];
  if (r?.update && obj(newObj) && obj(oldObj)) r.update(newObj as Obj, oldObj as Obj, errs);
  return errs;
}
