import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiffArg, renderDeleted, renderRevisions, type Revision } from './history.js';

const rev = (rv: string, op: Revision['operation'], o: Partial<Revision> = {}): Revision => ({
  metadata: { name: `web.${rv}`, namespace: 'default', creationTimestamp: '2026-12-06T10:00:00Z' },
  target: { group: 'apps', resource: 'deployments', namespace: 'default', name: 'web' },
  resourceVersion: rv, operation: op, time: '2026-12-06T10:00:00Z', changedPaths: [], object: {}, ...o,
});

describe('k8ts history output', { timeout: 10_000 }, () => {
  it('--diff takes one revision or a range', () => {
    assert.deepEqual(parseDiffArg('12'), { to: '12' });
    assert.deepEqual(parseDiffArg('10..12'), { from: '10', to: '12' });
    assert.throws(() => parseDiffArg('latest'), /--diff takes a revision/);
    assert.throws(() => parseDiffArg('10..'), /--diff takes a revision/);
  });

  it('the revision table: aligned columns, changes only for updates, <unknown> without a user', () => {
    const out = renderRevisions([
      rev('5', 'Create', { user: 'system:admin', managers: ['kubectl-create'] }),
      rev('9', 'Update', { user: 'system:admin', managers: ['kubectl-set'], changedPaths: ['spec.template.spec.containers[0].image'] }),
      rev('11', 'Delete'),
    ]);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^REVISION\s+TIME\s+USER\s+MANAGER\s+OPERATION\s+CHANGES$/);
    assert.match(lines[2], /^9\s+2026-12-06T10:00:00Z\s+system:admin\s+kubectl-set\s+Update\s+spec\.template\.spec\.containers\[0\]\.image$/);
    assert.match(lines[3], /^11\s+\S+\s+<unknown>\s+Delete$/);
    assert.equal(lines[1].indexOf('Create'), lines[2].indexOf('Update'));
  });

  it('the deleted table, with a namespace column across namespaces', () => {
    assert.match(renderDeleted([rev('11', 'Delete', { user: 'alice' })]), /^NAME\s+DELETED AT\s+BY\s+REVISION\nweb\s+\S+\s+alice\s+11\n$/);
    assert.match(renderDeleted([rev('11', 'Delete', { user: 'alice' })], true), /^NAMESPACE\s+NAME\s+DELETED AT\s+BY\s+REVISION\ndefault\s+web\s+/);
  });
});
