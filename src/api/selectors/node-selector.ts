// Node selector terms (nodeAffinity, a PersistentVolume's nodeAffinity, DaemonSet eligibility):
// requirements on a node's labels (matchExpressions) and on metadata.name (matchFields). The
// scheduler compiles the same rules once per pod (plugins/node-affinity); controllers use these.

// The term types are the generated core/v1 ones (re-exported for the selectors surface). A
// requirement's operator is In, NotIn, Exists, DoesNotExist, Gt or Lt; anything else matches nothing.
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../types/index.js';

export type { NodeSelectorRequirement, NodeSelectorTerm };

/** What a term is evaluated against: a node's name and labels. */
export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

function requirementMatches(req: Readonly<NodeSelectorRequirement>, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      const a = BigInt(value);
      const b = BigInt(values[0]);
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false; // an operator validation would have refused
  }
}

/** One term: every expression (labels) and field (metadata.name) matches; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: Readonly<NodeSelectorTerm>, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementMatches(r, node.labels[r.key]))
    && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.name));
}

