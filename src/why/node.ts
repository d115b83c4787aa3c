// Node: Ready, pressure conditions, cordon, taints; the pods on it that are broken as evidence.
import type { Node } from '../api/types/index.js';
import { judgePods } from './workloads.js';
import type { Diagnosis, WhyFacts } from './types.js';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export function diagnoseNode(n: Node, facts: WhyFacts): Diagnosis {
  const subject = `node/${n.metadata.name}`;
  const conds = n.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  const evidence: string[] = [];
  if (taints.length) evidence.push(`taints: ${taints.join(', ')}`);
  const pressure = conds.filter((c) => PRESSURE.includes(c.type) && c.status === 'True');
  evidence.push(...pressure.map((c) => `${c.type}=True: ${c.message ?? c.reason ?? ''}`));
  const onNode = facts.pods.filter((p) => p.spec?.nodeName === n.metadata.name);
  const v = judgePods(onNode, facts);
  if (v.finding) evidence.push(`${v.same} of ${v.total} pods on the node have a problem, e.g. ${v.finding.pod} ${v.finding.cause}`);
  if (!ready || ready.status !== 'True') {
    const how = !ready ? 'has never reported Ready (is its kubelet running?)' : ready.status === 'Unknown' ? `stopped reporting: Ready=Unknown since ${ready.lastTransitionTime ?? '?'} (${ready.message ?? ready.reason ?? 'kubelet unreachable'})` : `is not ready: ${ready.reason ?? 'NotReady'}: ${ready.message ?? ''}`;
    return { healthy: false, subject, link: subject, cause: how, chain: [subject], evidence };
  }
  if (pressure.length) {
    return { healthy: false, subject, link: subject, cause: `is under ${pressure.map((c) => c.type).join(', ')}: ${pressure[0].message ?? ''}`, chain: [subject], evidence: evidence.filter((e) => !e.includes('=True:')) };
  }
  if (n.spec?.unschedulable) {
    return { healthy: false, subject, link: subject, cause: 'is cordoned (unschedulable): new pods are not placed on it (kubectl uncordon to undo)', chain: [subject], evidence };
  }
  return { healthy: true, subject, summary: `Ready, ${onNode.length} pods${v.finding ? ` (${v.same} with problems)` : ''}`, chain: [subject], evidence };
}
