// NodeRestriction admission (upstream's plugin/pkg/admission/noderestriction): the Node
// authorizer lets kubelets write nodes, pods, leases and tokens at all; this plugin, which sees
// the objects, narrows those writes to the kubelet's own:
// - its own Node (create/update/delete, and its status), without changing its taints or
//   setting labels outside the kubelet's label set (node-restriction.kubernetes.io/ never);
// - mirror pods bound to itself (create), pods bound to itself (delete, status, eviction);
// - its own Lease in kube-node-lease;
// - service-account tokens bound to a pod on itself.
// Requests from anyone but a node (user system:node:<name>, group system:nodes) pass untouched.
// Pure: it reads what it needs through `lookup`, throws a 403 StatusError to refuse.
import type { KObject, Node, Pod } from '../../api/types/index.js';
import { forbidden } from '../../api/status.js';
import { nodeNameOf, NODE_LEASE_NAMESPACE } from '../auth/node-authorizer.js';
import type { UserInfo } from '../auth/user.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What an admission plugin sees of a write (upstream's admission.Attributes). */
export interface AdmissionAttributes {
  user: Readonly<UserInfo>;
  operation: AdmissionOperation;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The object as it will be stored (CREATE, UPDATE), or the request body of a subresource (token, eviction). */
  object?: Readonly<KObject>;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: Readonly<KObject>;
}

/** Reads the current pod, for writes whose body does not say which node the pod is on. */
export type PodLookup = (namespace: string, name: string) => Readonly<Pod> | undefined;

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const RESTRICTED_LABEL_PREFIX = 'node-restriction.kubernetes.io/';

/** Labels a kubelet may set on its Node (upstream's kubeletapis.KubeletLabels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/** Upstream's IsKubeletLabel: may a kubelet set this label on its Node? */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const slash = key.indexOf('/');
  if (slash < 0) return true;
  const ns = key.slice(0, slash);
  if (KUBELET_LABEL_NAMESPACES.some((k) => ns === k || ns.endsWith('.' + k))) return true;
  return !(['kubernetes.io', 'k8s.io'].some((k) => ns === k || ns.endsWith('.' + k)));
}

function gr(a: AdmissionAttributes): { group: string; resource: string } {
  return { group: a.group, resource: a.resource };
}

function refuse(a: AdmissionAttributes, name: string | undefined, why: string): never {
  const what = `${a.resource}${a.group ? '.' + a.group : ''}${name ? ` "${name}"` : ''}`;
  throw forbidden(`${what} is forbidden: ${why}`, gr(a), name);
}

/** Throws a 403 StatusError when a node's write reaches beyond its own objects. */
export function admitNodeRestriction(a: AdmissionAttributes, lookupPod: PodLookup): void {
  const node = nodeNameOf(a.user);
  if (node === undefined) return;
  const key = `${a.group}/${a.resource}`;
  switch (key) {
    case '/nodes':
      return admitNode(a, node);
    case '/pods':
      return admitPod(a, node, lookupPod);
    case '/serviceaccounts':
      if (a.subresource === 'token') return admitToken(a, node, lookupPod);
      return;
    case 'coordination.k8s.io/leases': {
      const name = a.name ?? a.object?.metadata?.name;
      if (a.namespace !== NODE_LEASE_NAMESPACE || name !== node) refuse(a, name, `node "${node}" is not allowed to modify lease ${a.namespace ?? ''}/${name ?? ''}, only its own lease ${NODE_LEASE_NAMESPACE}/${node}`);
      return;
    }
    case 'storage.k8s.io/csinodes': {
      const name = a.name ?? a.object?.metadata?.name;
      if (name !== node) refuse(a, name, `node "${node}" is not allowed to modify CSINode "${name ?? ''}"`);
      return;
    }
  }
}

function admitNode(a: AdmissionAttributes, node: string): void {
  const name = a.name ?? a.object?.metadata?.name;
  if (name !== node) refuse(a, name, `node "${node}" is not allowed to modify node "${name ?? ''}"`);
  if (a.subresource || a.operation === 'DELETE') return;
  const labels = (a.object?.metadata.labels ?? {}) as Record<string, string>;
  const old = (a.oldObject?.metadata.labels ?? {}) as Record<string, string>;
  const changed = new Set<string>();
  for (const k of Object.keys(labels)) if (old[k] !== labels[k]) changed.add(k);
  if (a.operation === 'UPDATE') for (const k of Object.keys(old)) if (!(k in labels)) changed.add(k);
  const restricted = [...changed].filter((k) => k.startsWith(RESTRICTED_LABEL_PREFIX)).sort();
  if (restricted.length) refuse(a, name, `node "${node}" is not allowed to modify labels: ${restricted.join(', ')}`);
  const notKubelet = [...changed].filter((k) => !isKubeletLabel(k)).sort();
  if (notKubelet.length) refuse(a, name, `node "${node}" is not allowed to set the following labels: ${notKubelet.join(', ')}`);
  if (a.operation === 'UPDATE') {
    const taints = JSON.stringify((a.object as Readonly<Node> | undefined)?.spec?.taints ?? []);
    const oldTaints = JSON.stringify((a.oldObject as Readonly<Node> | undefined)?.spec?.taints ?? []);
    if (taints !== oldTaints) refuse(a, name, `node "${node}" is not allowed to modify taints`);
  }
}

function admitPod(a: AdmissionAttributes, node: string, lookupPod: PodLookup): void {
  if (a.operation === 'CREATE' && !a.subresource) {
    const pod = a.object as Readonly<Pod> | undefined;
    const name = pod?.metadata.name ?? a.name;
    if (!pod?.metadata.annotations?.[MIRROR_POD_ANNOTATION]) refuse(a, name, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (pod.spec?.nodeName !== node) refuse(a, name, `node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.some((o) => o.kind !== 'Node' || o.name !== node || o.apiVersion !== 'v1')) refuse(a, name, `node "${node}" can only create pods with an owner reference set to itself`);
    const spec = pod.spec;
    if (spec.serviceAccountName || spec.serviceAccount) refuse(a, name, `node "${node}" can not create pods that use a service account`);
    const usesApiObjects =
      (spec.volumes ?? []).some((v) => v.secret || v.configMap || v.persistentVolumeClaim || v.projected || v.ephemeral) ||
      [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c) => (c.envFrom ?? []).length > 0 || (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef));
    if (usesApiObjects) refuse(a, name, `node "${node}" can not create pods that reference secrets, configmaps, or persistentvolumeclaims`);
    return;
  }
  // Delete, status, eviction: only pods bound to this node.
  const name = a.name ?? a.object?.metadata?.name;
  const pod = (a.oldObject as Readonly<Pod> | undefined) ?? (a.namespace && name ? lookupPod(a.namespace, name) : undefined);
  if (!pod) return; // the write itself answers 404
  const bound = pod.spec?.nodeName;
  if (bound !== node) {
    const what = a.subresource === 'eviction' ? 'evict' : a.operation === 'DELETE' ? 'delete' : 'update';
    refuse(a, name, `node "${node}" can only ${what} pods with spec.nodeName set to itself`);
  }
  if (a.operation === 'UPDATE' && !a.subresource) refuse(a, name, `node "${node}" can only update pod status`);
}

function admitToken(a: AdmissionAttributes, node: string, lookupPod: PodLookup): void {
  const ref = (a.object?.spec as { boundObjectRef?: { kind?: string; name?: string; uid?: string } } | undefined)?.boundObjectRef;
  if (!ref) refuse(a, a.name, `node requested token not bound to a pod`);
  if (ref.kind !== 'Pod') refuse(a, a.name, `node requested token bound to a ${ref.kind ?? 'object'}; only pods are allowed`);
  const pod = a.namespace && ref.name ? lookupPod(a.namespace, ref.name) : undefined;
  if (!pod) refuse(a, a.name, `node requested token bound to a pod that does not exist`);
  if (ref.uid && ref.uid !== pod.metadata.uid) refuse(a, a.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${pod.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
  if (pod.spec?.nodeName !== node) refuse(a, a.name, `node requested token bound to a pod scheduled on a different node`);
  const sa = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
  if (sa !== a.name) refuse(a, a.name, `node requested token for service account "${a.name ?? ''}" bound to a pod that uses "${sa}"`);
}
