// The Node authorizer (upstream's plugin/pkg/auth/authorizer/node): requests from kubelets,
// identified as user `system:node:<name>` in group `system:nodes`, get what a kubelet needs
// and nothing else.
//
// Contract (three-valued, like upstream's authorizer.Decision):
// - not a node identity                               → no opinion (the next authorizer decides)
// - Secrets, ConfigMaps, PVCs, PVs, ServiceAccounts and
//   serviceaccounts/token: allowed only when a pod bound to the node uses the object (the
//   NodeGraph); otherwise no opinion with upstream's "no relationship found" reason
// - Leases: only the node's own Lease in kube-node-lease
// - everything the kubelet (and the agent's service proxy) reads or writes by the node rules
//   below → allowed; writes are then narrowed to the node's own objects by NodeRestriction
//   admission (src/apiserver/admission/node-restriction.ts), which sees the objects
// - anything else                                     → no opinion
// With RBAC behind it nothing grants nodes more, so "no opinion" ends in 403.
import type { AuthorizationDecision, Authorizer, RequestAttributes, UserInfo } from './user.js';
import type { NodeGraph, GraphKind } from './node-graph.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node name of a kubelet identity (user system:node:<name> in group system:nodes), else undefined. */
export function nodeNameOf(user: Readonly<UserInfo>): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.username.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

interface NodeRule {
  verbs: string[];
  group: string;
  resources: string[];
}

const READ = ['get', 'list', 'watch'];

/**
 * What a kubelet may do without an object relationship: upstream's bootstrap NodeRules, plus
 * what the k8ts agent's service proxy reads (upstream's kube-proxy has its own identity; the
 * k8ts agent runs the proxy with the node's credentials).
 */
export const NODE_RULES: readonly NodeRule[] = [
  { verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'], group: '', resources: ['nodes'] },
  { verbs: ['update', 'patch'], group: '', resources: ['nodes/status'] },
  { verbs: ['create', 'update', 'patch'], group: '', resources: ['events'] },
  { verbs: ['create', 'update', 'patch'], group: 'events.k8s.io', resources: ['events'] },
  { verbs: [...READ, 'create', 'delete'], group: '', resources: ['pods'] },
  { verbs: ['update', 'patch'], group: '', resources: ['pods/status'] },
  { verbs: ['create'], group: '', resources: ['pods/eviction'] },
  { verbs: READ, group: '', resources: ['services', 'endpoints'] },
  { verbs: READ, group: 'discovery.k8s.io', resources: ['endpointslices'] },
  { verbs: ['update', 'patch'], group: '', resources: ['persistentvolumeclaims/status'] },
  { verbs: ['get'], group: 'storage.k8s.io', resources: ['volumeattachments'] },
  { verbs: READ, group: 'storage.k8s.io', resources: ['csidrivers', 'storageclasses'] },
  { verbs: [...READ, 'create', 'update', 'patch', 'delete'], group: 'storage.k8s.io', resources: ['csinodes'] },
  { verbs: READ, group: 'node.k8s.io', resources: ['runtimeclasses'] },
  { verbs: ['create', 'get', 'list', 'watch'], group: 'certificates.k8s.io', resources: ['certificatesigningrequests'] },
  { verbs: ['create'], group: 'authentication.k8s.io', resources: ['tokenreviews'] },
  { verbs: ['create'], group: 'authorization.k8s.io', resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
];

function rulesAllow(a: RequestAttributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const group = a.apiGroup ?? '';
  return NODE_RULES.some((r) => r.group === group && r.resources.includes(res) && r.verbs.includes(a.verb));
}

const ALLOW: AuthorizationDecision = { allowed: true, reason: '' };
const NO_OPINION: AuthorizationDecision = { allowed: false, reason: '' };

/** Looks a PersistentVolume's claimRef up (the graph's pv → pvc edge). */
export type PvClaimLookup = (pvName: string) => { namespace: string; name: string } | undefined;

export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly graph: NodeGraph,
    private readonly pvClaim: PvClaimLookup = () => undefined,
  ) {}

  authorize(a: RequestAttributes): AuthorizationDecision {
    const node = nodeNameOf(a.user);
    if (node === undefined || !a.resourceRequest) return NO_OPINION;
    const group = a.apiGroup ?? '';
    if (group === '') {
      switch (a.resource) {
        case 'secrets':
          return this.related(node, a, 'secret', ['get']);
        case 'configmaps':
          return this.related(node, a, 'configmap', ['get']);
        case 'persistentvolumeclaims':
          if (a.subresource) break;
          return this.related(node, a, 'persistentvolumeclaim', ['get']);
        case 'persistentvolumes':
          return this.persistentVolume(node, a);
        case 'serviceaccounts':
          if (a.subresource === 'token') return this.related(node, a, 'serviceaccount', ['create']);
          // k8ts's kubelet reads its pods' ServiceAccounts (automount); upstream's reads none.
          if (!a.subresource) return this.related(node, a, 'serviceaccount', ['get']);
          return NO_OPINION;
      }
    }
    if (group === 'coordination.k8s.io' && a.resource === 'leases') return this.lease(node, a);
    return rulesAllow(a) ? ALLOW : NO_OPINION;
  }

  private related(node: string, a: RequestAttributes, kind: GraphKind, verbs: string[]): AuthorizationDecision {
    if (!verbs.includes(a.verb)) return { allowed: false, reason: `can only ${verbs.join('/')} individual resources of this type` };
    if (!a.name || !a.namespace) return { allowed: false, reason: `can only ${verbs.join('/')} individual resources of this type` };
    if (this.graph.hasReference(node, kind, a.namespace, a.name)) return ALLOW;
    return { allowed: false, reason: `no relationship found between node '${node}' and this object` };
  }

  private persistentVolume(node: string, a: RequestAttributes): AuthorizationDecision {
    if (a.verb !== 'get' || !a.name || a.subresource) return { allowed: false, reason: 'can only get individual resources of this type' };
    const claim = this.pvClaim(a.name);
    if (claim && this.graph.hasReference(node, 'persistentvolumeclaim', claim.namespace, claim.name)) return ALLOW;
    return { allowed: false, reason: `no relationship found between node '${node}' and this object` };
  }

  /** Upstream's authorizeLease: only the node's own Lease in kube-node-lease (create names it in the body; NodeRestriction checks). */
  private lease(node: string, a: RequestAttributes): AuthorizationDecision {
    const verbs = ['get', 'create', 'update', 'patch', 'delete'];
    if (!verbs.includes(a.verb) || a.subresource) return { allowed: false, reason: `can only get, create, update, patch, or delete a node lease` };
    if (a.namespace !== NODE_LEASE_NAMESPACE) return { allowed: false, reason: `can only access leases in the ${NODE_LEASE_NAMESPACE} namespace` };
    if (a.verb !== 'create' && a.name !== node) return { allowed: false, reason: `can only access node lease with the same name as the requesting node` };
    return ALLOW;
  }

  rulesFor(user: UserInfo): ReturnType<Authorizer['rulesFor']> {
    if (nodeNameOf(user) === undefined) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    const resourceRules = NODE_RULES.map((r) => ({ verbs: [...r.verbs], apiGroups: [r.group], resources: [...r.resources] }));
    // Object-scoped grants depend on the pods bound to the node: listed as incomplete, as upstream.
    return { resourceRules, nonResourceRules: [], incomplete: true };
  }
}
