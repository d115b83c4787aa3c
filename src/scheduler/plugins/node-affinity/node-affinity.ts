// NodeAffinity: spec.nodeSelector and required node affinity filter nodes
// (UnschedulableAndUnresolvable); preferred terms score nodes by the sum of the weights of
// the terms they match, normalized to 0..100. Terms are parsed once per cycle in PreFilter.
import { matchesRequirement, type LabelOperator, type LabelRequirement } from '../../../api/selectors/index.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, SUCCESS, SKIP, newStatus, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { defaultNormalizeScore } from '../normalize.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from '../../../api/types/index.js';

export const NAME = 'NodeAffinity';
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const FAIL = newStatus('UnschedulableAndUnresolvable', NAME, REASON_AFFINITY);

const OPS: Readonly<Record<string, LabelOperator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** A parsed NodeSelectorTerm; `valid` false means it matches nothing. */
export interface CompiledTerm {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly LabelRequirement[];
  readonly valid: boolean;
}

function compileReqs(reqs: readonly NodeSelectorRequirement[] | null | undefined, fields: boolean): LabelRequirement[] | undefined {
  const out: LabelRequirement[] = [];
  for (const r of reqs ?? []) {
    const op = OPS[r.operator];
    if (!op) return undefined;
    if (fields && (r.key !== 'metadata.name' || (op !== 'in' && op !== 'notin'))) return undefined;
    const values = r.values ?? [];
    if ((op === 'in' || op === 'notin') && values.length === 0) return undefined;
    if ((op === 'gt' || op === 'lt') && (values.length !== 1 || !/^[+-]?\d+$/.test(values[0]))) return undefined;
    out.push({ key: r.key, operator: op, values });
  }
  return out;
}

export function compileTerm(t: NodeSelectorTerm): CompiledTerm {
  const labels = compileReqs(t.matchExpressions, false);
  const fields = compileReqs(t.matchFields, true);
  const valid = !!labels && !!fields && labels.length + fields.length > 0;
  return { labels: labels ?? [], fields: fields ?? [], valid };
}

export function termMatchesNode(t: CompiledTerm, node: NodeInfo): boolean {
  if (!t.valid) return false;
  for (let i = 0; i < t.labels.length; i++) if (!matchesRequirement(t.labels[i], node.labels)) return false;
  if (t.fields.length) {
    const f = { 'metadata.name': node.name };
    for (let i = 0; i < t.fields.length; i++) if (!matchesRequirement(t.fields[i], f)) return false;
  }
  return true;
}

interface RequiredState {
  readonly nodeSelector: readonly [string, string][];
  /** undefined: no required node affinity; else ORed terms. */
  readonly terms: readonly CompiledTerm[] | undefined;
}

interface PreferredState {
  readonly terms: readonly { term: CompiledTerm; weight: number }[];
}

const REQ_KEY = 'NodeAffinity/required';
const PREF_KEY = 'NodeAffinity/preferred';

/** Does the node satisfy nodeSelector and required node affinity (upstream GetRequiredNodeAffinity.Match)? */
export function matchesRequired(st: RequiredState, node: NodeInfo): boolean {
  const labels = node.labels;
  for (let i = 0; i < st.nodeSelector.length; i++) {
    const [k, v] = st.nodeSelector[i];
    if (labels[k] !== v || !Object.hasOwn(labels, k)) return false;
  }
  if (st.terms === undefined) return true;
  for (let i = 0; i < st.terms.length; i++) if (termMatchesNode(st.terms[i], node)) return true;
  return false;
}

export function requiredStateOf(pod: PodInfo): RequiredState {
  const spec: Partial<PodSpec> = pod.pod.spec ?? {};
  const req = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    nodeSelector: Object.entries(spec.nodeSelector ?? {}),
    terms: req ? (req.nodeSelectorTerms ?? []).map(compileTerm) : undefined,
  };
}

export class NodeAffinityPlugin implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preFilter(c: CycleState, pod: PodInfo): Status | PreFilterResult {
    const spec: Partial<PodSpec> = pod.pod.spec ?? {};
    const req = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!req && !(spec.nodeSelector && Object.keys(spec.nodeSelector).length)) return SKIP;
    const st = requiredStateOf(pod);
    c.write(REQ_KEY, st);
    // Terms that all pin metadata.name narrow the candidate nodes.
    if (!st.terms || st.terms.length === 0) return SUCCESS;
    const names = new Set<string>();
    for (const t of st.terms) {
      const pin = t.valid ? t.fields.find((f) => f.operator === 'in') : undefined;
      if (!pin) return SUCCESS;
      for (const v of pin.values) names.add(v);
    }
    if (names.size === 0) return FAIL;
    return { nodeNames: names };
  }

  filter(c: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const st = c.read<RequiredState>(REQ_KEY);
    if (!st) return SUCCESS;
    return matchesRequired(st, node) ? SUCCESS : FAIL;
  }

  preScore(c: CycleState, pod: PodInfo): Status {
    const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!pref || pref.length === 0) return SKIP;
    const st: PreferredState = { terms: pref.filter((p) => p.weight !== 0).map((p) => ({ term: compileTerm(p.preference ?? {}), weight: p.weight })) };
    c.write(PREF_KEY, st);
    return SUCCESS;
  }

  score(c: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const st = c.read<PreferredState>(PREF_KEY);
    if (!st) return 0;
    let s = 0;
    for (const { term, weight } of st.terms) if (termMatchesNode(term, node)) s += weight;
    return s;
  }

  normalize(_c: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores, n);
  }
}
