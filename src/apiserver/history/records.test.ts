import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bloomMayHave, latestManagers, changedPaths, decodeSegment, encodeSegment, parseSegmentKey, probeKeys, redactSecret, resourceOfKey, segmentBloom, segmentKey, type HistoryRecord } from './records.js';
import { parseHistorySelector, resolveResource, toRevisions } from './serve.js';

describe('history records', { timeout: 10_000 }, () => {
  it('a segment round-trips and its key sorts by first revision', () => {
    const recs: HistoryRecord[] = [
      { k: '/registry/core/configmaps/default/a', rv: 7, op: 'Create', t: 1000, v: '{"data":{"a":"1"}}', u: 'alice', m: ['kubectl-create'] },
      { k: '/registry/core/configmaps/default/a', rv: 12, op: 'Delete', t: 2000, v: '{"data":{"a":"1"}}' },
    ];
    assert.deepEqual(decodeSegment(encodeSegment(recs)), recs);
    assert.deepEqual(decodeSegment('not a segment'), []);
    const key = segmentKey('/k8ts-history/', recs);
    assert.equal(key, '/k8ts-history/00000000000000000007-12-2000');
    assert.deepEqual(parseSegmentKey('/k8ts-history/', key, 5), { key, firstRev: 7, lastRev: 12, lastTime: 2000, bytes: 5 });
    assert.equal(parseSegmentKey('/k8ts-history/', '/k8ts-history/junk', 1), undefined);
  });

  it('a segment\'s bloom filter answers for its keys, namespace dirs and resource dirs', () => {
    const recs: HistoryRecord[] = Array.from({ length: 200 }, (_, i) => ({ k: `/registry/core/configmaps/ns${i % 5}/cm${i}`, rv: i + 1, op: 'Update', t: i, v: '{}' }));
    recs.push({ k: '/registry/core/nodes/n1', rv: 500, op: 'Update', t: 500, v: '{}' });
    const bloom = segmentBloom(encodeSegment(recs))!;
    for (const r of recs) for (const p of probeKeys(r.k)) assert.ok(bloomMayHave(bloom, p), p);
    assert.deepEqual(probeKeys('/registry/core/nodes/n1'), ['/registry/core/nodes/n1', '/registry/core/nodes', '/registry/core/nodes']);
    let falsePositives = 0;
    for (let i = 0; i < 1000; i++) if (bloomMayHave(bloom, `/registry/apps/deployments/other/d${i}`)) falsePositives++;
    assert.ok(falsePositives < 50, `${falsePositives} false positives of 1000`);
  });

  it('changed paths leave out server-kept metadata and cap the list', () => {
    const a = { metadata: { resourceVersion: '1', generation: 1, labels: { x: 'a' } }, spec: { template: { spec: { containers: [{ image: 'nginx:1.27' }] } } } };
    const b = { metadata: { resourceVersion: '2', generation: 2, labels: { x: 'a', y: 'b' } }, spec: { template: { spec: { containers: [{ image: 'nginx:1.28' }] } } } };
    assert.deepEqual(changedPaths(a, b), ['metadata.labels.y', 'spec.template.spec.containers[0].image']);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    assert.equal(changedPaths({ data: {} }, { data: many }, 3).length, 4);
    assert.equal(changedPaths({ data: {} }, { data: many }, 3).at(-1), '…');
  });

  it('without a writer, the managers of the newest managedFields entries', () => {
    const v = JSON.stringify({ metadata: { managedFields: [{ manager: 'kubectl-create', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { manager: 'kubectl-set', operation: 'Update', time: '2026-12-06T11:00:00Z' }] } });
    assert.deepEqual(latestManagers(v), ['kubectl-set']);
    assert.deepEqual(latestManagers('{}'), []);
    assert.deepEqual(latestManagers('not json'), []);
  });

  it('secrets are kept without their values', () => {
    const v = redactSecret(JSON.stringify({ metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' }, stringData: { t: 'x' } }));
    assert.doesNotMatch(v, /aHVudGVyMg|"x"/);
    assert.deepEqual(JSON.parse(v).data, { password: '<redacted>' });
  });

  it('keys map to resources', () => {
    assert.equal(resourceOfKey('/registry/core/pods/default/p'), 'pods');
    assert.equal(resourceOfKey('/registry/coordination.k8s.io/leases/kube-node-lease/n'), 'leases.coordination.k8s.io');
    assert.equal(resourceOfKey('/k8ts-history/x'), undefined);
  });

  it('field selectors and kubectl-style resource names', () => {
    assert.deepEqual(parseHistorySelector('resource=deploy,name=web'), { resource: 'deploy', name: 'web', deleted: false });
    assert.deepEqual(parseHistorySelector('resource=pods,deleted=true'), { resource: 'pods', name: undefined, deleted: true });
    assert.throws(() => parseHistorySelector('name=web'), /resource=/);
    assert.throws(() => parseHistorySelector('resource=pods'), /name=/);
    assert.throws(() => parseHistorySelector('resource=pods,owner=x'), /not a known field selector/);
    for (const t of ['deploy', 'deployments', 'deployments.apps', 'Deployment', 'deployment']) assert.equal(resolveResource(t).plural, 'deployments', t);
    assert.equal(resolveResource('cm').plural, 'configmaps');
    assert.throws(() => resolveResource('flurbs'), /doesn't have a resource type "flurbs"/);
  });

  it('revisions carry changed paths against the previous revision of the same object', () => {
    const def = resolveResource('cm');
    const k = '/registry/core/configmaps/default/a';
    const items = toRevisions(def, [
      { k, rv: 5, op: 'Create', t: 0, v: JSON.stringify({ metadata: { name: 'a', namespace: 'default' }, data: { x: '1' } }), u: 'alice' },
      { k, rv: 9, op: 'Update', t: 1, v: JSON.stringify({ metadata: { name: 'a', namespace: 'default' }, data: { x: '2' } }), u: 'bob', m: ['kubectl-edit'] },
    ]) as Array<Record<string, unknown>>;
    assert.equal(items.length, 2);
    assert.deepEqual(items[1].changedPaths, ['data.x']);
    assert.equal(items[1].user, 'bob');
    assert.deepEqual(items[1].managers, ['kubectl-edit']);
    assert.equal((items[1].object as { metadata: { resourceVersion: string } }).metadata.resourceVersion, '9');
    assert.equal((items[0].metadata as { name: string }).name, 'a.5');
  });
});
