// The one entry of the pure part: a subject and its facts in, a diagnosis out.
import { diagnoseDaemonSet, diagnoseDeployment, diagnoseJob, diagnosePodSubject, diagnoseReplicaSet, diagnoseStatefulSet } from './workloads.js';
import { diagnoseIngress, diagnoseService } from './network.js';
import { diagnosePvc } from './storage.js';
import { diagnoseNode } from './node.js';
import type { Diagnosis, WhyFacts, WhySubject } from './types.js';

export function diagnose(s: WhySubject, facts: WhyFacts): Diagnosis {
  const d = diagnoseKind(s, facts);
  if (facts.unreadable.length) d.evidence.push(`not visible with your credentials: ${facts.unreadable.join(', ')}`);
  return d;
}

function diagnoseKind(s: WhySubject, facts: WhyFacts): Diagnosis {
  switch (s.kind) {
    case 'pod': return diagnosePodSubject(s.object, facts);
    case 'deployment': return diagnoseDeployment(s.object, facts);
    case 'replicaset': return diagnoseReplicaSet(s.object, facts);
    case 'statefulset': return diagnoseStatefulSet(s.object, facts);
    case 'daemonset': return diagnoseDaemonSet(s.object, facts);
    case 'job': return diagnoseJob(s.object, facts);
    case 'service': return diagnoseService(s.object, facts);
    case 'ingress': return diagnoseIngress(s.object, facts);
    case 'persistentvolumeclaim': return diagnosePvc(s.object, facts);
    case 'node': return diagnoseNode(s.object, facts);
    default: {
      const never: never = s;
      throw new Error(`unhandled kind ${(never as WhySubject).kind}`);
    }
  }
}

/** The first line: "<subject> is healthy: …", or "[<subject>: ]<link> <cause>". */
export function headline(d: Diagnosis): string {
  if (d.healthy) return `${d.subject} is healthy: ${d.summary ?? ''}`;
  const link = d.link ?? d.subject;
  return link === d.subject ? `${link} ${d.cause}` : `${d.subject}: ${link} ${d.cause}`;
}

/** One empty facts value for fixtures and for fetches that need little. */
export function emptyFacts(): WhyFacts {
  return { pods: [], events: [], replicaSets: [], services: [], endpointSlices: [], nodes: [], persistentVolumes: [], storageClasses: [], logs: new Map(), unreadable: [] };
}
