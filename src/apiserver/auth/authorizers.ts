// The authorizer chain (upstream's union authorizer, in kube-apiserver's default order):
//   1. system:masters      members may do anything (upstream's privileged-group authorizer)
//   2. Node authorizer     kubelets (system:node:<name> in system:nodes)
//   3. RBAC                Roles, ClusterRoles and their bindings
// The first link that allows (or explicitly denies) decides; "no opinion" passes on.
// Anonymous users reach only what RBAC grants system:unauthenticated (the public info
// endpoints); the request pipeline answers them 401 otherwise.
import type { Authorizer, AuthorizationDecision, RequestAttributes, UserInfo } from './user.js';
import type { RbacAuthorizer } from './rbac/rbac-authorizer.js';

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
 * The server's default chain: masters → the Node authorizer (kubelets: only their own Node,
 * Lease, pods and what those pods use; no opinion on the rest) → RBAC, which grants nodes
 * nothing by default, as upstream.
 */
export function defaultAuthorizer(rbac: RbacAuthorizer, node: Authorizer): AuthorizerChain {
  return new AuthorizerChain([new MastersAuthorizer(), node, rbac]);
}
