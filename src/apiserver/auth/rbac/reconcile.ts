// Start-up reconciliation of the default policy (upstream's `rbac/bootstrap-roles` post-start
// hook): each default ClusterRole and ClusterRoleBinding is created when missing; an existing
// one whose `rbac.authorization.kubernetes.io/autoupdate` annotation is not "false" gets the
// rules, labels, annotations and subjects it lacks (what users added stays). A binding whose
// roleRef differs is recreated, since roleRef is immutable. Aggregated roles are then filled
// once here, so admin/edit/view are usable before the aggregation controller runs.
import type { ClusterRole, ClusterRoleBinding, KObject, PolicyRule, RbacV1Subject } from '../../../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../../../api/status.js';
import { aggregatedRules, sameRules } from '../../../api/rbac/index.js';
import { deepEqual } from '../../../util/json.js';
import type { RequestContext } from '../../context.js';
import type { ResourceStore } from '../../registry/resource-store.js';
import { AUTOUPDATE_ANNOTATION, defaultClusterRoleBindings, defaultClusterRoles } from './default-policy.js';
import { RBAC_GROUP } from './policy-source.js';

type StoreOf = (group: string, plural: string) => ResourceStore;

export async function reconcileDefaultPolicy(store: StoreOf, ctx: RequestContext): Promise<void> {
  const roles = store(RBAC_GROUP, 'clusterroles');
  const bindings = store(RBAC_GROUP, 'clusterrolebindings');
  for (const want of defaultClusterRoles()) {
    const cur = roles.tryGet(undefined, want.metadata.name!)?.obj as Readonly<ClusterRole> | undefined;
    if (!cur) await createIgnoringExists(roles, want, ctx);
    else if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'false') {
      const next = mergedRole(cur, want);
      if (next) await roles.update(undefined, want.metadata.name!, () => next, ctx);
    }
  }
  for (const want of defaultClusterRoleBindings()) {
    const cur = bindings.tryGet(undefined, want.metadata.name!)?.obj as Readonly<ClusterRoleBinding> | undefined;
    if (!cur) await createIgnoringExists(bindings, want, ctx);
    else if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'false') {
      if (!deepEqual(cur.roleRef, want.roleRef)) {
        await bindings.delete(undefined, want.metadata.name!, {}, ctx).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
        await createIgnoringExists(bindings, { ...want, subjects: unionSubjects(cur.subjects, want.subjects) }, ctx);
        continue;
      }
      const next = mergedBinding(cur, want);
      if (next) await bindings.update(undefined, want.metadata.name!, () => next, ctx);
    }
  }
  await aggregateAll(roles, ctx);
}

/**
 * Fills every aggregated ClusterRole from the roles its selectors match, until nothing
 * changes (edit aggregates view, admin aggregates edit: one pass is not enough).
 */
export async function aggregateAll(roles: ResourceStore, ctx: RequestContext): Promise<void> {
  const all = roles.list({}).items.map((c) => c.obj as unknown as ClusterRole);
  for (let round = 0; round < 8; round++) {
    let changed = false;
    for (let i = 0; i < all.length; i++) {
      const rules = aggregatedRules(all[i], all);
      if (!rules || sameRules(rules, all[i].rules)) continue;
      const saved = await roles.update(undefined, all[i].metadata.name!, (cur) => ({ ...cur, rules }) as KObject, ctx);
      all[i] = saved.obj as unknown as ClusterRole;
      changed = true;
    }
    if (!changed) return;
  }
}

function mergedRole(cur: Readonly<ClusterRole>, want: Readonly<ClusterRole>): KObject | undefined {
  const rules: PolicyRule[] = [...(cur.rules ?? [])];
  // Aggregated roles get their rules from aggregation, not from the defaults.
  if (!want.aggregationRule) for (const r of want.rules) if (!rules.some((x) => deepEqual(x, r))) rules.push(r);
  const labels = { ...want.metadata.labels, ...cur.metadata.labels };
  const annotations = { ...want.metadata.annotations, ...cur.metadata.annotations };
  const aggregationRule = want.aggregationRule ? { clusterRoleSelectors: unionBy(cur.aggregationRule?.clusterRoleSelectors ?? [], want.aggregationRule.clusterRoleSelectors ?? []) } : cur.aggregationRule;
  if (rules.length === (cur.rules ?? []).length && deepEqual(labels, cur.metadata.labels) && deepEqual(annotations, cur.metadata.annotations) && deepEqual(aggregationRule, cur.aggregationRule)) return undefined;
  const next = { ...structuredClone(cur), rules } as ClusterRole;
  next.metadata = { ...next.metadata, labels, annotations };
  if (aggregationRule) next.aggregationRule = aggregationRule;
  return next as unknown as KObject;
}

function mergedBinding(cur: Readonly<ClusterRoleBinding>, want: Readonly<ClusterRoleBinding>): KObject | undefined {
  const subjects = unionSubjects(cur.subjects, want.subjects);
  const labels = { ...want.metadata.labels, ...cur.metadata.labels };
  const annotations = { ...want.metadata.annotations, ...cur.metadata.annotations };
  if (subjects.length === (cur.subjects ?? []).length && deepEqual(labels, cur.metadata.labels) && deepEqual(annotations, cur.metadata.annotations)) return undefined;
  const next = { ...structuredClone(cur), subjects } as ClusterRoleBinding;
  next.metadata = { ...next.metadata, labels, annotations };
  return next as unknown as KObject;
}

function unionSubjects(a: readonly RbacV1Subject[] | undefined, b: readonly RbacV1Subject[] | undefined): RbacV1Subject[] {
  return unionBy(a ?? [], b ?? []);
}

function unionBy<T>(a: readonly T[], b: readonly T[]): T[] {
  const out = [...a];
  for (const x of b) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

async function createIgnoringExists(rs: ResourceStore, obj: ClusterRole | ClusterRoleBinding, ctx: RequestContext): Promise<void> {
  try {
    await rs.create(structuredClone(obj) as unknown as KObject, ctx);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
