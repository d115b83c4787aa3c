// ClusterRole aggregation (upstream's clusterroleaggregation controller), as a pure function:
// a ClusterRole with an aggregationRule holds the union of the rules of every other
// ClusterRole one of its selectors matches, in name order, without duplicates. The
// controller and the API server's start-up reconciliation both use it.
import type { ClusterRole, PolicyRule } from '../types/index.js';
import { labelSelectorFromMeta, matchesLabels } from '../selectors/index.js';

/** The rules `role` should hold, or undefined when it has no aggregationRule. */
export function aggregatedRules(role: Readonly<ClusterRole>, all: readonly Readonly<ClusterRole>[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const compiled = selectors.map((s) => labelSelectorFromMeta(s));
  const sources = all
    .filter((c) => c.metadata.name !== role.metadata.name && compiled.some((sel) => matchesLabels(sel, c.metadata.labels)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    for (const r of src.rules ?? []) {
      const key = ruleKey(r);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(structuredClone(r) as PolicyRule);
    }
  }
  return out;
}

function ruleKey(r: Readonly<PolicyRule>): string {
  return JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);
}

/** Whether two rule lists are the same (order matters, as for the stored object). */
export function sameRules(a: readonly Readonly<PolicyRule>[] | undefined, b: readonly Readonly<PolicyRule>[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => ruleKey(r) === ruleKey(y[i]));
}
