// Workloads follow their pods: Deployment → ReplicaSet → Pod, StatefulSet/DaemonSet/Job → Pod.
// A workload is broken when its pods are; the first broken link is the first pod with a finding
// (the newest ReplicaSet's first), and its cause becomes the answer. Without a pod-level cause a
// stuck rollout (ProgressDeadlineExceeded) or a ReplicaSet that cannot create pods is the answer.
import type { DaemonSet, Deployment, Job, KObject, Pod, ReplicaSet, StatefulSet } from '../api/types/index.js';
import { diagnosePod, isPodReady, podRef } from './pod.js';
import { eventLine, eventsFor } from './events.js';
import type { Diagnosis, PodFinding, WhyFacts } from './types.js';

const REASON_PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';
const ANNOTATION_REVISION = 'deployment.kubernetes.io/revision';
/** Findings ordered by how directly they explain the others (a pod that is not scheduled cannot crash). */
const FINDING_ORDER: PodFinding['kind'][] = ['unschedulable', 'image', 'oom', 'crash', 'exited', 'waiting', 'probe', 'failed', 'pending', 'not-ready', 'terminating'];

export function ownedBy(objs: readonly KObject[], owner: KObject): KObject[] {
  const uid = owner.metadata.uid;
  return objs.filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.controller && (uid ? r.uid === uid : r.name === owner.metadata.name)));
}

export interface PodsVerdict {
  finding?: PodFinding;
  /** Pods with a finding of the same kind as `finding`. */
  same: number;
  ready: number;
  total: number;
}

/** The most telling finding among `pods` (FINDING_ORDER, then the pods' order). */
export function judgePods(pods: readonly Pod[], facts: WhyFacts): PodsVerdict {
  const findings: PodFinding[] = [];
  let ready = 0;
  for (const p of pods) {
    if (isPodReady(p)) ready++;
    const f = diagnosePod(p, facts.events, facts.logs);
    if (f) findings.push(f);
  }
  findings.sort((a, b) => FINDING_ORDER.indexOf(a.kind) - FINDING_ORDER.indexOf(b.kind));
  const finding = findings[0];
  return { finding, same: finding ? findings.filter((f) => f.kind === finding.kind).length : 0, ready, total: pods.length };
}

function broken(subject: string, chain: string[], v: PodsVerdict, extra: string[]): Diagnosis {
  const f = v.finding!;
  const evidence = [...f.evidence];
  if (v.total > 1) evidence.push(`${v.same} of ${v.total} pods have this problem; ${v.ready} ready`);
  evidence.push(...extra);
  return { healthy: false, subject, link: f.pod, cause: f.cause, chain: [...chain, f.pod], evidence };
}

export function diagnoseDeployment(d: Deployment, facts: WhyFacts): Diagnosis {
  const subject = `deployment/${d.metadata.name}`;
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const rss = (ownedBy(facts.replicaSets, d) as ReplicaSet[]).sort((a, b) => revision(b) - revision(a));
  const progressing = (st.conditions ?? []).find((c) => c.type === 'Progressing');
  const stuck = progressing?.status === 'False' && progressing.reason === REASON_PROGRESS_DEADLINE_EXCEEDED;
  const extra: string[] = [];
  if (stuck) extra.push(`rollout stuck: Progressing=False ${REASON_PROGRESS_DEADLINE_EXCEEDED}: ${progressing!.message ?? ''} (progressDeadlineSeconds ${d.spec?.progressDeadlineSeconds ?? 600})`);
  extra.push(...eventsFor(facts.events, d, 'Deployment').filter((e) => e.type === 'Warning').slice(0, 2).map(eventLine));
  if (d.spec?.paused) extra.push('the deployment is paused (kubectl rollout resume)');
  const newest = rss[0];
  for (const rs of rss) {
    if (rs !== newest && !(rs.status?.replicas)) continue;
    const chain = [subject, `replicaset/${rs.metadata.name}`];
    const rsBroken = replicaSetCannotCreate(rs, facts);
    if (rsBroken) return { healthy: false, subject, link: chain[1], cause: rsBroken.cause, chain, evidence: [...rsBroken.evidence, ...extra] };
    const v = judgePods(ownedBy(facts.pods, rs) as Pod[], facts);
    if (v.finding) return broken(subject, chain, v, extra);
  }
  if (stuck) return { healthy: false, subject, link: subject, cause: `rollout is stuck: ${progressing!.message ?? REASON_PROGRESS_DEADLINE_EXCEEDED}`, chain: [subject], evidence: extra.slice(1) };
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const current = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  if (ready >= want && updated >= want && (st.replicas ?? 0) <= want && current) {
    return { healthy: true, subject, summary: `${ready}/${want} replicas ready, rollout complete`, chain: [subject, ...(newest ? [`replicaset/${newest.metadata.name}`] : [])], evidence: [] };
  }
  if (!newest && want > 0) {
    return { healthy: false, subject, link: subject, cause: 'has no ReplicaSet: is the deployment controller running?', chain: [subject], evidence: extra };
  }
  return {
    healthy: false,
    subject,
    link: subject,
    cause: `rollout in progress: ${updated}/${want} replicas updated, ${ready}/${want} ready${current ? '' : ' (the controller has not seen the latest spec yet)'}`,
    chain: [subject, ...(newest ? [`replicaset/${newest.metadata.name}`] : [])],
    evidence: extra,
  };
}

function revision(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[ANNOTATION_REVISION] ?? 0);
}

/** A ReplicaSet whose pods could not be created (quota, admission): ReplicaFailure or FailedCreate events. */
function replicaSetCannotCreate(rs: ReplicaSet, facts: WhyFacts): { cause: string; evidence: string[] } | undefined {
  const failure = (rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const failedCreate = eventsFor(facts.events, rs, 'ReplicaSet').filter((e) => e.reason === 'FailedCreate');
  const have = rs.status?.replicas ?? 0;
  if (!failure && !(failedCreate.length && have < (rs.spec?.replicas ?? 1))) return undefined;
  const msg = failure?.message ?? failedCreate[0].message ?? 'pod creation failed';
  return { cause: `cannot create pods: ${msg.trim()}`, evidence: failedCreate.slice(0, 2).map(eventLine) };
}

export function diagnoseReplicaSet(rs: ReplicaSet, facts: WhyFacts): Diagnosis {
  const subject = `replicaset/${rs.metadata.name}`;
  const rsBroken = replicaSetCannotCreate(rs, facts);
  if (rsBroken) return { healthy: false, subject, link: subject, cause: rsBroken.cause, chain: [subject], evidence: rsBroken.evidence };
  return podsOf(subject, rs.spec?.replicas ?? 1, ownedBy(facts.pods, rs) as Pod[], facts, 'replicas ready');
}

export function diagnoseStatefulSet(s: StatefulSet, facts: WhyFacts): Diagnosis {
  const subject = `statefulset/${s.metadata.name}`;
  return podsOf(subject, s.spec?.replicas ?? 1, ownedBy(facts.pods, s) as Pod[], facts, 'replicas ready', eventsFor(facts.events, s, 'StatefulSet').filter((e) => e.type === 'Warning').slice(0, 2).map(eventLine));
}

export function diagnoseDaemonSet(ds: DaemonSet, facts: WhyFacts): Diagnosis {
  const subject = `daemonset/${ds.metadata.name}`;
  const want = ds.status?.desiredNumberScheduled ?? 0;
  return podsOf(subject, want, ownedBy(facts.pods, ds) as Pod[], facts, 'nodes run a ready pod', eventsFor(facts.events, ds, 'DaemonSet').filter((e) => e.type === 'Warning').slice(0, 2).map(eventLine));
}

export function diagnoseJob(j: Job, facts: WhyFacts): Diagnosis {
  const subject = `job/${j.metadata.name}`;
  const st = j.status ?? {};
  const conds = st.conditions ?? [];
  const pods = ownedBy(facts.pods, j) as Pod[];
  const completions = j.spec?.completions ?? 1;
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) {
    return { healthy: true, subject, summary: `completed: ${st.succeeded ?? 0}/${completions} succeeded`, chain: [subject], evidence: [] };
  }
  const v = judgePods(pods, facts);
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) {
    const extra = [`Failed=True${failed.reason ? ` (${failed.reason})` : ''}: ${failed.message ?? ''}`, `${st.failed ?? 0} pods failed, backoffLimit ${j.spec?.backoffLimit ?? 6}`];
    if (v.finding) return { ...broken(subject, [subject], v, []), cause: `failed (${failed.reason ?? 'Failed'}): ${v.finding.pod} ${v.finding.cause}`, link: subject, evidence: [...v.finding.evidence, ...extra] };
    return { healthy: false, subject, link: subject, cause: `failed (${failed.reason ?? 'Failed'}): ${failed.message ?? ''}`, chain: [subject], evidence: extra };
  }
  if (v.finding) return broken(subject, [subject], v, []);
  if (j.spec?.suspend) return { healthy: true, subject, summary: 'suspended', chain: [subject], evidence: [] };
  return { healthy: true, subject, summary: `running: ${st.active ?? 0} active, ${st.succeeded ?? 0}/${completions} succeeded`, chain: [subject], evidence: [] };
}

function podsOf(subject: string, want: number, pods: Pod[], facts: WhyFacts, what: string, extra: string[] = []): Diagnosis {
  const v = judgePods(pods, facts);
  if (v.finding) return broken(subject, [subject], v, extra);
  if (v.ready < want) {
    return { healthy: false, subject, link: subject, cause: `has ${pods.length} of ${want} pods (${v.ready} ready): the controller has not created the rest yet`, chain: [subject], evidence: extra };
  }
  return { healthy: true, subject, summary: `${v.ready}/${want} ${what}`, chain: [subject, ...pods.slice(0, 3).map(podRef)], evidence: [] };
}

/** Single pod: the subject is the link. */
export function diagnosePodSubject(p: Pod, facts: WhyFacts): Diagnosis {
  const subject = podRef(p);
  const f = diagnosePod(p, facts.events, facts.logs);
  if (f) return { healthy: false, subject, link: subject, cause: f.cause, chain: [subject, ...(p.spec?.nodeName ? [] : [])], evidence: f.evidence };
  const cs = p.status?.containerStatuses ?? [];
  const summary = p.status?.phase === 'Succeeded' ? 'completed (Succeeded)' : `Running on node ${p.spec?.nodeName ?? '?'}, ${cs.filter((c) => c.ready).length}/${cs.length} containers ready`;
  return { healthy: true, subject, summary, chain: [subject], evidence: [] };
}
