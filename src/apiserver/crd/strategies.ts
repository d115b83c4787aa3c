// Strategies of the CustomResourceDefinition resource and of custom resources.
import type { KObject } from '../../api/types/index.js';
import { badRequest, StatusError, type FieldError } from '../../api/status.js';
import { lookupResource, type ResourceDef } from '../../api/registry/index.js';
import { Strategy } from '../registry/strategy.js';
import type { RequestContext } from '../context.js';
import { CRD_CLEANUP_FINALIZER, defaultCrd, storageVersionOf, validateCrd, type CrdSpec, type CrdStatus } from './crd-spec.js';
import { compiledSchema, loadSchemaLib } from './schema-lib.js';

export class CrdStrategy extends Strategy {
  override initialStatus(obj: KObject): unknown {
    const spec = obj.spec as CrdSpec | undefined;
    const storage = spec?.versions?.find?.((v) => v?.storage)?.name;
    const status: CrdStatus = { acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage] : [] };
    return status;
  }

  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    await loadSchemaLib();
    defaultCrd(obj);
    await super.prepareForCreate(obj, ctx);
    const fin = obj.metadata.finalizers ?? [];
    if (!fin.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...fin, CRD_CLEANUP_FINALIZER];
  }

  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, subresource?: string): Promise<void> {
    await loadSchemaLib();
    if (!subresource) defaultCrd(next);
    await super.prepareForUpdate(next, old, ctx, subresource);
    if (subresource) return;
    // A new storage version joins storedVersions: objects may be written in it from now on.
    const spec = next.spec as CrdSpec | undefined;
    const storage = spec?.versions?.find?.((v) => v?.storage)?.name;
    const status = (next.status ?? {}) as CrdStatus;
    if (storage && !(status.storedVersions ?? []).includes(storage)) next.status = { ...status, storedVersions: [...(status.storedVersions ?? []), storage] };
  }

  override validate(obj: KObject, old: KObject | undefined, ctx: RequestContext, subresource?: string): FieldError[] {
    const errs = super.validate(obj, old, ctx, subresource);
    if (subresource === 'status') return errs;
    return errs.concat(validateCrd(obj, old, ctx.warnings));
  }
}

/**
 * Custom resources: the CRD version's schema prunes unknown fields (reported as upstream's
 * field validation does: Strict fails, Warn warns), defaults, then validates the object, in
 * the version the client addressed (ctx.requestVersion) — objects arrive here already in
 * the storage version, and conversion None only rewrites apiVersion.
 */
export class CustomResourceStrategy extends Strategy {
  constructor(def: ResourceDef, private readonly terminating: () => boolean) {
    super(def);
  }

  /** The served version's current definition (a CRD update replaces it; this.def is the store's, from serving time). */
  private versionDef(ctx: RequestContext): ResourceDef {
    return lookupResource(this.def.group, ctx.requestVersion ?? this.def.version, this.def.plural) ?? this.def;
  }

  private schemaFor(ctx: RequestContext): Record<string, unknown> | undefined {
    return this.versionDef(ctx).custom?.schema;
  }

  override initialStatus(): unknown {
    return undefined;
  }

  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    if (this.terminating()) throw new StatusError({ code: 405, reason: 'MethodNotAllowed', message: `create not allowed while custom resource definition is terminating`, details: {} });
    // With a status subresource, status is written only through it.
    if (this.def.hasStatus) delete obj.status;
    await loadSchemaLib();
    this.shape(obj, ctx);
  }

  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, subresource?: string): Promise<void> {
    await super.prepareForUpdate(next, old, ctx, subresource);
    if (subresource && subresource !== 'status') return;
    await loadSchemaLib();
    this.shape(next, ctx);
  }

  override applyDefaults(): void {}

  private shape(obj: KObject, ctx: RequestContext): void {
    const schema = this.schemaFor(ctx);
    if (!schema) return;
    const c = compiledSchema(schema);
    if (!this.versionDef(ctx).custom?.preserveUnknownFields) {
      const unknown = c.prune(obj);
      if (unknown.length && ctx.fieldValidation === 'Strict') {
        const v = ctx.requestVersion ?? this.def.version;
        throw badRequest(`${this.def.kind} in version "${v}" cannot be handled as a ${this.def.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
      }
      if (ctx.fieldValidation === 'Warn') for (const u of unknown) ctx.warnings.push(`unknown field "${u}"`);
    }
    c.applyDefaults(obj);
  }

  override validate(obj: KObject, old: KObject | undefined, ctx: RequestContext, subresource?: string): FieldError[] {
    const errs = super.validate(obj, old, ctx, subresource);
    const schema = this.schemaFor(ctx);
    if (!schema) return errs;
    return errs.concat(compiledSchema(schema).validate(obj, old));
  }
}

export { storageVersionOf };
