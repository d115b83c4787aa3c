// Create-only review resources, computed and never stored: access reviews ask the
// authorizer, SelfSubjectReview and TokenReview ask the authenticators.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDef } from '../../api/registry/index.js';
import { apiVersionOf } from '../../api/registry/index.js';
import { isPlainObject, type SubjectAccessReviewSpec } from '../../api/types/index.js';
import { badRequest, invalid, fieldErr } from '../../api/status.js';
import { readBody } from '../http-util.js';
import { writeEncoded } from './shared.js';
import { decodeObjectBody, parseAccept } from '../negotiate.js';
import type { Authenticator, Authorizer, UserInfo } from '../auth/user.js';
import { rfc3339 } from '../../util/time.js';
import type { ApiServerCore } from '../core.js';

function userFromSpec(spec: Record<string, unknown>): UserInfo {
  return {
    username: typeof spec.user === 'string' ? spec.user : '',
    uid: typeof spec.uid === 'string' ? spec.uid : undefined,
    groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [],
  };
}

export async function handleReview(
  _core: ApiServerCore,
  req: IncomingMessage,
  res: ServerResponse,
  def: ResourceDef,
  caller: UserInfo,
  authorizer: Authorizer,
  authenticator: Authenticator,
  namespace: string | undefined,
): Promise<void> {
  const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
  const accept = parseAccept(req.headers.accept);
  const apiVersion = apiVersionOf(def.group, def.version);
  if (body.kind !== undefined && body.kind !== def.kind) throw badRequest(`${String(body.kind)} in version "${def.version}" cannot be handled as a ${def.kind}`);
  const spec = (isPlainObject(body.spec) ? body.spec : {}) as Record<string, unknown>;
  const metadata = { ...(isPlainObject(body.metadata) ? body.metadata : {}), creationTimestamp: null as string | null };
  const out = (status: Record<string, unknown>): void => writeEncoded(res, accept, 201, { kind: def.kind, apiVersion, metadata, spec, status });

  switch (def.kind) {
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const user = def.kind === 'SelfSubjectAccessReview' ? caller : userFromSpec(spec);
      const review: Readonly<Partial<SubjectAccessReviewSpec>> = spec;
      const ra = review.resourceAttributes;
      const nra = review.nonResourceAttributes;
      if (!ra && !nra) throw invalid(def.kind, def.group, '', [fieldErr.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')]);
      if (def.kind === 'LocalSubjectAccessReview' && ra && ra.namespace !== namespace)
        throw invalid(def.kind, def.group, '', [fieldErr.invalid('spec.resourceAttributes.namespace', ra.namespace, 'must match metadata.namespace')]);
      const d = ra
        ? authorizer.authorize({ user, verb: ra.verb ?? '', resourceRequest: true, apiGroup: ra.group ?? '', apiVersion: ra.version, resource: ra.resource, subresource: ra.subresource, namespace: ra.namespace, name: ra.name })
        : authorizer.authorize({ user, verb: nra?.verb ?? '', resourceRequest: false, path: nra?.path ?? '' });
      const status: Record<string, unknown> = { allowed: d.allowed };
      if (d.denied) status.denied = true;
      if (d.reason) status.reason = d.reason;
      return out(status);
    }
    case 'SelfSubjectRulesReview': {
      const ns = typeof spec.namespace === 'string' ? spec.namespace : '';
      return out(authorizer.rulesFor(caller, ns) as unknown as Record<string, unknown>);
    }
    case 'SelfSubjectReview': {
      const userInfo: Record<string, unknown> = { username: caller.username, groups: caller.groups };
      if (caller.uid) userInfo.uid = caller.uid;
      if (caller.extra) userInfo.extra = caller.extra;
      metadata.creationTimestamp = rfc3339();
      writeEncoded(res, accept, 201, { kind: def.kind, apiVersion, metadata, status: { userInfo } });
      return;
    }
    case 'TokenReview': {
      const token = typeof spec.token === 'string' ? spec.token : '';
      if (!token) throw invalid(def.kind, def.group, '', [fieldErr.required('spec.token')]);
      const audiences = Array.isArray(spec.audiences) ? (spec.audiences as unknown[]).filter((a): a is string => typeof a === 'string') : [];
      const u = authenticator.authenticate({ bearerToken: token, audiences });
      if (!u) return out({ authenticated: false, error: 'invalid bearer token' });
      const user: Record<string, unknown> = { username: u.username, groups: u.groups };
      if (u.uid) user.uid = u.uid;
      if (u.extra) user.extra = u.extra;
      return out({ authenticated: true, user, audiences });
    }
  }
  throw badRequest(`unsupported review kind ${def.kind}`);
}
