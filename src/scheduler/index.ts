// Public surface of the scheduler. `registration` plugs it into the controller manager:
// informers for pods and nodes feed the cache and the queue; the loop binds through the API.
import { labelSelectorFromMeta, selectorOf, type LabelRequirement, type LabelSelector, matchesLabels } from './selector-util.js';
import { type ControllerContext, type ControllerRegistration, R } from '../client/index.js';
import type { KObject, Node, Pod } from '../api/types/index.js';
import type { PodInfo } from './framework/pod-info.js';
import { defaultProfile } from './profile.js';
import { COMPONENT, Scheduler } from './scheduler.js';

export { Scheduler, COMPONENT, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export {
  REASON_SCHEDULED, REASON_FAILED_SCHEDULING, REASON_PREEMPTED, CONDITION_POD_SCHEDULED, REASON_UNSCHEDULABLE,
} from './scheduler.js';
export { SchedulerCache } from './cache.js';
export { SchedulingQueue, type QueuedPodInfo, type ClusterEvent } from './queue.js';
export { schedulePod, fitErrorMessage, numFeasibleNodesToFind, newCursor, type ScheduleResult, type Cursor, type Diagnosis } from './core.js';
export { defaultProfile, type ProfileOptions } from './profile.js';
export { NodeInfo } from './framework/node-info.js';
export { podInfoOf, podRequests, type PodInfo } from './framework/pod-info.js';
export type { Profile, Status, SchedulerState } from './framework/types.js';

interface SelectorOwner extends KObject {
  spec?: { selector?: unknown };
}

/**
 * Selector for the system default topology spreading (upstream helper.DefaultSelector): the
 * union of the selectors of the Services, ReplicationControllers, ReplicaSets and
 * StatefulSets in the pod's namespace that select it. Undefined when none does.
 */
export function defaultSpreadSelectorFrom(ctx: ControllerContext): (pod: PodInfo) => LabelSelector | undefined {
  const services = ctx.informers.informerFor<SelectorOwner>(R.services).lister;
  const rcs = ctx.informers.informerFor<SelectorOwner>(R.replicationcontrollers).lister;
  const rss = ctx.informers.informerFor<SelectorOwner>(R.replicasets).lister;
  const sss = ctx.informers.informerFor<SelectorOwner>(R.statefulsets).lister;
  return (pod) => {
    const reqs: LabelRequirement[] = [];
    const fromMap = (list: readonly Readonly<SelectorOwner>[]): void => {
      for (const o of list) {
        const sel = o.spec?.selector as Record<string, string> | undefined;
        if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) continue;
        if (!Object.entries(sel).every(([k, v]) => pod.labels[k] === v)) continue;
        for (const [k, v] of Object.entries(sel)) reqs.push({ key: k, operator: '=', values: [v] });
      }
    };
    const fromMeta = (list: readonly Readonly<SelectorOwner>[]): void => {
      for (const o of list) {
        let sel: LabelSelector;
        try {
          sel = labelSelectorFromMeta(o.spec?.selector as never);
        } catch {
          continue;
        }
        if (sel.kind !== 'requirements' || sel.requirements.length === 0 || !matchesLabels(sel, pod.labels)) continue;
        reqs.push(...sel.requirements);
      }
    };
    fromMap(services.list(pod.namespace));
    fromMap(rcs.list(pod.namespace));
    fromMeta(rss.list(pod.namespace));
    fromMeta(sss.list(pod.namespace));
    return reqs.length ? selectorOf(reqs) : undefined;
  };
}

/** Starts the scheduler against a ControllerContext; resolves once the loop is running. */
export async function startScheduler(ctx: ControllerContext): Promise<Scheduler> {
  const profile = defaultProfile({ defaultSpreadSelector: defaultSpreadSelectorFrom(ctx) });
  const sched = new Scheduler({ client: ctx.client, recorder: ctx.recorder(COMPONENT), clock: ctx.clock, profile });
  const nodes = ctx.informers.informerFor<Node>(R.nodes);
  const pods = ctx.informers.informerFor<Pod>(R.pods);
  const namespaces = ctx.informers.informerFor(R.namespaces);
  sched.cache.setNamespaceLabels((ns) => namespaces.lister.get(undefined, ns)?.metadata.labels);
  const subs = [nodes.addEventHandler(sched.nodeHandler()), pods.addEventHandler(sched.podHandler())];
  ctx.signal.addEventListener('abort', () => subs.forEach((s) => s.dispose()), { once: true });
  void (async () => {
    await Promise.all([nodes.whenSynced(), pods.whenSynced()]);
    if (ctx.signal.aborted) return;
    await sched.run(ctx.signal);
  })();
  return sched;
}

export const registration: ControllerRegistration = {
  name: 'scheduler',
  async register(ctx: ControllerContext): Promise<void> {
    await startScheduler(ctx);
  },
};
