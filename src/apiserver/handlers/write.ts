// POST, PUT, PATCH, DELETE and DELETE-collection on a resource (and PUT/PATCH on its status).
import type { KObject } from '../../api/types/index.js';
import { isPlainObject } from '../../api/types/index.js';
import { apiVersionOf } from '../../api/registry/index.js';
import { badRequest, invalid, fieldErr, successStatus, unsupportedMediaType } from '../../api/status.js';
import { readBody, writeJson } from '../http-util.js';
import { parseDeleteQuery, parseForce, parseListQuery } from '../query.js';
import { checkBodyDepth, decodeDeleteOptionsBody, decodeObjectBody, mediaType, parseJsonBody, parseYamlBody } from '../negotiate.js';
import { managerName } from '../context.js';
import type { DeleteOptions } from '../registry/resource-store.js';
import { applyPatchDocument, compileSelectors, serverSideApplyObject, trackManagedFields, type PatchType } from '../api-hooks.js';
import { checkTypeMeta, checkUnknownFields, toExternal, toInternal, writeEncoded, writeObject, type ResourceRequest } from './shared.js';
import { clone } from '../../util/json.js';
import { auditRequestObject } from '../audit/record.js';

function checkNamespace(r: ResourceRequest, obj: KObject): void {
  const meta = obj.metadata;
  if (r.def.namespaced) {
    if (meta.namespace && r.info.namespace && meta.namespace !== r.info.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (r.info.namespace) meta.namespace = r.info.namespace;
  } else if (meta.namespace) {
    delete meta.namespace;
  }
}

/** Reads a whole object from the body, checked against the URL and the kind's schema. */
async function readObject(r: ResourceRequest): Promise<KObject> {
  const body = decodeObjectBody(await readBody(r.req), r.req.headers['content-type']);
  auditRequestObject(r.req, body);
  checkTypeMeta(r, body);
  checkUnknownFields(r, body);
  const obj = body as KObject;
  checkNamespace(r, obj);
  return obj;
}

export async function handleCreate(r: ResourceRequest): Promise<void> {
  const obj = await readObject(r);
  if (r.info.name && obj.metadata.name && r.info.name !== obj.metadata.name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${r.info.name})`);
  if (!obj.metadata.name && !obj.metadata.generateName)
    throw invalid(r.def.kind, r.def.group, '', [fieldErr.required('metadata.name', 'name or generateName is required')]);
  await r.core.admitCreate(r, obj);
  obj.metadata.managedFields = trackManagedFields(undefined, obj, r.ctx, r.def, undefined);
  const created = await r.rs.create(toInternal(r, obj), r.ctx);
  writeObject(r, 201, toExternal(r, created));
}

export async function handleUpdate(r: ResourceRequest): Promise<void> {
  const obj = await readObject(r);
  const name = r.info.name!;
  if (obj.metadata.name && obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  obj.metadata.name = name;
  const sub = r.info.subresource;
  const { obj: out } = await r.rs.update(
    r.info.namespace,
    name,
    (cur) => {
      const next = clone(obj);
      const curExt = toExternal(r, cur);
      next.metadata.managedFields = trackManagedFields(curExt, next, r.ctx, r.def, sub);
      const out = toInternal(r, next);
      r.core.admitWrite(r, 'UPDATE', out, cur);
      return out;
    },
    r.ctx,
    { subresource: sub },
  );
  writeObject(r, 200, toExternal(r, out));
}

function patchTypeOf(contentType: string | undefined): PatchType {
  const mt = mediaType(contentType);
  switch (mt) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

export async function handlePatch(r: ResourceRequest): Promise<void> {
  const type = patchTypeOf(r.req.headers['content-type']);
  // Custom resources have no patch strategies to merge by, so upstream refuses strategic merge.
  if (type === 'strategic' && r.def.custom)
    throw unsupportedMediaType('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  const raw = await readBody(r.req);
  let patch: unknown;
  if (type === 'apply') {
    patch = parseYamlBody(raw);
    if (!isPlainObject(patch)) throw badRequest('the apply patch must be an object');
  } else {
    patch = parseJsonBody(raw);
  }
  auditRequestObject(r.req, patch);
  if (type === 'apply' && !r.ctx.fieldManager)
    throw invalid('PatchOptions', 'meta.k8s.io', '', [fieldErr.required('fieldManager', 'is required for apply patch')]);
  const force = parseForce(r.url.searchParams);
  if (force && type !== 'apply') throw badRequest('force is only supported for apply patches');
  const name = r.info.name!;
  const sub = r.info.subresource;

  const finish = (curExt: KObject | undefined, next: KObject): KObject => {
    // A JSON patch's path can put a deep value deeper still: the result is bounded too.
    checkBodyDepth(next, 'the patched object');
    checkTypeMeta(r, next);
    checkUnknownFields(r, next);
    checkNamespace(r, next);
    if (type !== 'apply') next.metadata.managedFields = trackManagedFields(curExt, next, r.ctx, r.def, sub);
    return next;
  };

  const { obj: out, created } = await r.rs.update(
    r.info.namespace,
    name,
    (cur) => {
      const curExt = clone(toExternal(r, cur));
      let next: KObject;
      if (type === 'apply') next = serverSideApplyObject(r.def, curExt, patch as KObject, { manager: r.ctx.fieldManager!, force, now: r.ctx.now, subresource: sub });
      else next = applyPatchDocument(r.def, type, curExt, patch);
      if (!isPlainObject(next)) throw badRequest('the patched object is not a JSON object');
      // A patch only asserts a resourceVersion when it sets one different from the current.
      if (next.metadata?.resourceVersion === curExt.metadata.resourceVersion) delete next.metadata.resourceVersion;
      const out = toInternal(r, finish(curExt, next));
      r.core.admitWrite(r, 'UPDATE', out, cur);
      return out;
    },
    r.ctx,
    {
      subresource: sub,
      createIfMissing:
        type === 'apply' && !sub
          ? async () => {
              const obj = serverSideApplyObject(r.def, undefined, patch as KObject, { manager: r.ctx.fieldManager!, force, now: r.ctx.now });
              if (!obj.metadata.name) obj.metadata.name = name;
              finish(undefined, obj);
              await r.core.admitCreate(r, obj);
              return toInternal(r, obj);
            }
          : undefined,
    },
  );
  writeObject(r, created ? 201 : 200, toExternal(r, out));
}

export async function readDeleteOptions(r: ResourceRequest): Promise<DeleteOptions> {
  const raw = await readBody(r.req);
  const opts = decodeDeleteOptionsBody(raw, r.req.headers['content-type']);
  if (raw.length) auditRequestObject(r.req, opts);
  // As upstream, the query's options count only when there is no body.
  const q = raw.length ? undefined : parseDeleteQuery(r.url.searchParams);
  const grace = q ? q.gracePeriodSeconds : (opts.gracePeriodSeconds as number | undefined);
  const policy = q ? q.propagationPolicy : (opts.propagationPolicy as string | undefined);
  if (policy !== undefined && policy !== null && !['Orphan', 'Background', 'Foreground'].includes(policy))
    throw invalid('DeleteOptions', 'meta.k8s.io', '', [fieldErr.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan'])]);
  const dryRun = (opts.dryRun as string[] | undefined) ?? [];
  if (dryRun.includes('All')) r.ctx.dryRun = true;
  const orphan = q ? q.orphanDependents : opts.orphanDependents;
  const out: DeleteOptions = {};
  if (grace !== undefined && grace !== null) {
    const g = Number(grace);
    if (!Number.isInteger(g)) throw badRequest(`gracePeriodSeconds must be an integer, got "${String(grace)}"`);
    out.gracePeriodSeconds = g;
  }
  if (policy) out.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (orphan !== undefined && orphan !== null) out.orphanDependents = orphan === true;
  if (isPlainObject(opts.preconditions)) out.preconditions = opts.preconditions as DeleteOptions['preconditions'];
  return out;
}

export async function handleDelete(r: ResourceRequest): Promise<void> {
  const opts = await readDeleteOptions(r);
  const name = r.info.name!;
  const current = r.rs.tryGet(r.info.namespace, name);
  if (current) r.core.admitWrite(r, 'DELETE', undefined, current.obj);
  const { obj, gone } = await r.rs.delete(r.info.namespace, name, opts, r.ctx);
  // Pods answer with the object (upstream's ReturnDeletedObject); so does any object that
  // is only marked for deletion. Others answer with a Success Status.
  if (!gone || r.rs.def.kind === 'Pod') {
    writeObject(r, 200, toExternal(r, obj));
    return;
  }
  writeEncoded(r.res, r.accept, 200, successStatus({ name, ...(r.def.group ? { group: r.def.group } : {}), kind: r.def.plural, uid: obj.metadata.uid }));
}

export async function handleDeleteCollection(r: ResourceRequest): Promise<void> {
  const opts = await readDeleteOptions(r);
  const lq = parseListQuery(r.url.searchParams);
  const filter = compileSelectors(r.rs.def, lq.labelSelector, lq.fieldSelector);
  const page = r.rs.list({ namespace: r.info.namespace, filter });
  const items: KObject[] = [];
  for (const c of page.items) {
    try {
      const { obj } = await r.rs.delete(c.obj.metadata.namespace, c.obj.metadata.name!, opts, r.ctx);
      items.push(toExternal(r, obj));
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'NotFound') throw e;
    }
  }
  writeEncoded(r.res, r.accept, 200, { kind: r.def.listKind, apiVersion: apiVersionOf(r.def.group, r.def.version), metadata: { resourceVersion: String(r.rs.cache.currentRevision) }, items });
}
