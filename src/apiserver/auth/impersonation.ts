// Impersonation (upstream's WithImpersonation filter): a caller sends Impersonate-User,
// Impersonate-Group (repeatable), Impersonate-Uid and Impersonate-Extra-<key> headers and,
// if the authorizer allows the `impersonate` verb on each of them, the request proceeds as
// that user. What is checked:
//   user          users "<name>" (core group), or serviceaccounts "<name>" in the SA's namespace
//   group         groups "<name>"
//   uid           uids "<uid>" (authentication.k8s.io)
//   extra         userextras/<key> "<value>" (authentication.k8s.io)
// Groups, uid or extra without a user are a bad request. The impersonated user gets
// system:authenticated unless system:unauthenticated was asked for (system:anonymous gets
// system:unauthenticated), and a service account without explicit groups its SA groups.
import { badRequest, forbidden } from '../../api/status.js';
import type { Authorizer, RequestAttributes, UserInfo } from './user.js';
import { parseServiceAccountUsername } from './rbac/rules.js';

const EXTRA_PREFIX = 'impersonate-extra-';

/** Request headers with repeated headers kept apart (IncomingMessage.headersDistinct). */
export type DistinctHeaders = Record<string, string[] | undefined>;

/** True when the request asks for impersonation at all. */
export function wantsImpersonation(headers: DistinctHeaders): boolean {
  for (const k of Object.keys(headers)) if (k.startsWith('impersonate-')) return true;
  return false;
}

/** The user the request acts as; throws Forbidden/BadRequest when it may not. */
export function impersonate(headers: DistinctHeaders, caller: UserInfo, authorizer: Authorizer): UserInfo {
  const list = (k: string): string[] => (headers[k] ?? []).map((v) => v.trim()).filter((v) => v.length > 0);
  const username = list('impersonate-user')[0] ?? '';
  const groups = list('impersonate-group');
  const uid = headers['impersonate-uid'] ? list('impersonate-uid')[0] ?? '' : undefined;
  const extra: Record<string, string[]> = {};
  for (const k of Object.keys(headers)) {
    if (!k.startsWith(EXTRA_PREFIX)) continue;
    extra[decodeURIComponent(k.slice(EXTRA_PREFIX.length)).toLowerCase()] = list(k);
  }
  if (!username) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    return caller;
  }
  const check = (attrs: Omit<RequestAttributes, 'user' | 'verb' | 'resourceRequest'>): void => {
    const a: RequestAttributes = { user: caller, verb: 'impersonate', resourceRequest: true, ...attrs };
    if (authorizer.authorize(a).allowed) return;
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    throw forbidden(
      `${a.resource}${a.apiGroup ? '.' + a.apiGroup : ''} "${a.name}" is forbidden: User "${caller.username}" cannot impersonate resource "${res}" in API group "${a.apiGroup}" ${where}`,
      { group: a.apiGroup ?? '', resource: a.resource ?? '' },
      a.name,
    );
  };
  const sa = parseServiceAccountUsername(username);
  if (sa) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else check({ apiGroup: '', resource: 'users', name: username });
  for (const g of groups) check({ apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, vs] of Object.entries(extra)) for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });

  const outGroups = [...groups];
  if (sa && groups.length === 0) outGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (username === 'system:anonymous') {
    if (!outGroups.includes('system:unauthenticated')) outGroups.push('system:unauthenticated');
  } else if (!outGroups.includes('system:authenticated') && !outGroups.includes('system:unauthenticated')) outGroups.push('system:authenticated');
  const user: UserInfo = { username, groups: outGroups };
  if (uid !== undefined) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
