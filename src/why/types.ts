// The shapes `why` works with: the facts the fetch layer gathers (plain objects, read once) and
// the diagnosis the pure functions return. Diagnosis functions never do I/O.
import type {
  DaemonSet, Deployment, EndpointSlice, Event, Ingress, Job, Node, PersistentVolume, PersistentVolumeClaim,
  Pod, ReplicaSet, Service, StatefulSet, StorageClass,
} from '../api/types/index.js';

/** What `why` diagnoses, by the kind's lower-case singular name. */
export type WhyKind = 'pod' | 'deployment' | 'replicaset' | 'statefulset' | 'daemonset' | 'job' | 'service' | 'ingress' | 'persistentvolumeclaim' | 'node';

/**
 * Objects fetched around the subject. Lists hold what the fetch layer could read: a list the
 * user may not read stays empty and its resource is named in `unreadable`.
 */
export interface WhyFacts {
  pods: readonly Pod[];
  events: readonly Event[];
  replicaSets: readonly ReplicaSet[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  nodes: readonly Node[];
  persistentVolumes: readonly PersistentVolume[];
  storageClasses: readonly StorageClass[];
  /** Last log lines by `<pod>/<container>`, fetched for containers that exited (see logsWanted). */
  logs: ReadonlyMap<string, string>;
  /** Resources the user cannot list ("events", "pods/log", ...): evidence says what is unknown. */
  unreadable: readonly string[];
}

export type WhySubject =
  | { kind: 'pod'; object: Pod }
  | { kind: 'deployment'; object: Deployment }
  | { kind: 'replicaset'; object: ReplicaSet }
  | { kind: 'statefulset'; object: StatefulSet }
  | { kind: 'daemonset'; object: DaemonSet }
  | { kind: 'job'; object: Job }
  | { kind: 'service'; object: Service }
  | { kind: 'ingress'; object: Ingress }
  | { kind: 'persistentvolumeclaim'; object: PersistentVolumeClaim }
  | { kind: 'node'; object: Node };

/**
 * The answer. `subject` is what was asked about ("deployment/web"); `link` the first broken link
 * of the chain (may be the subject itself); `cause` completes a sentence about the link
 * ("cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu."). Healthy answers carry a
 * `summary` instead ("5/5 replicas ready, rollout complete").
 */
export interface Diagnosis {
  healthy: boolean;
  subject: string;
  link?: string;
  cause?: string;
  summary?: string;
  /** The chain of cause followed, subject first ("deployment/web", "replicaset/web-6d4", "pod/web-6d4-x"). */
  chain: string[];
  evidence: string[];
}

/** A pod's own finding: what is wrong with it (or nothing), before a workload puts it in its chain. */
export interface PodFinding {
  pod: string;
  /** Stable class of the problem, so a workload can say "3 pods have the same problem". */
  kind: 'unschedulable' | 'image' | 'crash' | 'oom' | 'exited' | 'waiting' | 'probe' | 'not-ready' | 'failed' | 'pending' | 'terminating';
  cause: string;
  evidence: string[];
}
