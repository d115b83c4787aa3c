// Per-kind behaviour of the generic store (upstream's RESTCreateStrategy /
// RESTUpdateStrategy / RESTDeleteStrategy): defaulting, status handling, validation,
// admission side effects (allocations) and how a DELETE proceeds.
import type { KObject } from '../../api/types/index.js';
import type { ResourceDef } from '../../api/registry/index.js';
import type { FieldError } from '../../api/status.js';
import { planDelete, readyToRemove, type DeletePlan } from '../../api/registry/index.js';
import { API_SERVER_USER, type RequestContext } from '../context.js';
import type { DeleteOptions } from './resource-store.js';
import { defaultObject, validateObject, validateObjectUpdate } from '../api-hooks.js';

export type { DeletePlan };

export class Strategy {
  constructor(readonly def: ResourceDef) {}

  /** Status a new object starts with; undefined keeps what the client sent. */
  initialStatus(_obj: KObject): unknown {
    return {};
  }

  async prepareForCreate(obj: KObject, _ctx: RequestContext): Promise<void> {
    if (this.def.hasStatus) {
      const s = this.initialStatus(obj);
      if (s !== undefined) obj.status = s;
    }
    this.applyDefaults(obj);
  }

  applyDefaults(obj: KObject): void {
    defaultObject(this.def, obj);
  }

  /**
   * Main-resource writes keep the stored status; /status writes keep everything but
   * status (and server-owned metadata, which the store restores).
   */
  async prepareForUpdate(next: KObject, old: KObject, _ctx: RequestContext, subresource?: string): Promise<void> {
    // Other subresources (binding, scale, finalize) build the whole next object themselves.
    if (subresource && subresource !== 'status') return;
    if (subresource === 'status') {
      const status = next.status;
      const managedFields = next.metadata.managedFields;
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, structuredClone(old));
      if (status === undefined) delete next.status;
      else next.status = status;
      if (managedFields) next.metadata.managedFields = managedFields;
      return;
    }
    if (this.def.hasStatus) {
      if (old.status === undefined) delete next.status;
      else next.status = structuredClone(old.status);
    }
    this.applyDefaults(next);
  }

  /**
   * Create and main-resource updates run the kind's full rules; subresource writes (status,
   * binding, scale) validate the object but not the spec-immutability rules, which only
   * guard what clients may change through the main resource.
   */
  validate(obj: KObject, old: KObject | undefined, ctx: RequestContext, subresource?: string): FieldError[] {
    // The API server's own writes (its loopback client and bootstrap: the `kubernetes` Endpoints
    // at its advertised address, 127.0.0.1 on a single-host cluster) may name a loopback
    // endpoint; clients (certificates, tokens, impersonated identities) may not.
    const opts = ctx.user.username === API_SERVER_USER ? { allowSpecialEndpointIPs: true } : undefined;
    if (!old) return validateObject(this.def, obj, opts);
    if (subresource && subresource !== 'scale') return validateObject(this.def, obj, opts);
    return validateObjectUpdate(this.def, obj, old, opts);
  }

  /** Side effects that must happen before the object is persisted (allocations). */
  async beforeCreate(_obj: KObject, _ctx: RequestContext): Promise<void> {}
  async afterCreateFailed(_obj: KObject): Promise<void> {}
  async beforeUpdate(_next: KObject, _old: KObject, _ctx: RequestContext): Promise<void> {}
  async afterUpdateFailed(_next: KObject, _old: KObject): Promise<void> {}
  /** After a successful update (release what the old object held and the new one does not). */
  async afterUpdate(_next: KObject, _old: KObject): Promise<void> {}
  async afterDelete(_obj: KObject): Promise<void> {}

  /** A deleting object is removed from storage once nothing holds it any more. */
  readyToRemove(obj: KObject): boolean {
    return readyToRemove(obj);
  }

  /** Graceful period for this object; 0 means delete at once. */
  gracePeriod(_obj: KObject, _opts: DeleteOptions): number {
    return 0;
  }

  planDelete(old: KObject, opts: DeleteOptions, ctx: RequestContext): DeletePlan {
    return planDelete(old, opts, this.gracePeriod(old, opts), ctx.now);
  }
}
