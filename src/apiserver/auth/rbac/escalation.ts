// Escalation prevention (upstream's rbac registry "policybased" storage): nobody grants
// permissions they do not hold.
//  - Creating or updating a Role/ClusterRole needs every rule it contains (in the role's
//    namespace, or cluster-wide for a ClusterRole), or the `escalate` verb on it. Setting an
//    aggregationRule needs full authority (`*` on `*.*`), since it can gather anything.
//  - Creating or updating a binding needs the `bind` verb on the referenced role, or every
//    rule of that role (in the binding's namespace, or cluster-wide).
// Members of system:masters are exempt, as upstream's EscalationAllowed says.
import type { ClusterRole, KObject, PolicyRule, RoleBinding } from '../../../api/types/index.js';
import { forbidden, notFound } from '../../../api/status.js';
import { deepEqual } from '../../../util/json.js';
import type { Authorizer, UserInfo } from '../user.js';
import { describeRule, uncoveredRules } from './rules.js';
import { RBAC_GROUP } from './policy-source.js';

export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

/** Looks up a role's current rules; undefined when it does not exist. */
export type RoleLookup = (kind: 'Role' | 'ClusterRole', namespace: string, name: string) => readonly Readonly<PolicyRule>[] | undefined;

const FULL_AUTHORITY: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

export class EscalationGuard {
  constructor(
    private readonly authorizer: () => Authorizer,
    private readonly lookup: RoleLookup,
  ) {}

  /** Throws Forbidden when `user` may not write `obj` (old: the stored object on update). */
  check(resource: RbacResource, obj: Readonly<KObject>, old: Readonly<KObject> | undefined, user: Readonly<UserInfo>): void {
    if (user.groups.includes('system:masters')) return;
    if (old && onlyGCFieldsChanged(obj, old)) return;
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    if (resource === 'roles' || resource === 'clusterroles') {
      if (this.allows(user, 'escalate', resource, ns, name)) return;
      const role = obj as unknown as Readonly<ClusterRole>;
      this.confirmNoEscalation(resource, name, user, ns, role.rules ?? []);
      if (resource === 'clusterroles' && role.aggregationRule) this.confirmNoEscalation(resource, name, user, '', FULL_AUTHORITY);
      return;
    }
    const b = obj as unknown as Readonly<RoleBinding>;
    const kind = b.roleRef?.kind === 'Role' ? 'Role' : 'ClusterRole';
    const roleResource = kind === 'Role' ? 'roles' : 'clusterroles';
    if (this.allows(user, 'bind', roleResource, ns, b.roleRef?.name ?? '')) return;
    const rules = this.lookup(kind, ns, b.roleRef?.name ?? '');
    if (!rules) throw notFound({ group: RBAC_GROUP, resource: roleResource }, b.roleRef?.name ?? '');
    this.confirmNoEscalation(resource, name, user, ns, rules);
  }

  private allows(user: Readonly<UserInfo>, verb: string, resource: string, namespace: string, name: string): boolean {
    return this.authorizer().authorize({ user: user as UserInfo, verb, resourceRequest: true, apiGroup: RBAC_GROUP, resource, namespace: namespace || undefined, name }).allowed;
  }

  private confirmNoEscalation(resource: RbacResource, name: string, user: Readonly<UserInfo>, namespace: string, wanted: readonly Readonly<PolicyRule>[]): void {
    const held = ownedRules(this.authorizer(), user, namespace);
    const missing = uncoveredRules(held, wanted);
    if (missing.length === 0) return;
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    throw forbidden(
      `${resource}.${RBAC_GROUP} "${name}" is forbidden: user "${user.username}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join('\n')}`,
      { group: RBAC_GROUP, resource },
      name,
    );
  }
}

/** The rules the authorizer says the user holds in `namespace` (cluster-wide and there). */
function ownedRules(authz: Authorizer, user: Readonly<UserInfo>, namespace: string): PolicyRule[] {
  const r = authz.rulesFor(user as UserInfo, namespace);
  return [
    ...r.resourceRules.map((x) => ({ verbs: x.verbs, apiGroups: x.apiGroups, resources: x.resources, resourceNames: x.resourceNames })),
    ...r.nonResourceRules.map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs })),
  ];
}

/** Upstream lets anyone who may update the object touch what garbage collection needs. */
function onlyGCFieldsChanged(next: Readonly<KObject>, old: Readonly<KObject>): boolean {
  const strip = (o: Readonly<KObject>): unknown => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(next), strip(old));
}
