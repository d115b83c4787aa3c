import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../../testing/test-api.js';
import { systemContext } from '../../context.js';
import { reconcileDefaultPolicy } from './reconcile.js';
import type { KObject } from '../../../api/types/index.js';

test('default policy: a second reconciliation writes nothing; edits are repaired, autoupdate=false is kept', { timeout: 60_000 }, async () => {
  const api = await startTestApi();
  try {
    const core = api.server.core;
    const store = (g: string, p: string) => core.store(g, p);
    const G = 'rbac.authorization.k8s.io';
    const rev = (): number => core.store(G, 'clusterroles').cache.cacheRevision + core.store(G, 'clusterrolebindings').cache.cacheRevision;
    const before = rev();
    await reconcileDefaultPolicy(store, systemContext());
    assert.equal(rev(), before, 'reconciling an up-to-date policy must not write');

    const ctx = systemContext();
    const crb = core.store(G, 'clusterrolebindings');
    await crb.update(undefined, 'cluster-admin', (cur) => ({ ...cur, subjects: [] }) as KObject, ctx);
    const roles = core.store(G, 'clusterroles');
    await roles.update(undefined, 'system:discovery', (cur) => ({ ...cur, metadata: { ...cur.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] }) as KObject, ctx);
    await reconcileDefaultPolicy(store, systemContext());
    assert.deepEqual(crb.get(undefined, 'cluster-admin').obj.subjects, [{ apiGroup: G, kind: 'Group', name: 'system:masters' }]);
    assert.deepEqual(roles.get(undefined, 'system:discovery').obj.rules, [], 'autoupdate=false leaves the role alone');
    const admin = roles.get(undefined, 'admin').obj as KObject & { rules: Array<{ resources?: string[] }> };
    assert.ok(admin.rules.some((r) => r.resources?.includes('rolebindings')), 'admin aggregated at start');
    assert.ok(admin.rules.some((r) => r.resources?.includes('pods/log')), 'admin includes view through edit');
  } finally {
    await api.stop();
  }
});
