// Namespaces: deleting one marks it Terminating; it is removed once the namespace
// controller has emptied it and cleared spec.finalizers through /finalize.
import type { KObject, Namespace } from '../../../api/types/index.js';
import { forbidden } from '../../../api/status.js';
import { rfc3339 } from '../../../util/time.js';
import type { RequestContext } from '../../context.js';
import { Strategy, type DeletePlan } from '../strategy.js';
import type { DeleteOptions } from '../resource-store.js';

export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

function namespaceFinalizers(obj: Readonly<Namespace>): readonly string[] | undefined {
  return obj.spec?.finalizers;
}

export class NamespaceStrategy extends Strategy {
  override initialStatus(): unknown {
    return { phase: 'Active' };
  }

  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, sub?: string): Promise<void> {
    if (sub === 'finalize') {
      // Only spec.finalizers may change through /finalize.
      const finalizers = namespaceFinalizers(next);
      const meta = next.metadata;
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, structuredClone(old));
      next.metadata.managedFields = meta.managedFields;
      next.spec = finalizers?.length ? { finalizers } : {};
      return;
    }
    await super.prepareForUpdate(next, old, ctx, sub);
    // Main-resource updates cannot change spec.finalizers (upstream: only via /finalize).
    if (sub !== 'status') next.spec = structuredClone(old.spec);
  }

  override readyToRemove(obj: KObject): boolean {
    const specFinalizers = namespaceFinalizers(obj) ?? [];
    return !!obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && specFinalizers.length === 0;
  }

  override planDelete(old: KObject, opts: DeleteOptions, ctx: RequestContext): DeletePlan {
    const name = old.metadata.name ?? '';
    if (IMMORTAL_NAMESPACES.includes(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { group: '', resource: 'namespaces' }, name);
    const specFinalizers = namespaceFinalizers(old) ?? [];
    if (!specFinalizers.length && !old.metadata.finalizers?.length) return super.planDelete(old, opts, ctx);
    const next = structuredClone(old);
    next.metadata.deletionTimestamp ??= rfc3339(ctx.now);
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(next.status as object), phase: 'Terminating' };
    return { kind: 'mark', object: next };
  }
}
