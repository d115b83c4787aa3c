// The default profile: upstream's default plugins, in upstream's order, with its score weights.
import { DEFAULT_SCHEDULER_NAME, type Profile } from './framework/types.js';
import { BalancedAllocationPlugin } from './plugins/balanced-allocation/balanced-allocation.js';
import { DefaultPreemptionPlugin } from './plugins/default-preemption/default-preemption.js';
import { InterPodAffinityPlugin } from './plugins/inter-pod-affinity/inter-pod-affinity.js';
import { NodeAffinityPlugin } from './plugins/node-affinity/node-affinity.js';
import { NodeNamePlugin } from './plugins/node-name/node-name.js';
import { NodePortsPlugin } from './plugins/node-ports/node-ports.js';
import { NodeResourcesFitPlugin } from './plugins/node-resources-fit/node-resources-fit.js';
import { NodeUnschedulablePlugin } from './plugins/node-unschedulable/node-unschedulable.js';
import { PodTopologySpreadPlugin, type DefaultSelectorFn } from './plugins/pod-topology-spread/pod-topology-spread.js';
import { TaintTolerationPlugin } from './plugins/taint-toleration/taint-toleration.js';

export interface ProfileOptions {
  /** Selector for the system default spreading (pods owned by ReplicaSets, Services...). */
  defaultSpreadSelector?: DefaultSelectorFn;
  percentageOfNodesToScore?: number;
  random?: () => number;
}

export function defaultProfile(opts: ProfileOptions = {}): Profile {
  const unschedulable = new NodeUnschedulablePlugin();
  const nodeName = new NodeNamePlugin();
  const taints = new TaintTolerationPlugin();
  const affinity = new NodeAffinityPlugin();
  const ports = new NodePortsPlugin();
  const fit = new NodeResourcesFitPlugin();
  const spread = new PodTopologySpreadPlugin(opts.defaultSpreadSelector);
  const podAffinity = new InterPodAffinityPlugin();
  const balanced = new BalancedAllocationPlugin();
  return {
    schedulerName: DEFAULT_SCHEDULER_NAME,
    preFilter: [affinity, ports, spread, podAffinity],
    filter: [unschedulable, nodeName, taints, affinity, ports, fit, spread, podAffinity],
    postFilter: [new DefaultPreemptionPlugin(opts.random)],
    preScore: [podAffinity, taints, affinity, spread],
    score: [
      { plugin: taints, weight: 3 },
      { plugin: affinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: spread, weight: 2 },
      { plugin: podAffinity, weight: 2 },
      { plugin: balanced, weight: 1 },
    ],
    percentageOfNodesToScore: opts.percentageOfNodesToScore ?? 0,
  };
}
