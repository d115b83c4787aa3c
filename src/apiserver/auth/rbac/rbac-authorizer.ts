// The RBAC authorizer (upstream's plugin/pkg/auth/authorizer/rbac): a request is allowed when
// a ClusterRoleBinding, or a RoleBinding in the request's namespace, binds one of the user's
// names (username, groups, service-account name) to a role with a rule that allows it.
// RBAC only allows: a request no rule allows gets "no opinion", never an explicit deny.
//
// Cost: policy is indexed by subject (user name / group name → role references) so a check
// looks only at the bindings naming this user, and decisions are cached per user + request
// attributes. Index and cache are dropped whenever any RBAC object changes (the policy
// source's revision moves), so a new binding applies to the very next request.
import type { PolicyRule, RoleRef } from '../../../api/types/index.js';
import type { Authorizer, AuthorizationDecision, RequestAttributes, UserInfo } from '../user.js';
import type { PolicySource } from './policy-source.js';
import { ruleAllows, serviceAccountUsername } from './rules.js';

interface BoundRole {
  /** 'ClusterRoleBinding' or 'RoleBinding', for reasons. */
  bindingKind: string;
  bindingName: string;
  bindingNamespace: string;
  roleRef: Readonly<RoleRef>;
}

interface SubjectIndex {
  users: Map<string, BoundRole[]>;
  groups: Map<string, BoundRole[]>;
}

interface PolicyIndex {
  clusterRoles: Map<string, readonly Readonly<PolicyRule>[]>;
  /** Keyed `namespace/name`. */
  roles: Map<string, readonly Readonly<PolicyRule>[]>;
  cluster: SubjectIndex;
  namespaced: Map<string, SubjectIndex>;
}

export type RulesReview = ReturnType<Authorizer['rulesFor']>;

const MAX_CACHED_DECISIONS = 65_536;
const NO_OPINION: AuthorizationDecision = Object.freeze({ allowed: false, reason: '' });

function emptySubjects(): SubjectIndex {
  return { users: new Map(), groups: new Map() };
}

function push(m: Map<string, BoundRole[]>, k: string, v: BoundRole): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

export class RbacAuthorizer implements Authorizer {
  private index?: PolicyIndex;
  private indexRevision = -1;
  private readonly decisions = new Map<string, AuthorizationDecision>();
  private source?: PolicySource;

  constructor(source?: PolicySource) {
    this.source = source;
  }

  /** Connects the policy (the API server's stores exist only once the server does). */
  attach(source: PolicySource): void {
    this.source = source;
    this.indexRevision = -1;
  }

  authorize(a: RequestAttributes): AuthorizationDecision {
    const idx = this.current();
    const key = decisionKey(a);
    const hit = this.decisions.get(key);
    if (hit) return hit;
    const d = this.evaluate(idx, a);
    if (this.decisions.size >= MAX_CACHED_DECISIONS) this.decisions.clear();
    this.decisions.set(key, d);
    return d;
  }

  /** The rules a ClusterRole has now (empty when it does not exist). */
  clusterRoleRules(name: string): readonly Readonly<PolicyRule>[] {
    return this.current().clusterRoles.get(name) ?? [];
  }

  /** Whether one of the named ClusterRoles allows the request, whoever binds them. */
  clusterRolesAllow(names: readonly string[], a: RequestAttributes): boolean {
    const idx = this.current();
    return names.some((n) => (idx.clusterRoles.get(n) ?? []).some((r) => ruleAllows(a, r)));
  }

  /** Every rule bound to the user cluster-wide and in `namespace` (SelfSubjectRulesReview, escalation checks). */
  rulesOf(user: Readonly<UserInfo>, namespace: string): { rules: Readonly<PolicyRule>[]; errors: string[] } {
    const idx = this.current();
    const rules: Readonly<PolicyRule>[] = [];
    const errors: string[] = [];
    const visit = (b: BoundRole): void => {
      const got = this.roleRules(idx, b);
      if (got) rules.push(...got);
      else errors.push(missingRole(b));
    };
    for (const b of boundRoles(idx.cluster, user)) visit(b);
    if (namespace) {
      const ns = idx.namespaced.get(namespace);
      if (ns) for (const b of boundRoles(ns, user)) visit(b);
    }
    return { rules, errors };
  }

  rulesFor(user: UserInfo, namespace: string): RulesReview {
    const { rules, errors } = this.rulesOf(user, namespace);
    const out: RulesReview = { resourceRules: [], nonResourceRules: [], incomplete: errors.length > 0 };
    for (const r of rules) {
      if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
      else {
        const rr: RulesReview['resourceRules'][number] = { verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])] };
        if (r.resourceNames?.length) rr.resourceNames = [...r.resourceNames];
        out.resourceRules.push(rr);
      }
    }
    if (errors.length) (out as RulesReview & { evaluationError?: string }).evaluationError = errors.join(', ');
    return out;
  }

  private current(): PolicyIndex {
    const src = this.source;
    const rev = src ? src.revision() : 0;
    if (!this.index || rev !== this.indexRevision) {
      this.index = src ? buildIndex(src) : { clusterRoles: new Map(), roles: new Map(), cluster: emptySubjects(), namespaced: new Map() };
      this.indexRevision = rev;
      this.decisions.clear();
    }
    return this.index;
  }

  private roleRules(idx: PolicyIndex, b: BoundRole): readonly Readonly<PolicyRule>[] | undefined {
    if (b.roleRef.kind === 'ClusterRole') return idx.clusterRoles.get(b.roleRef.name);
    if (b.roleRef.kind === 'Role' && b.bindingNamespace) return idx.roles.get(`${b.bindingNamespace}/${b.roleRef.name}`);
    return undefined;
  }

  private evaluate(idx: PolicyIndex, a: RequestAttributes): AuthorizationDecision {
    const errors: string[] = [];
    const check = (b: BoundRole): boolean => {
      const rules = this.roleRules(idx, b);
      if (!rules) {
        errors.push(missingRole(b));
        return false;
      }
      return rules.some((r) => ruleAllows(a, r));
    };
    for (const b of boundRoles(idx.cluster, a.user)) if (check(b)) return allowedBy(b, a.user);
    if (a.namespace) {
      const ns = idx.namespaced.get(a.namespace);
      if (ns) for (const b of boundRoles(ns, a.user)) if (check(b)) return allowedBy(b, a.user);
    }
    return errors.length ? { allowed: false, reason: `RBAC: ${errors.join(', ')}` } : NO_OPINION;
  }
}

function* boundRoles(s: SubjectIndex, user: Readonly<UserInfo>): Generator<BoundRole> {
  const byUser = s.users.get(user.username);
  if (byUser) yield* byUser;
  for (const g of user.groups) {
    const byGroup = s.groups.get(g);
    if (byGroup) yield* byGroup;
  }
}

function missingRole(b: BoundRole): string {
  return b.roleRef.kind === 'ClusterRole' ? `clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found` : `role.rbac.authorization.k8s.io "${b.roleRef.name}" not found`;
}

function allowedBy(b: BoundRole, user: Readonly<UserInfo>): AuthorizationDecision {
  const where = b.bindingNamespace ? ` in namespace "${b.bindingNamespace}"` : '';
  return { allowed: true, reason: `RBAC: allowed by ${b.bindingKind} "${b.bindingName}"${where} of ${b.roleRef.kind} "${b.roleRef.name}" to ${user.username}` };
}

function decisionKey(a: RequestAttributes): string {
  const u = a.user;
  return a.resourceRequest
    ? `${u.username}\0${u.groups.join('\x01')}\0r\0${a.verb}\0${a.namespace ?? ''}\0${a.apiGroup ?? ''}\0${a.resource ?? ''}\0${a.subresource ?? ''}\0${a.name ?? ''}`
    : `${u.username}\0${u.groups.join('\x01')}\0n\0${a.verb}\0${a.path ?? ''}`;
}

function buildIndex(src: PolicySource): PolicyIndex {
  const idx: PolicyIndex = { clusterRoles: new Map(), roles: new Map(), cluster: emptySubjects(), namespaced: new Map() };
  for (const r of src.clusterRoles()) idx.clusterRoles.set(r.metadata.name ?? '', r.rules ?? []);
  for (const r of src.roles()) idx.roles.set(`${r.metadata.namespace}/${r.metadata.name}`, r.rules ?? []);
  const add = (s: SubjectIndex, bindingKind: string, bindingName: string, ns: string, roleRef: RoleRef, subjects: readonly { kind: string; name: string; namespace?: string }[] | undefined): void => {
    const bound: BoundRole = { bindingKind, bindingName, bindingNamespace: ns, roleRef };
    for (const sub of subjects ?? []) {
      if (sub.kind === 'User') push(s.users, sub.name, bound);
      else if (sub.kind === 'Group') push(s.groups, sub.name, bound);
      else if (sub.kind === 'ServiceAccount') {
        const saNs = sub.namespace || ns;
        if (saNs) push(s.users, serviceAccountUsername(saNs, sub.name), bound);
      }
    }
  };
  for (const b of src.clusterRoleBindings()) add(idx.cluster, 'ClusterRoleBinding', b.metadata.name ?? '', '', b.roleRef, b.subjects);
  for (const b of src.roleBindings()) {
    const ns = b.metadata.namespace ?? '';
    let s = idx.namespaced.get(ns);
    if (!s) idx.namespaced.set(ns, (s = emptySubjects()));
    add(s, 'RoleBinding', b.metadata.name ?? '', ns, b.roleRef, b.subjects);
  }
  return idx;
}
