// history.k8ts.io/v1: the read-only `revisions` resource, served from the HistoryRecorder.
//
//   GET /apis/history.k8ts.io/v1/namespaces/{ns}/revisions?fieldSelector=resource=deployments.apps,name=web
//       → RevisionList: every kept revision of that object, oldest first (deleted objects too)
//   GET /apis/history.k8ts.io/v1/namespaces/{ns}/revisions?fieldSelector=resource=pods,deleted=true
//       → RevisionList: the Delete revision of each object of that resource deleted in {ns}
//   GET /apis/history.k8ts.io/v1/revisions?fieldSelector=resource=nodes,name=n1   (cluster-scoped objects)
//   GET /apis/history.k8ts.io/v1/revisions?fieldSelector=resource=pods,deleted=true  (deleted in every namespace)
//
// Authorization is the target's, not the revisions resource's: the user needs `get` on the
// object's resource in its namespace (as upstream's authorizer decides it), deleted or not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { allResources, apiVersionOf, storageDef, storageKey, storagePrefix, type ResourceDef } from '../../api/registry/index.js';
import { badRequest, methodNotAllowed, pathNotFound, StatusError } from '../../api/status.js';
import type { Authorizer, RequestAttributes, UserInfo } from '../auth/user.js';
import type { ResourceRequestInfo } from '../request-info.js';
import { writeJson } from '../http-util.js';
import { rfc3339 } from '../../util/time.js';
import { changedPaths, type HistoryRecord } from './records.js';
import type { HistoryRecorder } from './recorder.js';

export const HISTORY_GROUP = 'history.k8ts.io';
export const HISTORY_VERSION = 'v1';
const API_VERSION = `${HISTORY_GROUP}/${HISTORY_VERSION}`;

/** Discovery entries of the group (aggregated and legacy shapes), for handlers/discovery.ts. */
export const HISTORY_DISCOVERY = {
  group: HISTORY_GROUP,
  version: HISTORY_VERSION,
  aggregated: [{ resource: 'revisions', responseKind: { group: HISTORY_GROUP, version: HISTORY_VERSION, kind: 'Revision' }, scope: 'Namespaced', singularResource: 'revision', verbs: ['list'] }],
  legacy: [{ name: 'revisions', singularName: 'revision', namespaced: true, kind: 'Revision', verbs: ['list'] }],
};

export interface HistoryQuery {
  /** The resource as the client spelled it (resolved by resolveResource). */
  resource: string;
  name?: string;
  deleted: boolean;
}

/** Parses `resource=<plural>[.<group>],name=<name>` or `resource=…,deleted=true`. Pure. */
export function parseHistorySelector(sel: string): HistoryQuery {
  const fields = new Map<string, string>();
  for (const part of sel.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-zA-Z.]+)(==?)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid field selector "${part}": revisions take resource=<resource>, name=<name> or deleted=true`);
    fields.set(m[1], m[3]);
  }
  for (const k of fields.keys()) if (!['resource', 'name', 'deleted'].includes(k)) throw badRequest(`"${k}" is not a known field selector: only "resource", "name", "deleted"`);
  const resource = fields.get('resource');
  if (!resource) throw badRequest('revisions need fieldSelector resource=<resource>[.<group>] and name=<name> (or deleted=true)');
  const deleted = fields.get('deleted') === 'true';
  const name = fields.get('name');
  if (!deleted && !name) throw badRequest('revisions need fieldSelector name=<name> (or deleted=true)');
  return { resource, name: deleted ? undefined : name, deleted };
}

/**
 * The resource a selector names, as kubectl spells it: plural, singular, Kind or short name,
 * optionally with its group (`deploy`, `deployments.apps`, `Deployment`, `cm`). Built-in
 * resources win over custom ones; the storage version's definition is returned.
 */
export function resolveResource(text: string): ResourceDef {
  const lower = text.toLowerCase();
  const dot = lower.indexOf('.');
  const word = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  const def = allResources().find((r) => !r.virtual && (group === undefined || r.group === group) && (r.plural === word || r.singular === word || r.kind.toLowerCase() === word || r.shortNames.includes(word)));
  if (!def) throw new StatusError({ code: 404, reason: 'NotFound', message: `the server doesn't have a resource type "${text}"`, details: {} });
  return storageDef(def);
}

export interface HistoryRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: ResourceRequestInfo;
  user: UserInfo;
  authorizer: Authorizer;
  recorder: HistoryRecorder;
  currentRevision: number;
  /** Upstream's 403 for a refused request. */
  forbidden: (a: RequestAttributes, reason: string) => StatusError;
}

export async function handleHistory(h: HistoryRequest): Promise<void> {
  const { info } = h;
  if (info.version !== HISTORY_VERSION || info.resource !== 'revisions' || info.subresource || info.watch) throw pathNotFound();
  if (h.req.method !== 'GET' && h.req.method !== 'HEAD') throw methodNotAllowed();
  if (info.name) throw methodNotAllowed('revisions are listed with a field selector, not read by name');
  const q = parseHistorySelector(h.url.searchParams.get('fieldSelector') ?? '');
  const def = resolveResource(q.resource);
  // Deleted objects of a namespaced resource may be asked for across namespaces (cluster-wide get).
  if (def.namespaced && !info.namespace && !q.deleted) throw badRequest(`${q.resource} is namespaced: ask under /apis/${API_VERSION}/namespaces/<namespace>/revisions`);
  if (!def.namespaced && info.namespace) throw badRequest(`${q.resource} is cluster-scoped: ask under /apis/${API_VERSION}/revisions`);
  const ns = def.namespaced ? info.namespace : undefined;
  const attrs: RequestAttributes = { user: h.user, verb: 'get', resourceRequest: true, apiGroup: def.group, apiVersion: def.version, resource: def.plural, namespace: ns, name: q.name };
  const decision = h.authorizer.authorize(attrs);
  if (!decision.allowed) throw h.forbidden(attrs, decision.reason);

  let records: HistoryRecord[];
  if (q.name) {
    const key = storageKey(def, ns, q.name);
    records = await h.recorder.query((k) => k === key, key);
  } else {
    const prefix = ns ? `${storagePrefix(def)}${ns}/` : storagePrefix(def);
    const depth = def.namespaced && !ns ? 1 : 0; // slashes after the prefix: <ns>/<name> across namespaces
    const all = await h.recorder.query((k) => k.startsWith(prefix) && k.slice(prefix.length).split('/').length === depth + 1, prefix.slice(0, -1));
    const last = new Map<string, HistoryRecord>();
    // Who asked for the deletion: the writer that set deletionTimestamp (a graceful or
    // finalized delete, whose last write is by the kubelet or a controller), else the Delete's.
    const requestedBy = new Map<string, string | undefined>();
    for (const r of all) {
      last.set(r.k, r);
      if (r.op === 'Create') requestedBy.delete(r.k);
      else if (r.op === 'Update' && !requestedBy.has(r.k) && r.v.includes('"deletionTimestamp"') && markedForDeletion(r.v)) requestedBy.set(r.k, r.u);
    }
    records = [...last.values()].filter((r) => r.op === 'Delete').sort((a, b) => a.rv - b.rv);
    const items = toRevisions(def, records) as Array<Record<string, unknown>>;
    items.forEach((it, i) => {
      const by = requestedBy.has(records[i].k) ? requestedBy.get(records[i].k) : records[i].u;
      if (by) it.deletedBy = by;
    });
    return writeList(h, items);
  }
  return writeList(h, toRevisions(def, records));
}

function markedForDeletion(value: string): boolean {
  try {
    return !!(JSON.parse(value) as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp;
  } catch {
    return false;
  }
}

function writeList(h: HistoryRequest, items: object[]): void {
  writeJson(h.res, 200, {
    kind: 'RevisionList',
    apiVersion: API_VERSION,
    metadata: { resourceVersion: String(h.currentRevision) },
    retainedSinceRevision: String(h.recorder.retainedSince()),
    items,
  });
}

/** Revision objects from one resource's records, oldest first; changedPaths against the previous record of the same object. Pure. */
export function toRevisions(def: ResourceDef, records: readonly HistoryRecord[]): object[] {
  const prevOf = new Map<string, unknown>();
  const apiVersion = apiVersionOf(def.group, def.version);
  return records.map((r) => {
    let obj: Record<string, unknown> & { metadata?: Record<string, unknown> };
    try {
      obj = JSON.parse(r.v) as typeof obj;
    } catch {
      obj = {};
    }
    obj.apiVersion = apiVersion;
    obj.kind = def.kind;
    const meta = (obj.metadata ??= {});
    if (r.op !== 'Delete') meta.resourceVersion = String(r.rv);
    const prev = prevOf.get(r.k);
    const paths = r.op === 'Update' && prev !== undefined ? changedPaths(prev, obj) : [];
    prevOf.set(r.k, obj);
    const name = String(meta.name ?? r.k.slice(r.k.lastIndexOf('/') + 1));
    const out: Record<string, unknown> = {
      kind: 'Revision',
      apiVersion: API_VERSION,
      metadata: { name: `${name}.${r.rv}`, ...(def.namespaced ? { namespace: meta.namespace } : {}), creationTimestamp: rfc3339(r.t) },
      target: { group: def.group, resource: def.plural, ...(def.namespaced ? { namespace: meta.namespace } : {}), name, uid: meta.uid },
      resourceVersion: String(r.rv),
      operation: r.op,
      time: rfc3339(r.t),
      changedPaths: paths,
      object: obj,
    };
    if (r.u) out.user = r.u;
    if (r.m?.length) out.managers = r.m;
    return out;
  });
}
