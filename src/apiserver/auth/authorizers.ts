// The authorizer chain (upstream's union authorizer, in kube-apiserver's default order):
//   1. system:masters      members may do anything (upstream's privileged-group authorizer)
//   2. Node authorizer     kubelets (system:node:<name> in system:nodes)
//   3. RBAC                Roles, ClusterRoles and their bindings
// The first link that allows (or explicitly denies) decides; "no opinion" passes on.
// Anonymous users reach only what RBAC grants system:unauthenticated (the public info
// endpoints); the request pipeline answers them 401 otherwise.
import type { Authorizer, AuthorizationDecision, RequestAttributes, UserInfo } from './user.js';
import { RbacAuthorizer } from './rbac/rbac-authorizer.js';

type RulesReview = ReturnType<Authorizer['rulesFor']>;

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const ALLOWED: AuthorizationDecision = Object.freeze({ allowed: true, reason: '' });
const NO_OPINION: AuthorizationDecision = Object.freeze({ allowed: false, reason: '' });
const NO_RULES = (): RulesReview => ({ resourceRules: [], nonResourceRules: [], incomplete: false });

/**
 * Every authenticated caller may do everything: the policy before RBAC, kept for
 * `--authorization-mode AlwaysAllow`-style setups and the RBAC-off benchmark.
 */
export class AuthenticatedAuthorizer implements Authorizer {
  authorize(a: RequestAttributes): AuthorizationDecision {
    if (a.user.groups.includes('system:masters')) return ALLOWED;
    if (a.user.groups.includes('system:authenticated')) return ALLOWED;
    if (!a.resourceRequest && a.path && PUBLIC_PATHS.has(a.path) && a.verb === 'get') return ALLOWED;
    return NO_OPINION;
  }
  rulesFor(user: UserInfo): RulesReview {
    if (user.groups.includes('system:authenticated'))
      return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
    return { resourceRules: [], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: [...PUBLIC_PATHS] }], incomplete: false };
  }
}

/** Members of system:masters may do anything (their rules show through the cluster-admin binding). */
export class MastersAuthorizer implements Authorizer {
  authorize(a: RequestAttributes): AuthorizationDecision {
    return a.user.groups.includes('system:masters') ? ALLOWED : NO_OPINION;
  }
  rulesFor(): RulesReview {
    return NO_RULES();
  }
}

/** Asks each link in order; the first that allows or denies decides. */
export class AuthorizerChain implements Authorizer {
  constructor(readonly links: readonly Authorizer[]) {}

  authorize(a: RequestAttributes): AuthorizationDecision {
    const reasons: string[] = [];
    for (const l of this.links) {
      const d = l.authorize(a);
      if (d.allowed || d.denied) return d;
      if (d.reason) reasons.push(d.reason);
    }
    return reasons.length ? { allowed: false, reason: reasons.join('; ') } : NO_OPINION;
  }

  rulesFor(user: UserInfo, namespace: string): RulesReview {
    const out = NO_RULES();
    for (const l of this.links) {
      const r = l.rulesFor(user, namespace);
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      out.incomplete ||= r.incomplete;
    }
    return out;
  }
}

/**
 * Stand-in for the Node authorizer until it lands in the chain: a user in system:nodes named
 * system:node:<name> gets the rules of the system:node and system:node-proxier ClusterRoles
 * (the agent's kubelet and service proxy share the node's client certificate), plus reading
 * ServiceAccounts, which upstream's Node authorizer grants for the node's pods and the k8ts
 * kubelet reads through an informer. The Node authorizer narrows all this to the node's own objects.
 */
export class NodeRolesAuthorizer implements Authorizer {
  constructor(private readonly rbac: RbacAuthorizer) {}
  authorize(a: RequestAttributes): AuthorizationDecision {
    if (!isNode(a.user)) return NO_OPINION;
    if (a.resourceRequest && a.apiGroup === '' && a.resource === 'serviceaccounts' && !a.subresource && (a.verb === 'get' || a.verb === 'list' || a.verb === 'watch')) return ALLOWED;
    return this.rbac.clusterRolesAllow(NODE_ROLES, a) ? ALLOWED : NO_OPINION;
  }
  rulesFor(user: UserInfo): RulesReview {
    const out = NO_RULES();
    if (!isNode(user)) return out;
    for (const name of NODE_ROLES)
      for (const r of this.rbac.clusterRoleRules(name)) {
        if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
        else out.resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
      }
    return out;
  }
}

const NODE_ROLES = ['system:node', 'system:node-proxier'];

function isNode(u: Readonly<UserInfo>): boolean {
  return u.groups.includes('system:nodes') && u.username.startsWith('system:node:');
}

/**
 * The server's default chain: masters → [Node authorizer slot] → RBAC. The node-authorizer
 * work replaces the NodeRolesAuthorizer line with the Node authorizer.
 */
export function defaultAuthorizer(rbac: RbacAuthorizer): AuthorizerChain {
  return new AuthorizerChain([
    new MastersAuthorizer(),
    new NodeRolesAuthorizer(rbac), // NODE AUTHORIZER SLOT
    rbac,
  ]);
}
