// SchedulerCache: the scheduler's view of the cluster — a NodeInfo per node, updated
// incrementally from informer events, plus "assumed" pods: a pod the scheduler decided to
// bind is counted on its node at once, before the API confirms the binding, so the next
// cycle sees the capacity as taken. If the binding fails the assumption is forgotten.
//
// Everything runs on one thread and a scheduling cycle is synchronous, so the cache is the
// snapshot: no copy per cycle.
import { NodeInfo } from './framework/node-info.js';
import { podInfoOf, type PodInfo } from './framework/pod-info.js';
import type { SchedulerState } from './framework/types.js';
import type { Node, Pod } from '../api/types/index.js';

interface PodState {
  pi: PodInfo;
  nodeName: string;
  /** Counted before the informer confirmed the binding. */
  assumed: boolean;
}

export class SchedulerCache implements SchedulerState {
  /** Includes "ghost" NodeInfos holding pods of nodes not (yet) known. */
  private readonly infos = new Map<string, NodeInfo>();
  private readonly known = new Set<string>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  private readonly pods = new Map<string, PodState>();
  private readonly withAffinity = new Set<NodeInfo>();
  private readonly withAntiAffinity = new Set<NodeInfo>();
  private readonly nominatedByNode = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private nsLabels: ((ns: string) => Readonly<Record<string, string>> | undefined) | undefined;

  setNamespaceLabels(fn: (ns: string) => Readonly<Record<string, string>> | undefined): void {
    this.nsLabels = fn;
  }

  // ---- SchedulerState ----

  nodeInfos(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.known].map((n) => this.infos.get(n) as NodeInfo);
      this.listDirty = false;
    }
    return this.list;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.known.has(name) ? this.infos.get(name) : undefined;
  }

  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return [...this.withAffinity].filter((n) => this.known.has(n.name));
  }

  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    if (this.withAntiAffinity.size === 0) return [];
    return [...this.withAntiAffinity].filter((n) => this.known.has(n.name));
  }

  namespaceLabels(ns: string): Readonly<Record<string, string>> | undefined {
    return this.nsLabels?.(ns);
  }

  nominatedPods(nodeName: string): readonly PodInfo[] {
    const m = this.nominatedByNode.get(nodeName);
    return m ? [...m.values()] : [];
  }

  // ---- nodes ----

  addNode(node: Readonly<Node>): void {
    const name = node.metadata.name ?? '';
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(node);
      this.infos.set(name, ni);
    } else {
      ni.setNode(node);
    }
    if (!this.known.has(name)) {
      this.known.add(name);
      this.listDirty = true;
    }
  }

  updateNode(node: Readonly<Node>): void {
    this.addNode(node);
  }

  removeNode(name: string): void {
    if (!this.known.delete(name)) return;
    this.listDirty = true;
    const ni = this.infos.get(name);
    if (ni && ni.pods.length === 0) this.infos.delete(name);
  }

  nodeCount(): number {
    return this.known.size;
  }

  // ---- pods ----

  private place(pi: PodInfo, nodeName: string): void {
    let ni = this.infos.get(nodeName);
    if (!ni) {
      ni = new NodeInfo();
      ni.name = nodeName;
      this.infos.set(nodeName, ni);
    }
    ni.addPod(pi);
    this.track(ni);
  }

  private unplace(key: string, nodeName: string): void {
    const ni = this.infos.get(nodeName);
    if (!ni) return;
    ni.removePod(key);
    this.track(ni);
    if (!this.known.has(nodeName) && ni.pods.length === 0) this.infos.delete(nodeName);
  }

  private track(ni: NodeInfo): void {
    if (ni.podsWithAffinity > 0) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity > 0) this.withAntiAffinity.add(ni);
    else this.withAntiAffinity.delete(ni);
  }

  /** The scheduler decided: count the pod on the node now. */
  assumePod(pi: PodInfo, nodeName: string): void {
    const prev = this.pods.get(pi.key);
    if (prev) this.unplace(pi.key, prev.nodeName);
    this.place(pi, nodeName);
    this.pods.set(pi.key, { pi, nodeName, assumed: true });
    this.deleteNominated(pi.key);
  }

  /** Binding failed: undo assumePod (no-op if the informer already confirmed). */
  forgetPod(key: string): void {
    const st = this.pods.get(key);
    if (!st || !st.assumed) return;
    this.unplace(key, st.nodeName);
    this.pods.delete(key);
  }

  /** A pod bound to a node, seen through the informer (add or update). */
  addPod(pod: Readonly<Pod>): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const pi = podInfoOf(pod);
    const prev = this.pods.get(pi.key);
    if (prev) this.unplace(pi.key, prev.nodeName);
    this.place(pi, nodeName);
    this.pods.set(pi.key, { pi, nodeName, assumed: false });
    this.deleteNominated(pi.key);
  }

  removePod(key: string): void {
    const st = this.pods.get(key);
    if (!st) return;
    this.unplace(key, st.nodeName);
    this.pods.delete(key);
  }

  /** Assumed or bound (the scheduler must not schedule it again). */
  isPlaced(key: string): boolean {
    return this.pods.has(key);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  podCount(): number {
    return this.pods.size;
  }

  // ---- nominated pods (preemption) ----

  addNominated(pi: PodInfo, nodeName: string): void {
    this.deleteNominated(pi.key);
    if (!nodeName) return;
    let m = this.nominatedByNode.get(nodeName);
    if (!m) this.nominatedByNode.set(nodeName, (m = new Map()));
    m.set(pi.key, pi);
    this.nominatedNodeOf.set(pi.key, nodeName);
  }

  deleteNominated(key: string): void {
    const n = this.nominatedNodeOf.get(key);
    if (n === undefined) return;
    this.nominatedNodeOf.delete(key);
    const m = this.nominatedByNode.get(n);
    m?.delete(key);
    if (m && m.size === 0) this.nominatedByNode.delete(n);
  }

  nominatedNodeOfPod(key: string): string | undefined {
    return this.nominatedNodeOf.get(key);
  }
}
