// A StatefulSet pod's identity (upstream stateful_set_utils.go): its name `<set>-<ordinal>`,
// the labels that pin it to its ordinal and revision, its hostname/subdomain, and the
// PersistentVolumeClaims `<claim>-<set>-<ordinal>` mounted in place of template volumes.
import type {
  KObject, OwnerReference, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, StatefulSet, StatefulSetSpec,
} from '../../api/types/index.js';
import { newControllerRef, podPhase, getCondition } from '../../api/pod-util.js';
import { clone } from '../../util/json.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/index.js';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const STATEFULSET_REVISION_LABEL = CONTROLLER_REVISION_HASH_LABEL;
export const STATEFULSET_API_VERSION = 'apps/v1';
export const STATEFULSET_KIND = 'StatefulSet';

/** The set's spec; {} when absent (the model makes spec optional, as Go's omitempty). */
export const specOf = (set: Readonly<StatefulSet>): Partial<StatefulSetSpec> => set.spec ?? {};
export const replicasOf = (set: Readonly<StatefulSet>): number => specOf(set).replicas ?? 1;
export const startOrdinal = (set: Readonly<StatefulSet>): number => specOf(set).ordinals?.start ?? 0;
/** Ordinals the set should have: [start, start + replicas). */
export const inOrdinalRange = (set: Readonly<StatefulSet>, ord: number): boolean =>
  ord >= startOrdinal(set) && ord < startOrdinal(set) + replicasOf(set);

export const podName = (set: Readonly<StatefulSet>, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

/** The ordinal in `<set>-<ordinal>`, or -1 when the name does not belong to the set. */
export function ordinalOf(set: Readonly<StatefulSet>, pod: Readonly<Pod>): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export const podRevision = (pod: Readonly<Pod>): string => pod.metadata.labels?.[STATEFULSET_REVISION_LABEL] ?? '';

/** Phase set by the API server: the pod exists (upstream isCreated). */
export const isCreated = (pod: Readonly<Pod>): boolean => podPhase(pod) !== '';
export const isTerminating = (pod: Readonly<Pod>): boolean => !!pod.metadata.deletionTimestamp;
export const isFailed = (pod: Readonly<Pod>): boolean => podPhase(pod) === 'Failed';
export const isSucceeded = (pod: Readonly<Pod>): boolean => podPhase(pod) === 'Succeeded';
export const isRunningAndReady = (pod: Readonly<Pod>): boolean =>
  podPhase(pod) === 'Running' && getCondition(pod, 'Ready')?.status === 'True';
/** Running, Ready and not being deleted. */
export const isHealthy = (pod: Readonly<Pod>): boolean => isRunningAndReady(pod) && !isTerminating(pod);

export function isRunningAndAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  if (!isRunningAndReady(pod)) return false;
  if (!minReadySeconds) return true;
  const t = Date.parse(getCondition(pod, 'Ready')?.lastTransitionTime ?? '');
  return !Number.isNaN(t) && t + minReadySeconds * 1000 <= now;
}

/** `<claim>-<set>-<ordinal>`. */
export const claimName = (set: Readonly<StatefulSet>, template: Readonly<PersistentVolumeClaim>, ordinal: number): string =>
  `${template.metadata?.name ?? ''}-${set.metadata.name}-${ordinal}`;

/** The PVCs the pod at `ordinal` needs, keyed by template (volume) name. */
export function claimsFor(set: Readonly<StatefulSet>, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  const selectorLabels = specOf(set).selector?.matchLabels ?? {};
  for (const t of specOf(set).volumeClaimTemplates ?? []) {
    const name = claimName(set, t, ordinal);
    const meta: PersistentVolumeClaim['metadata'] = { name, namespace: set.metadata.namespace, labels: { ...(t.metadata?.labels ?? {}), ...selectorLabels } };
    if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    out.set(t.metadata?.name ?? '', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: clone(t.spec ?? {}) });
  }
  return out;
}

/** A new pod for `ordinal` from `template` (the template of the revision it belongs to). */
export function newStatefulSetPod(set: Readonly<StatefulSet>, template: Readonly<Partial<PodTemplateSpec>>, ordinal: number, revision: string): Pod {
  const tm = template.metadata ?? {};
  const name = podName(set, ordinal);
  const meta: Pod['metadata'] = {
    name,
    generateName: `${set.metadata.name}-`,
    namespace: set.metadata.namespace,
    labels: { ...(tm.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [STATEFULSET_REVISION_LABEL]: revision },
    ownerReferences: [newControllerRef(set, STATEFULSET_API_VERSION, STATEFULSET_KIND)],
  };
  if (tm.annotations) meta.annotations = { ...tm.annotations };
  if (tm.finalizers) meta.finalizers = [...tm.finalizers];
  // A template without a spec gives a pod spec without containers, as before: the API server rejects it.
  const spec = clone(template.spec ?? ({} as PodSpec));
  spec.hostname = name;
  if (specOf(set).serviceName) spec.subdomain = specOf(set).serviceName;
  const claims = claimsFor(set, ordinal);
  if (claims.size > 0) {
    const volumes = (spec.volumes ?? []).filter((v) => !claims.has(v.name));
    const mounted = [...claims].map(([vol, pvc]) => ({ name: vol, persistentVolumeClaim: { claimName: pvc.metadata.name ?? '' } }));
    spec.volumes = [...mounted, ...volumes];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

/** The name, labels and hostname that pin the pod to its ordinal are in place (upstream identityMatches). */
export function identityMatches(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
  const ord = ordinalOf(set, pod);
  const labels = pod.metadata.labels ?? {};
  const spec: Partial<PodSpec> = pod.spec ?? {};
  return ord >= 0
    && pod.metadata.namespace === set.metadata.namespace
    && labels[STATEFULSET_POD_NAME_LABEL] === pod.metadata.name
    && labels[POD_INDEX_LABEL] === String(ord)
    && spec.hostname === pod.metadata.name
    && (spec.subdomain ?? '') === (specOf(set).serviceName ?? '');
}

/** Every claim template is mounted from its `<claim>-<set>-<ordinal>` PVC (upstream storageMatches). */
export function storageMatches(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
  const ord = ordinalOf(set, pod);
  if (ord < 0) return false;
  const volumes = pod.spec?.volumes ?? [];
  for (const [vol, pvc] of claimsFor(set, ord)) {
    const v = volumes.find((x) => x.name === vol);
    if (v?.persistentVolumeClaim?.claimName !== pvc.metadata.name) return false;
  }
  return true;
}

/** Labels to add to an existing pod to restore its identity (only labels can change on a live pod). */
export function identityLabelPatch(set: Readonly<StatefulSet>, pod: Readonly<Pod>): Record<string, string> | undefined {
  const ord = ordinalOf(set, pod);
  const labels = pod.metadata.labels ?? {};
  const want: Record<string, string> = { [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name ?? '', [POD_INDEX_LABEL]: String(ord) };
  const patch: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (labels[k] !== v) patch[k] = v;
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * The owner references a claim should carry under the set's retention policy (upstream
 * updateClaimOwnerRefForSetAndPod): whenDeleted=Delete → owned by the set; whenScaled=Delete
 * → owned by the pod once the pod's ordinal is out of range. Other owners are kept.
 */
export function desiredClaimOwnerRefs(claim: Readonly<KObject>, set: Readonly<StatefulSet>, pod: Readonly<Pod> | undefined, ordinal: number): OwnerReference[] {
  const policy = specOf(set).persistentVolumeClaimRetentionPolicy ?? {};
  const whenDeleted = policy.whenDeleted ?? 'Retain';
  const whenScaled = policy.whenScaled ?? 'Retain';
  const setUid = set.metadata.uid;
  const podUid = pod?.metadata.uid;
  let refs = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== setUid && r.uid !== podUid);
  const setRef: OwnerReference = { apiVersion: STATEFULSET_API_VERSION, kind: STATEFULSET_KIND, name: set.metadata.name ?? '', uid: setUid ?? '' };
  const podRef: OwnerReference | undefined = pod ? { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: podUid ?? '' } : undefined;
  const scaledDown = !inOrdinalRange(set, ordinal);
  const old = claim.metadata.ownerReferences ?? [];
  const keep = (ref: OwnerReference): OwnerReference => old.find((r) => r.uid === ref.uid) ?? ref;
  if (whenScaled === 'Delete' && scaledDown) {
    if (podRef) refs = [...refs, keep(podRef)];
  } else if (whenDeleted === 'Delete') {
    refs = [...refs, keep(setRef)];
  }
  return refs;
}
