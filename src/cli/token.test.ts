import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTtl } from './token.js';
import { parseJoinToken, parseBootstrapToken, newBootstrapToken, bootstrapTokenProblem } from '../pki/index.js';

describe('k8ts token', () => {
  it('reads durations as kubeadm does, and refuses others', () => {
    assert.equal(parseTtl('0'), 0);
    assert.equal(parseTtl('90s'), 90_000);
    assert.equal(parseTtl('1h30m'), 5_400_000);
    assert.equal(parseTtl('7d'), 7 * 86_400_000);
    for (const bad of ['', 'soon', '10', '1h x', '-1h', '0h']) assert.throws(() => parseTtl(bad), /--ttl must be a duration/, bad);
  });

  it('bootstrap tokens: shape, join-token form, and the checks against their Secret', () => {
    const t = newBootstrapToken();
    assert.match(`${t.id}.${t.secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.deepEqual(parseBootstrapToken(`${t.id}.${t.secret}`), t);
    assert.deepEqual(parseJoinToken(`K10${'a'.repeat(64)}::${t.id}.${t.secret}`), { caHash: 'a'.repeat(64), credential: `${t.id}.${t.secret}` });
    assert.deepEqual(parseJoinToken(`K10${'a'.repeat(64)}::node:abcdefgh`), { caHash: 'a'.repeat(64), credential: 'node:abcdefgh' });
    const data = { 'token-id': t.id, 'token-secret': t.secret, 'usage-bootstrap-authentication': 'true', expiration: '2030-01-01T00:00:00Z' };
    const type = 'bootstrap.kubernetes.io/token';
    assert.equal(bootstrapTokenProblem(t, type, data, new Date('2029-12-31T23:59:59Z')), undefined);
    assert.match(bootstrapTokenProblem(t, type, data, new Date('2030-01-01T00:00:00Z')) ?? '', /expired at 2030-01-01T00:00:00Z/);
    assert.equal(bootstrapTokenProblem({ ...t, secret: 'x'.repeat(16) }, type, data, new Date(0)), 'unknown token');
    assert.equal(bootstrapTokenProblem(t, 'Opaque', data, new Date(0)), 'unknown token');
    assert.match(bootstrapTokenProblem(t, type, { ...data, 'usage-bootstrap-authentication': 'false' }, new Date(0)) ?? '', /not for authentication/);
    assert.equal(bootstrapTokenProblem(t, type, { ...data, expiration: undefined as unknown as string }, new Date(8e15)), undefined, 'no expiration: valid for ever');
  });
});
