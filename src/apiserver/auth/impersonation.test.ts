import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authorizer, RequestAttributes, UserInfo } from './user.js';
import { impersonate, wantsImpersonation } from './impersonation.js';
import { isStatusError } from '../../api/status.js';

/** Allows `impersonate` only on the listed "resource/name" pairs, recording every check. */
function authz(allowed: string[]): Authorizer & { seen: RequestAttributes[] } {
  const seen: RequestAttributes[] = [];
  return {
    seen,
    authorize: (a) => {
      seen.push(a);
      const key = `${a.apiGroup ? a.apiGroup + ':' : ''}${a.resource}${a.subresource ? '/' + a.subresource : ''}${a.namespace ? '@' + a.namespace : ''}/${a.name}`;
      return { allowed: a.verb === 'impersonate' && allowed.includes(key), reason: '' };
    },
    rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
  };
}

const caller: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

test('no impersonation headers: the caller acts as themselves', () => {
  assert.equal(wantsImpersonation({ accept: ['*/*'] }), false);
  assert.equal(impersonate({}, caller, authz([])), caller);
});

test('impersonating a user needs impersonate on users/<name>; the result is authenticated', () => {
  assert.throws(() => impersonate({ 'impersonate-user': ['jane'] }, caller, authz([])), (e) => {
    assert.ok(isStatusError(e) && e.code === 403);
    assert.equal(e.message, 'users "jane" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    return true;
  });
  const u = impersonate({ 'impersonate-user': ['jane'] }, caller, authz(['users/jane']));
  assert.deepEqual(u, { username: 'jane', groups: ['system:authenticated'] });
});

test('groups, uid and extras are each checked', () => {
  const h = { 'impersonate-user': ['jane'], 'impersonate-group': ['devs', 'ops'], 'impersonate-uid': ['u-1'], 'impersonate-extra-scopes': ['read', 'write'] };
  const ok = authz(['users/jane', 'groups/devs', 'groups/ops', 'authentication.k8s.io:uids/u-1', 'authentication.k8s.io:userextras/scopes/read', 'authentication.k8s.io:userextras/scopes/write']);
  assert.deepEqual(impersonate(h, caller, ok), { username: 'jane', groups: ['devs', 'ops', 'system:authenticated'], uid: 'u-1', extra: { scopes: ['read', 'write'] } });
  assert.throws(() => impersonate(h, caller, authz(['users/jane', 'groups/devs'])), (e) => isStatusError(e) && e.code === 403 && /groups "ops"/.test(e.message));
});

test('a service account is checked as serviceaccounts in its namespace and gets its groups', () => {
  const a = authz(['serviceaccounts@ns1/robot']);
  const u = impersonate({ 'impersonate-user': ['system:serviceaccount:ns1:robot'] }, caller, a);
  assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
  assert.equal(a.seen[0].resource, 'serviceaccounts');
  assert.equal(a.seen[0].namespace, 'ns1');
});

test('groups without a user are a bad request', () => {
  assert.throws(() => impersonate({ 'impersonate-group': ['devs'] }, caller, authz(['groups/devs'])), (e) => isStatusError(e) && e.code === 400);
});
