// ClusterRole aggregation (upstream's clusterrole-aggregation controller): a ClusterRole with
// an aggregationRule holds the union of the rules of the ClusterRoles its selectors match
// (src/api/rbac). Any ClusterRole change may change what an aggregated role should hold, so
// every change enqueues every aggregated role; keys are ClusterRole names.
import type { ClusterRole, KObject } from '../../api/types/index.js';
import { aggregatedRules, sameRules } from '../../api/rbac/index.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import { R, type ApiClient, type ControllerContext, type ControllerRegistration, type Lister } from '../../client/index.js';

export class ClusterRoleAggregationController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly roles: Lister<ClusterRole>;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    const inf = ctx.informers.informerFor<ClusterRole>(R.clusterroles);
    this.roles = inf.lister;
    this.controller = new Controller({
      name: 'clusterrole-aggregation', workers: 1, signal: ctx.signal, clock: ctx.clock,
      waitFor: [inf],
      reconcile: (key) => this.reconcile(key),
    });
    const enqueueAggregated = (): void => {
      for (const r of this.roles.list(undefined, (o) => !!o.aggregationRule)) this.controller.enqueue(r.metadata.name ?? '');
    };
    inf.addEventHandler({
      onAdd: enqueueAggregated,
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) enqueueAggregated(); },
      onDelete: enqueueAggregated,
    });
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(undefined, name);
    if (!role) return;
    const rules = aggregatedRules(role, this.roles.list());
    if (!rules || sameRules(rules, role.rules)) return;
    // A conflict (someone changed the role meanwhile) throws and retries from the fresh cache.
    await this.client.update(R.clusterroles, undefined, { ...role, rules } as unknown as KObject);
  }
}

export const registration: ControllerRegistration = {
  name: 'clusterrole-aggregation',
  register(ctx) {
    new ClusterRoleAggregationController(ctx).controller.run();
  },
};
