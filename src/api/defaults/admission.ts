// Pod mutations that upstream performs in admission plugins rather than in defaulting.
// The API server calls these on Pod create only (never on update), after applyDefaults.

import type { KObject } from '../types/index.js';
import type { Obj } from './util.js';
import { child, eachObject } from './util.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../well-known.js';

export const DEFAULT_TOLERATION_SECONDS = 300;

/**
 * DefaultTolerationSeconds' own test (not ToleratesTaint): some toleration names `key` (or no
 * key) with effect NoExecute (or no effect), whatever its operator and value.
 */
function hasNoExecuteTolerationFor(tolerations: unknown, key: string): boolean {
  let found = false;
  eachObject(tolerations, (t) => {
    const k = t.key ?? '';
    const effect = t.effect ?? '';
    if ((k === key || k === '') && (effect === 'NoExecute' || effect === '')) found = true;
  });
  return found;
}

/**
 * DefaultTolerationSeconds admission: adds NoExecute tolerations (300s) for the not-ready and
 * unreachable taints unless the pod already tolerates them (same key, or empty key, with
 * NoExecute or empty effect).
 */
export function addDefaultTolerations(pod: KObject, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const spec = child(pod, 'spec');
  const list: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const add: Obj[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!hasNoExecuteTolerationFor(list, key)) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length > 0) spec.tolerations = [...list, ...add];
}

/** What the Priority admission plugin resolved for a pod (from its PriorityClass). */
export interface ResolvedPriority {
  value: number;
  preemptionPolicy?: string;
}

/**
 * Priority admission: sets spec.priority (0 without a class or global default) and
 * spec.preemptionPolicy (PreemptLowerPriority unless the class says otherwise).
 * Resolving priorityClassName to a class is the caller's job.
 */
export function applyPodPriority(pod: KObject, resolved?: ResolvedPriority): void {
  const spec = child(pod, 'spec');
  spec.priority = resolved ? resolved.value : 0;
  if (spec.preemptionPolicy === undefined || spec.preemptionPolicy === null) {
    spec.preemptionPolicy = resolved?.preemptionPolicy ?? 'PreemptLowerPriority';
  }
}

/**
 * ServiceAccount admission: the pod runs as `default` unless it names an account.
 * Mirror pods (annotation kubernetes.io/config.mirror) are left alone, as upstream.
 */
export function addDefaultServiceAccount(pod: KObject): void {
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
  const spec = child(pod, 'spec');
  const name = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName
    : typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default';
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
}

/**
 * ServiceAccount admission, second half: the projected `kube-api-access-<suffix>` volume
 * (token, ca.crt, namespace) mounted read-only at the well-known path in every container,
 * unless automountServiceAccountToken is false or a mount already uses that path.
 */
export function addServiceAccountTokenVolume(pod: KObject, suffix: string): void {
  const spec = child(pod, 'spec');
  if (spec.automountServiceAccountToken === false) return;
  const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
  const name = `kube-api-access-${suffix}`;
  const volumes: unknown[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  if (volumes.some((v) => typeof v === 'object' && v !== null && (v as Obj).name === name)) return;
  spec.volumes = [...volumes, {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }];
  const mount = (c: Obj): void => {
    const mounts: unknown[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    if (mounts.some((m) => typeof m === 'object' && m !== null && (m as Obj).mountPath === mountPath)) return;
    c.volumeMounts = [...mounts, { name, readOnly: true, mountPath }];
  };
  eachObject(spec.containers, mount);
  eachObject(spec.initContainers, mount);
}
