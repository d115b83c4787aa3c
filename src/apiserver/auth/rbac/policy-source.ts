// Where the RBAC authorizer reads policy from: the API server's own watch caches of the four
// rbac.authorization.k8s.io resources (never storage, never the network). `revision()` changes
// whenever any of them changes, which is what invalidates the authorizer's index and cache.
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../api/types/index.js';
import type { ResourceStore } from '../../registry/resource-store.js';

export interface PolicySource {
  revision(): number;
  roles(): Iterable<Readonly<Role>>;
  clusterRoles(): Iterable<Readonly<ClusterRole>>;
  roleBindings(): Iterable<Readonly<RoleBinding>>;
  clusterRoleBindings(): Iterable<Readonly<ClusterRoleBinding>>;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Reads policy from the API server's stores, found through `store(group, plural)`. */
export function storePolicySource(store: (group: string, plural: string) => ResourceStore): PolicySource {
  const rs = {
    roles: store(RBAC_GROUP, 'roles'),
    clusterRoles: store(RBAC_GROUP, 'clusterroles'),
    roleBindings: store(RBAC_GROUP, 'rolebindings'),
    clusterRoleBindings: store(RBAC_GROUP, 'clusterrolebindings'),
  };
  const all = <T>(s: ResourceStore): T[] => s.list({}).items.map((c) => c.obj as unknown as T);
  return {
    // Each cache's revision only moves forward, and only on events of its own prefix.
    revision: () => rs.roles.cache.cacheRevision + rs.clusterRoles.cache.cacheRevision + rs.roleBindings.cache.cacheRevision + rs.clusterRoleBindings.cache.cacheRevision,
    roles: () => all<Role>(rs.roles),
    clusterRoles: () => all<ClusterRole>(rs.clusterRoles),
    roleBindings: () => all<RoleBinding>(rs.roleBindings),
    clusterRoleBindings: () => all<ClusterRoleBinding>(rs.clusterRoleBindings),
  };
}
