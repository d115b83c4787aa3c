// Pods that use a claim ("consumers"), for WaitForFirstConsumer claims. Pure functions over
// the pods indexed by claim.
import type { Node, Pod } from '../../api/types/index.js';
import { isPodTerminal } from '../../api/pod-util.js';
import { LABEL_HOSTNAME } from './types.js';
import type { NodeInfo } from './matching.js';

export function podNodeName(pod: Readonly<Pod>): string {
  return pod.spec?.nodeName ?? '';
}

function isLive(pod: Readonly<Pod>): boolean {
  return !pod.metadata.deletionTimestamp && !isPodTerminal(pod);
}

const byAge = (a: Readonly<Pod>, b: Readonly<Pod>): number =>
  String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? ''))
  || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** The oldest live pod using the claim that is already bound to a node, if any. */
export function scheduledConsumer(pods: readonly Readonly<Pod>[]): Readonly<Pod> | undefined {
  return pods.filter((p) => isLive(p) && podNodeName(p) !== '').sort(byAge)[0];
}

/** Names of the live pods using the claim that wait for a node, sorted. */
export function unscheduledConsumerNames(pods: readonly Readonly<Pod>[]): string[] {
  return pods.filter((p) => isLive(p) && podNodeName(p) === '').map((p) => p.metadata.name ?? '').sort();
}

/**
 * The event a delayed claim gets while nothing can be bound yet: WaitForFirstConsumer
 * while no pod uses it, WaitForPodScheduled while its pods are not on a node.
 */
export function waitingForConsumer(unscheduled: readonly string[]): { reason: 'WaitForFirstConsumer' | 'WaitForPodScheduled'; message: string } {
  if (unscheduled.length === 0) return { reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' };
  if (unscheduled.length === 1) return { reason: 'WaitForPodScheduled', message: `waiting for pod ${unscheduled[0]} to be scheduled` };
  return { reason: 'WaitForPodScheduled', message: `waiting for pods ${unscheduled.join(',')} to be scheduled` };
}

/**
 * The node as node affinity sees it. The kubelet always labels its node with
 * kubernetes.io/hostname; a Node without that label (or not yet in the cache) is taken to
 * carry its own name there.
 */
export function nodeInfoOf(name: string, node: Readonly<Node> | undefined): NodeInfo {
  return { name, labels: { [LABEL_HOSTNAME]: name, ...(node?.metadata.labels ?? {}) } };
}
