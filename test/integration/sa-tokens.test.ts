// Issue 13, "Authentication gaps": service-account tokens are checked for audience, bound tokens
// die with their pod or service account (also when either is recreated with a new uid), and
// TokenRequest's expirationSeconds is checked and capped as upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../src/testing/test-api.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R } from '../../src/client/resources.js';
import type { KObject } from '../../src/api/types/index.js';
import { apiCode } from '../helpers/api-code.js';

let api: TestApi;
const TOKEN_REVIEWS = { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', namespaced: false, kind: 'TokenReview' } as const;
const ROLE_BINDINGS = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', namespaced: true, kind: 'RoleBinding' } as const;
const clients: RestClient[] = [];

interface TokenRequestOut {
  spec: { expirationSeconds: number; audiences: string[] };
  status: { token: string; expirationTimestamp: string };
}

const request = (spec: Record<string, unknown>, sa = 'robot'): Promise<TokenRequestOut> =>
  api.client.createSubresource<TokenRequestOut>(R.serviceaccounts, 'default', sa, 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec });

/** The HTTP code a GET of the namespace's ConfigMaps answers to the token. */
async function codeWith(token: string): Promise<number> {
  const c = new RestClient({ transport: { kind: 'https', server: api.url, ca: api.server.pki.ca.cert, token }, userAgent: 'test/sa' });
  clients.push(c);
  return apiCode(c.list(R.configmaps, 'default'));
}

const code = apiCode;

const sa = (name: string): KObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
const pod = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });

describe('service-account tokens', { timeout: 60_000 }, () => {
  before(async () => {
    api = await startTestApi({ maxTokenExpirationSeconds: 7200 });
    await api.client.create(R.serviceaccounts, 'default', sa('robot'));
    // RBAC: the service accounts may read the namespace (view), so 200 means "authenticated".
    await api.client.create(ROLE_BINDINGS, 'default', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'sa-tokens-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:default' }],
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await api?.stop();
  });

  it('are accepted only when meant for this server (audience); TokenReview checks the audiences it names', { timeout: 20_000 }, async () => {
    const mine = (await request({})).status.token;
    assert.equal(await codeWith(mine), 200);
    const other = (await request({ audiences: ['vault'] })).status.token;
    assert.equal(await codeWith(other), 401, 'a token for another audience');
    const review = async (token: string, audiences?: string[]): Promise<{ status: { authenticated?: boolean } }> =>
      api.client.create(TOKEN_REVIEWS, undefined, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token, ...(audiences ? { audiences } : {}) } }) as never;
    assert.equal((await review(other, ['vault'])).status.authenticated, true);
    assert.equal((await review(other)).status.authenticated, false);
    assert.equal((await review(mine)).status.authenticated, true);
  });

  it('bound to a pod stop working when the pod is gone or recreated', { timeout: 20_000 }, async () => {
    const p = await api.client.create(R.pods, 'default', pod('bound'));
    const token = (await request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'bound', uid: p.metadata.uid } })).status.token;
    assert.equal(await codeWith(token), 200);
    await api.client.delete(R.pods, 'default', 'bound', { gracePeriodSeconds: 0 });
    assert.equal(await codeWith(token), 401, 'the pod is gone');
    await api.client.create(R.pods, 'default', pod('bound'));
    assert.equal(await codeWith(token), 401, 'a new pod of the same name is another pod');
    assert.equal(await code(request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'bound', uid: p.metadata.uid } })), 409, 'the uid no longer matches');
    assert.equal(await code(request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'missing' } })), 404);
  });

  it('stop working when their service account is gone or recreated', { timeout: 20_000 }, async () => {
    await api.client.create(R.serviceaccounts, 'default', sa('temp'));
    const token = (await request({}, 'temp')).status.token;
    assert.equal(await codeWith(token), 200);
    await api.client.delete(R.serviceaccounts, 'default', 'temp');
    assert.equal(await codeWith(token), 401);
    await api.client.create(R.serviceaccounts, 'default', sa('temp'));
    assert.equal(await codeWith(token), 401, 'a recreated service account has another uid');
  });

  it('expirationSeconds: under 600 s refused, over the server maximum cut to it', { timeout: 20_000 }, async () => {
    assert.equal(await code(request({ expirationSeconds: 599 })), 422);
    assert.equal(await code(request({ expirationSeconds: 2 ** 32 + 1 })), 422);
    const capped = await request({ expirationSeconds: 86_400 });
    assert.equal(capped.spec.expirationSeconds, 7200);
    const left = Date.parse(capped.status.expirationTimestamp) - Date.now();
    assert.ok(left <= 7200_000 && left > 3600_000, `expires in ${left} ms`);
    assert.equal((await request({ expirationSeconds: 600 })).spec.expirationSeconds, 600);
  });
});
