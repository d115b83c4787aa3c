// Roles, ClusterRoles and their bindings: the generic strategy plus escalation prevention
// (auth/rbac/escalation.ts), checked before validation as upstream's policy-based storage
// does, on create and on main-resource updates.
import type { KObject } from '../../../api/types/index.js';
import type { ResourceDef } from '../../../api/registry/index.js';
import type { RequestContext } from '../../context.js';
import type { EscalationGuard, RbacResource } from '../../auth/rbac/escalation.js';
import { Strategy } from '../strategy.js';

export class RbacStrategy extends Strategy {
  constructor(
    def: ResourceDef,
    private readonly guard: EscalationGuard,
  ) {
    super(def);
  }

  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    await super.prepareForCreate(obj, ctx);
    this.guard.check(this.def.plural as RbacResource, obj, undefined, ctx.user);
  }

  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, subresource?: string): Promise<void> {
    await super.prepareForUpdate(next, old, ctx, subresource);
    if (!subresource) this.guard.check(this.def.plural as RbacResource, next, old, ctx.user);
  }
}
