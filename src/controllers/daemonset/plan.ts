// Pure decisions of one DaemonSet sync (upstream manage, rollingUpdate and
// updateDaemonSetStatus), over a map node name → daemon pods targeting that node.
import type { KObject } from '../../api/types/index.js';
import { isPodAvailable, isPodReady, isPodTerminal, podPhase } from '../../api/pod-util.js';
import { CONTROLLER_REVISION_HASH_LABEL, dropZero } from '../history/index.js';
import { nodeShouldRunDaemonPod, targetNodeName, type PodSpecLike } from './eligibility.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export interface DaemonSet extends KObject {
  spec: {
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSpecLike };
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export type NodePods = Map<string, Readonly<KObject>[]>;

const templateSpec = (ds: Readonly<DaemonSet>): PodSpecLike | undefined => ds.spec.template?.spec;
const nodeName = (n: Readonly<KObject>): string => n.metadata.name ?? '';

/** Daemon pods by the node they target; deleted terminal pods are left out. */
export function podsByNode(pods: readonly Readonly<KObject>[]): NodePods {
  const out: NodePods = new Map();
  for (const p of pods) {
    if (isPodTerminal(p) && p.metadata.deletionTimestamp) continue;
    const n = targetNodeName(p);
    if (n === undefined) continue;
    const list = out.get(n);
    if (list) list.push(p);
    else out.set(n, [p]);
  }
  return out;
}

/** Scheduled pods first, then oldest, then by name. */
export function byCreationAndPhase(a: Readonly<KObject>, b: Readonly<KObject>): number {
  const sa = !!(a.spec as PodSpecLike | undefined)?.nodeName;
  const sb = !!(b.spec as PodSpecLike | undefined)?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = String(a.metadata.creationTimestamp ?? '');
  const tb = String(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  return String(a.metadata.name).localeCompare(String(b.metadata.name));
}

export const templateGeneration = (ds: Readonly<DaemonSet>): string | undefined => ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];

/** Pod made from the current template: same revision hash, or the same template generation. */
export function isPodUpdated(ds: Readonly<DaemonSet>, pod: Readonly<KObject>, hash: string): boolean {
  const labels = pod.metadata.labels ?? {};
  const gen = templateGeneration(ds);
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) || (gen !== undefined && labels[TEMPLATE_GENERATION_LABEL] === gen);
}

const isSurge = (ds: Readonly<DaemonSet>, nodes: readonly Readonly<KObject>[], podsOf: NodePods): boolean =>
  (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && updateBudget(ds, nodes, podsOf).maxSurge > 0;

export interface ManagePlan {
  nodesNeedingPods: string[];
  podsToDelete: Readonly<KObject>[];
  /** Failed daemon pods being killed, for the FailedDaemonPod event. */
  failedPods: { pod: Readonly<KObject>; node: string }[];
}

/** Creates a pod where one should run and none exists; deletes pods that should not be where they are. */
export function planManage(ds: Readonly<DaemonSet>, nodes: readonly Readonly<KObject>[], podsOf: NodePods, hash: string, now: number): ManagePlan {
  const plan: ManagePlan = { nodesNeedingPods: [], podsToDelete: [], failedPods: [] };
  const surge = isSurge(ds, nodes, podsOf);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const known = new Set<string>();
  for (const node of nodes) {
    const name = nodeName(node);
    known.add(name);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, templateSpec(ds));
    const pods = podsOf.get(name) ?? [];
    if (shouldRun && pods.length === 0) {
      plan.nodesNeedingPods.push(name);
    } else if (shouldContinueRunning) {
      const running: Readonly<KObject>[] = [];
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        if (podPhase(p) === 'Failed') {
          plan.failedPods.push({ pod: p, node: name });
          plan.podsToDelete.push(p);
        } else running.push(p);
      }
      running.sort(byCreationAndPhase);
      if (!surge) {
        plan.podsToDelete.push(...running.slice(1));
        continue;
      }
      // Surging: at most one old and one new pod; the old one goes once the new one is available
      // (or at once if the old one is not ready).
      let oldestNew: Readonly<KObject> | undefined;
      let oldestOld: Readonly<KObject> | undefined;
      for (const p of running) {
        if (isPodUpdated(ds, p, hash)) { if (!oldestNew) { oldestNew = p; continue; } }
        else if (!oldestOld) { oldestOld = p; continue; }
        plan.podsToDelete.push(p);
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, now))) plan.podsToDelete.push(oldestOld);
    } else {
      plan.podsToDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    }
  }
  // Unbound pods aimed at nodes that no longer exist.
  for (const [name, pods] of podsOf) {
    if (known.has(name)) continue;
    plan.podsToDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp && !(p.spec as PodSpecLike | undefined)?.nodeName));
  }
  return plan;
}

/** An int or a percentage of `total`, rounded up (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? fallback : n;
}

export interface UpdateBudget { maxSurge: number; maxUnavailable: number; desired: number }

export function updateBudget(ds: Readonly<DaemonSet>, nodes: readonly Readonly<KObject>[], _podsOf?: NodePods): UpdateBudget {
  let desired = 0;
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, templateSpec(ds)).shouldRun) desired++;
  const ru = ds.spec.updateStrategy?.rollingUpdate ?? {};
  const maxUnavailable0 = scaledValue(ru.maxUnavailable, desired, 1);
  const maxSurge = scaledValue(ru.maxSurge, desired, 0);
  const maxUnavailable = desired > 0 && maxUnavailable0 === 0 && maxSurge === 0 ? 1 : maxUnavailable0;
  return { maxSurge, maxUnavailable, desired };
}

/** The one new and one old pod on a node; ok=false when there are duplicates (manage cleans those up). */
function updatedPodsOnNode(ds: Readonly<DaemonSet>, pods: readonly Readonly<KObject>[], hash: string): { newPod?: Readonly<KObject>; oldPod?: Readonly<KObject>; ok: boolean } {
  let newPod: Readonly<KObject> | undefined;
  let oldPod: Readonly<KObject> | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(ds, p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingPlan { oldPodsToDelete: Readonly<KObject>[]; newNodesToCreate: string[] }

/**
 * RollingUpdate. Without surge: delete old pods, unavailable ones first, while at most
 * maxUnavailable nodes lack an available pod; manage then recreates them. With surge: start
 * a new pod beside an old one on up to maxSurge nodes; an old pod goes once its
 * replacement is available.
 */
export function planRollingUpdate(ds: Readonly<DaemonSet>, nodes: readonly Readonly<KObject>[], podsOf: NodePods, hash: string, now: number): RollingPlan {
  const { maxSurge, maxUnavailable, desired } = updateBudget(ds, nodes, podsOf);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const avail = (p: Readonly<KObject>): boolean => isPodAvailable(p, minReady, now);
  const byNode = new Map(podsOf);
  const nodeByName = new Map(nodes.map((n) => [nodeName(n), n]));
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, templateSpec(ds)).shouldRun && !byNode.has(nodeName(n))) byNode.set(nodeName(n), []);
  const names = [...byNode.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Readonly<KObject>[] = [];
    const candidates: Readonly<KObject>[] = [];
    for (const name of names) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, byNode.get(name)!, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) { unavailable++; continue; }
      if (newPod) { if (!avail(newPod)) unavailable++; continue; }
      if (!avail(oldPod!)) replace.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { oldPodsToDelete: [...replace, ...candidates.slice(0, room)], newNodesToCreate: [] };
  }

  const oldPodsToDelete: Readonly<KObject>[] = [];
  const shouldNotRun: Readonly<KObject>[] = [];
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  let surging = 0;
  let available = 0;
  for (const name of names) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, byNode.get(name)!, hash);
    if (!ok) continue;
    if (oldPod ? avail(oldPod) : newPod ? avail(newPod) : false) available++;
    if (!oldPod) continue;
    const node = nodeByName.get(name);
    const run = node ? nodeShouldRunDaemonPod(node, templateSpec(ds)).shouldRun : false;
    if (!newPod) {
      if (!avail(oldPod)) {
        if (!run) oldPodsToDelete.push(oldPod);
        else allowedNew.push(name);
      } else if (!run) shouldNotRun.push(oldPod);
      else if (surging < maxSurge) candidateNew.push(name);
      continue;
    }
    if (!avail(newPod)) { surging++; continue; }
    oldPodsToDelete.push(oldPod);
  }
  // Pods on nodes the set left go only while more pods are available than desired.
  const deletable = Math.min(Math.max(0, available - desired), shouldNotRun.length);
  oldPodsToDelete.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNew.length);
  return { oldPodsToDelete, newNodesToCreate: [...allowedNew, ...candidateNew.slice(0, room)] };
}

/** DaemonSet status over the nodes (the oldest daemon pod on each node is the one counted). */
export function computeStatus(ds: Readonly<DaemonSet>, nodes: readonly Readonly<KObject>[], podsOf: NodePods, hash: string, now: number): DaemonSetStatus {
  let desired = 0, current = 0, mis = 0, ready = 0, updated = 0, available = 0;
  const minReady = ds.spec.minReadySeconds ?? 0;
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, templateSpec(ds));
    const pods = podsOf.get(nodeName(node)) ?? [];
    if (!shouldRun) {
      if (pods.length > 0) mis++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byCreationAndPhase)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isPodUpdated(ds, pod, hash)) updated++;
  }
  const s: DaemonSetStatus = {
    currentNumberScheduled: current, numberMisscheduled: mis, desiredNumberScheduled: desired, numberReady: ready,
    observedGeneration: ds.metadata.generation, updatedNumberScheduled: updated, numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (ds.status?.collisionCount !== undefined) s.collisionCount = ds.status.collisionCount;
  if (ds.status?.conditions) s.conditions = ds.status.conditions;
  return dropZero(s, ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'observedGeneration']);
}
