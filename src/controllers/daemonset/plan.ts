// Pure decisions of one DaemonSet sync (upstream manage, rollingUpdate and
// updateDaemonSetStatus), over a map node name → daemon pods targeting that node.
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus, Node, Pod } from '../../api/types/index.js';
import { isPodAvailable, isPodReady, isPodTerminal, podPhase } from '../../api/pod-util.js';
import { CONTROLLER_REVISION_HASH_LABEL, dropZero } from '../history/index.js';
import { nodeShouldRunDaemonPod, targetNodeName, type PodSpecLike } from './eligibility.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * A DaemonSet as the API server serves it: validation requires spec (selector, template),
 * so every DaemonSet in the cache has one. The model keeps spec optional, as Go's omitempty.
 */
export type ServedDaemonSet = DaemonSet & { spec: DaemonSetSpec };

export type NodePods = Map<string, Readonly<Pod>[]>;

/**
 * The template's pod spec as eligibility.ts reads it. Its PodSpecLike narrows toleration
 * operators to 'Exists' | 'Equal' (the two upstream validation admits) where the model has a
 * string; the one conversion lives here until eligibility.ts takes the model's types.
 */
export const templateSpec = (ds: Readonly<ServedDaemonSet>): PodSpecLike | undefined => ds.spec.template?.spec as PodSpecLike | undefined;
const nodeName = (n: Readonly<Node>): string => n.metadata.name ?? '';

/** Daemon pods by the node they target; deleted terminal pods are left out. */
export function podsByNode(pods: readonly Readonly<Pod>[]): NodePods {
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
export function byCreationAndPhase(a: Readonly<Pod>, b: Readonly<Pod>): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = String(a.metadata.creationTimestamp ?? '');
  const tb = String(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  return String(a.metadata.name).localeCompare(String(b.metadata.name));
}

export const templateGeneration = (ds: Readonly<ServedDaemonSet>): string | undefined => ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];

/** Pod made from the current template: same revision hash, or the same template generation. */
export function isPodUpdated(ds: Readonly<ServedDaemonSet>, pod: Readonly<Pod>, hash: string): boolean {
  const labels = pod.metadata.labels ?? {};
  const gen = templateGeneration(ds);
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) || (gen !== undefined && labels[TEMPLATE_GENERATION_LABEL] === gen);
}

const isSurge = (ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], podsOf: NodePods): boolean =>
  (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && updateBudget(ds, nodes, podsOf).maxSurge > 0;

export interface ManagePlan {
  nodesNeedingPods: string[];
  podsToDelete: Readonly<Pod>[];
  /** Failed daemon pods being killed, for the FailedDaemonPod event. */
  failedPods: { pod: Readonly<Pod>; node: string }[];
}

/** Creates a pod where one should run and none exists; deletes pods that should not be where they are. */
export function planManage(ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], podsOf: NodePods, hash: string, now: number): ManagePlan {
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
      const running: Readonly<Pod>[] = [];
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
      let oldestNew: Readonly<Pod> | undefined;
      let oldestOld: Readonly<Pod> | undefined;
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
    plan.podsToDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp && !p.spec?.nodeName));
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

export function updateBudget(ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], _podsOf?: NodePods): UpdateBudget {
  let desired = 0;
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, templateSpec(ds)).shouldRun) desired++;
  const ru = ds.spec.updateStrategy?.rollingUpdate ?? {};
  const maxUnavailable0 = scaledValue(ru.maxUnavailable, desired, 1);
  const maxSurge = scaledValue(ru.maxSurge, desired, 0);
  const maxUnavailable = desired > 0 && maxUnavailable0 === 0 && maxSurge === 0 ? 1 : maxUnavailable0;
  return { maxSurge, maxUnavailable, desired };
}

/** The one new and one old pod on a node; ok=false when there are duplicates (manage cleans those up). */
function updatedPodsOnNode(ds: Readonly<ServedDaemonSet>, pods: readonly Readonly<Pod>[], hash: string): { newPod?: Readonly<Pod>; oldPod?: Readonly<Pod>; ok: boolean } {
  let newPod: Readonly<Pod> | undefined;
  let oldPod: Readonly<Pod> | undefined;
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

export interface RollingPlan { oldPodsToDelete: Readonly<Pod>[]; newNodesToCreate: string[] }

/**
 * RollingUpdate. Without surge: delete old pods, unavailable ones first, while at most
 * maxUnavailable nodes lack an available pod; manage then recreates them. With surge: start
 * a new pod beside an old one on up to maxSurge nodes; an old pod goes once its
 * replacement is available.
 */
export function planRollingUpdate(ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], podsOf: NodePods, hash: string, now: number): RollingPlan {
  const { maxSurge, maxUnavailable, desired } = updateBudget(ds, nodes, podsOf);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const avail = (p: Readonly<Pod>): boolean => isPodAvailable(p, minReady, now);
  const byNode = new Map(podsOf);
  const nodeByName = new Map(nodes.map((n) => [nodeName(n), n]));
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, templateSpec(ds)).shouldRun && !byNode.has(nodeName(n))) byNode.set(nodeName(n), []);
  const names = [...byNode.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Readonly<Pod>[] = [];
    const candidates: Readonly<Pod>[] = [];
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

  const oldPodsToDelete: Readonly<Pod>[] = [];
  const shouldNotRun: Readonly<Pod>[] = [];
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
export function computeStatus(ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], podsOf: NodePods, hash: string, now: number): DaemonSetStatus {
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
