// The Node authorizer's graph (upstream's plugin/pkg/auth/authorizer/node/graph.go, reduced to
// what k8ts stores): which objects each node may read because a pod bound to it uses them.
//
//   node ◀── pod ──▶ secret | configmap | serviceaccount | persistentvolumeclaim (──▶ pv, via
//                                                          the PV's claimRef at decision time)
//
// Fed with every pod (ADDED/MODIFIED/DELETED) from the API server's watch cache, so a decision
// is two map lookups. Only bound pods (spec.nodeName set) count. Pure data, no I/O.
import type { Pod, Container, EphemeralContainer, Volume } from '../../api/types/index.js';

export type GraphKind = 'secret' | 'configmap' | 'serviceaccount' | 'persistentvolumeclaim';

/** `kind/namespace/name`: the key of an object a pod references. */
export const refKey = (kind: GraphKind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

interface PodEntry {
  node: string;
  refs: string[];
}

/** The objects one pod references, as refKeys (duplicates removed). */
export function podReferences(pod: Readonly<Pod>): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  const out = new Set<string>();
  const spec = pod.spec;
  if (!spec) return [];
  const add = (kind: GraphKind, name: string | undefined): void => {
    if (name) out.add(refKey(kind, ns, name));
  };
  add('serviceaccount', spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
  // The kubelet projects the service-account token volume (token + kube-root-ca.crt) into pods
  // whose spec does not carry it yet; the ConfigMap it reads holds only the public cluster CA.
  if (spec.automountServiceAccountToken !== false) add('configmap', 'kube-root-ca.crt');
  for (const s of spec.imagePullSecrets ?? []) add('secret', s.name);
  const containers: ReadonlyArray<Readonly<Container> | Readonly<EphemeralContainer>> = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      add('configmap', e.configMapRef?.name);
      add('secret', e.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      add('configmap', e.valueFrom?.configMapKeyRef?.name);
      add('secret', e.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const v of (spec.volumes ?? []) as ReadonlyArray<Readonly<Volume>>) {
    add('secret', v.secret?.secretName);
    add('configmap', v.configMap?.name);
    add('persistentvolumeclaim', v.persistentVolumeClaim?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral) add('persistentvolumeclaim', `${pod.metadata.name}-${v.name}`);
    for (const p of v.projected?.sources ?? []) {
      add('secret', p.secret?.name);
      add('configmap', p.configMap?.name);
    }
    // Volume plugins that carry credentials in a Secret.
    const withSecretRef = v as { cephfs?: { secretRef?: { name?: string } }; rbd?: { secretRef?: { name?: string } }; iscsi?: { secretRef?: { name?: string } }; csi?: { nodePublishSecretRef?: { name?: string } }; flexVolume?: { secretRef?: { name?: string } }; azureFile?: { secretName?: string } };
    add('secret', withSecretRef.cephfs?.secretRef?.name);
    add('secret', withSecretRef.rbd?.secretRef?.name);
    add('secret', withSecretRef.iscsi?.secretRef?.name);
    add('secret', withSecretRef.csi?.nodePublishSecretRef?.name);
    add('secret', withSecretRef.flexVolume?.secretRef?.name);
    add('secret', withSecretRef.azureFile?.secretName);
  }
  return [...out];
}

export class NodeGraph {
  /** pod key (ns/name) → its node and references. */
  private readonly pods = new Map<string, PodEntry>();
  /** refKey → node → number of that node's pods referencing it. */
  private readonly refs = new Map<string, Map<string, number>>();
  /** node → its pods' keys (ns/name) with their uids. */
  private readonly podsByNode = new Map<string, Map<string, string>>();

  /** Records a pod's current state (an unbound pod only removes what was recorded). */
  setPod(pod: Readonly<Pod>): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    this.deletePod(key);
    const node = pod.spec?.nodeName;
    if (!node) return;
    const refs = podReferences(pod);
    this.pods.set(key, { node, refs });
    let onNode = this.podsByNode.get(node);
    if (!onNode) this.podsByNode.set(node, (onNode = new Map()));
    onNode.set(key, pod.metadata.uid ?? '');
    for (const r of refs) {
      let nodes = this.refs.get(r);
      if (!nodes) this.refs.set(r, (nodes = new Map()));
      nodes.set(node, (nodes.get(node) ?? 0) + 1);
    }
  }

  deletePod(key: string): void {
    const e = this.pods.get(key);
    if (!e) return;
    this.pods.delete(key);
    const onNode = this.podsByNode.get(e.node);
    onNode?.delete(key);
    if (onNode && onNode.size === 0) this.podsByNode.delete(e.node);
    for (const r of e.refs) {
      const nodes = this.refs.get(r);
      if (!nodes) continue;
      const n = (nodes.get(e.node) ?? 0) - 1;
      if (n > 0) nodes.set(e.node, n);
      else nodes.delete(e.node);
      if (nodes.size === 0) this.refs.delete(r);
    }
  }

  /** Does a pod bound to `node` reference the object? */
  hasReference(node: string, kind: GraphKind, namespace: string, name: string): boolean {
    return this.refs.get(refKey(kind, namespace, name))?.has(node) ?? false;
  }

  /** The node a pod is bound to, if the graph knows the pod. */
  nodeOfPod(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }

  get podCount(): number {
    return this.pods.size;
  }
}
