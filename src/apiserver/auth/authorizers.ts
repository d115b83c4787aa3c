// Authorization stays behind the Authorizer interface; RBAC plugs in later. Until then:
// members of system:masters may do anything, other authenticated users too (the cluster
// has one admin), anonymous users only read the public info endpoints.
import type { Authorizer, AuthorizationDecision, RequestAttributes, UserInfo } from './user.js';

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export class AuthenticatedAuthorizer implements Authorizer {
  authorize(a: RequestAttributes): AuthorizationDecision {
    if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (a.user.groups.includes('system:authenticated')) return { allowed: true, reason: '' };
    if (!a.resourceRequest && a.path && PUBLIC_PATHS.has(a.path) && a.verb === 'get') return { allowed: true, reason: '' };
    return { allowed: false, reason: '' };
  }
  rulesFor(user: UserInfo): ReturnType<Authorizer['rulesFor']> {
    if (user.groups.includes('system:authenticated'))
      return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
    return { resourceRules: [], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: [...PUBLIC_PATHS] }], incomplete: false };
  }
}
