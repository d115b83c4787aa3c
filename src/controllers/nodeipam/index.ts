// nodeipam: gives every Node without spec.podCIDR a block of the cluster CIDR (plan.ts), so
// agents that join get their own pod network. One key: each pass looks at all nodes, which
// keeps allocation free of races (the controller runs only on the leader).
import type { Node } from '../../api/types/index.js';
import { isConflict, isNotFound } from '../../api/status.js';
import { Controller } from '../../client/controller.js';
import { type ControllerContext, type ControllerRegistration, R } from '../../client/index.js';
import { allocatePodCidrs, type PodCidrPool } from './plan.js';

export * from './plan.js';

const KEY = 'nodes';

function podCidrOf(node: Readonly<Node>): string | undefined {
  return node.spec?.podCIDR || undefined;
}

export function nodeIpamRegistration(pool: PodCidrPool): ControllerRegistration {
  return {
    name: 'nodeipam',
    register(ctx: ControllerContext) {
      const inf = ctx.informers.informerFor<Node>(R.nodes);
      const recorder = ctx.recorder('cidrAllocator');
      const controller = new Controller({
        name: 'nodeipam',
        signal: ctx.signal,
        clock: ctx.clock,
        waitFor: [inf],
        reconcile: async () => {
          const nodes = inf.lister.list();
          const used = nodes.map(podCidrOf).filter((c): c is string => !!c);
          const want = nodes.filter((n) => !podCidrOf(n)).map((n) => n.metadata.name!).sort();
          if (!want.length) return;
          const plan = allocatePodCidrs(pool, used, want);
          for (const name of want) {
            const cidr = plan.get(name);
            const node = nodes.find((n) => n.metadata.name === name)!;
            if (!cidr) {
              recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable (cluster CIDR ${pool.clusterCIDR} is exhausted)`);
              continue;
            }
            try {
              // The resourceVersion makes the write conditional: a node that got a CIDR meanwhile keeps it.
              await ctx.client.patch(R.nodes, undefined, name, 'merge', { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } });
              recorder.event(node, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} got pod CIDR ${cidr}`);
            } catch (e) {
              if (isConflict(e)) controller.enqueue(KEY);
              else if (!isNotFound(e)) throw e;
            }
          }
        },
      });
      inf.addEventHandler({ onAdd: () => controller.enqueue(KEY), onUpdate: () => controller.enqueue(KEY) });
      controller.run();
    },
  };
}
