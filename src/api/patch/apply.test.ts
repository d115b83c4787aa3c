import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverSideApply } from './apply.js';
import { computeManagedFieldsForUpdate } from './managed-fields.js';
import { patchSchemaFor } from './builtin-schemas.js';
import { FieldSet, pathToString } from './field-set.js';
import { StatusError } from '../status.js';
import type { KObject, ManagedFieldsEntry } from '../types/index.js';

const schema = patchSchemaFor('apps', 'Deployment');
const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';
const T2 = '2024-01-01T00:02:00Z';

function config(replicas: number, image = 'nginx:1.16.1', extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-dep', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }], ...extra }] } },
    },
  };
}

const applyOpts = (force = false, now = T1) => ({ manager: 'kubectl', force, apiVersion: 'apps/v1', now });

function ownerPaths(entries: readonly ManagedFieldsEntry[] | undefined, manager: string): string[] {
  const e = (entries ?? []).find((m) => m.manager === manager);
  return e ? FieldSet.fromFieldsV1(e.fieldsV1).paths().map(pathToString) : [];
}

function created(manager: string): KObject {
  const obj = config(3);
  const mf = computeManagedFieldsForUpdate(undefined, obj, undefined, { manager, apiVersion: 'apps/v1', now: T0, schema });
  return { ...obj, metadata: { ...obj.metadata, uid: 'u1', resourceVersion: '7', managedFields: mf } };
}

test('create records one Update entry owning every set field, none of the untracked ones', () => {
  const obj = created('kubectl-create');
  const mf = obj.metadata.managedFields ?? [];
  assert.equal(mf.length, 1);
  assert.deepEqual({ ...mf[0], fieldsV1: undefined }, { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: undefined });
  const paths = ownerPaths(mf, 'kubectl-create');
  assert.ok(paths.includes('.spec.replicas'));
  assert.ok(paths.includes('.spec.selector'), 'LabelSelector is atomic');
  assert.ok(paths.includes('.spec.template.spec.containers[name="nginx"]'));
  assert.ok(paths.includes('.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort'));
  for (const p of paths) assert.ok(!/^\.(apiVersion|kind)$|metadata\.(name|namespace|uid|resourceVersion)$/.test(p), p);
  assert.ok(!paths.includes('.spec') && !paths.includes('.metadata'));
});

test('SSA over a client-side-applied object conflicts on replicas in upstream form', () => {
  const live = created('kubectl-client-side-apply');
  assert.throws(() => serverSideApply(live, config(2), applyOpts(), schema), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.status.code, 409);
    assert.equal(e.status.reason, 'Conflict');
    assert.equal(e.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    assert.deepEqual(e.status.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] });
    return true;
  });
});

test('same values co-own without conflict; force moves ownership', () => {
  const live = created('kubectl-client-side-apply');
  const same = serverSideApply(live, config(3), applyOpts(), schema);
  assert.equal(same.object.spec && (same.object.spec as { replicas: number }).replicas, 3);
  assert.ok(ownerPaths(same.object.metadata.managedFields, 'kubectl').includes('.spec.replicas'));
  assert.ok(ownerPaths(same.object.metadata.managedFields, 'kubectl-client-side-apply').includes('.spec.replicas'));

  const forced = serverSideApply(live, config(2, 'nginx:1.14.2'), applyOpts(true), schema);
  const spec = forced.object.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
  assert.equal(spec.replicas, 2);
  assert.equal(spec.template.spec.containers[0].image, 'nginx:1.14.2');
  const mf = forced.object.metadata.managedFields ?? [];
  assert.equal(mf[0].manager, 'kubectl', 'Apply entries sort first');
  assert.equal(mf[0].operation, 'Apply');
  assert.equal(mf[0].apiVersion, 'apps/v1');
  assert.equal(mf[0].time, T1);
  const csa = ownerPaths(mf, 'kubectl-client-side-apply');
  assert.ok(!csa.includes('.spec.replicas'));
  assert.ok(!csa.includes('.spec.template.spec.containers[name="nginx"].image'));
  assert.ok(csa.includes('.spec.template.spec.containers[name="nginx"].name'));
  assert.equal(forced.object.metadata.uid, 'u1');
});

test('several conflicts are grouped by manager', () => {
  const live = created('kubectl-client-side-apply');
  assert.throws(() => serverSideApply(live, config(2, 'other'), applyOpts(), schema), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.status.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
    assert.equal(e.status.details?.causes?.length, 2);
    return true;
  });
});

test('apply creates; re-apply without a field removes it; co-owned fields survive', () => {
  const first = serverSideApply(undefined, config(3, 'nginx:1', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }), applyOpts(false, T0), schema);
  const mf = first.object.metadata.managedFields ?? [];
  assert.equal(mf.length, 1);
  assert.deepEqual(Object.keys(mf[0]), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  assert.ok(ownerPaths(mf, 'kubectl').includes('.spec.template.spec.containers[name="nginx"].env[name="B"].value'));
  assert.ok(!ownerPaths(mf, 'kubectl').includes('.metadata.name'));

  // Another manager takes co-ownership of A's value via an update that does not change it... and adds a label.
  const labelled: KObject = { ...first.object, metadata: { ...first.object.metadata, labels: { app: 'nginx', team: 'x' } } };
  const mf2 = computeManagedFieldsForUpdate(first.object, labelled, first.object.metadata.managedFields, { manager: 'kubectl-label', apiVersion: 'apps/v1', now: T1, schema });
  const live: KObject = { ...labelled, metadata: { ...labelled.metadata, managedFields: mf2 } };
  assert.deepEqual(ownerPaths(mf2, 'kubectl-label'), ['.metadata.labels.team']);

  // Re-apply without env B and without spec.replicas.
  const cfg = config(3, 'nginx:1', { env: [{ name: 'A', value: '1' }] });
  delete (cfg.spec as { replicas?: number }).replicas;
  const second = serverSideApply(live, cfg, applyOpts(false, T2), schema);
  const spec = second.object.spec as { replicas?: number; template: { spec: { containers: { env: unknown[] }[] } } };
  assert.equal(spec.replicas, undefined);
  assert.deepEqual(spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  assert.deepEqual(second.object.metadata.labels, { app: 'nginx', team: 'x' }, 'label owned by another manager is kept');
  assert.ok(second.changed);
});

test('a field still owned by another manager is not pruned', () => {
  const first = serverSideApply(undefined, config(3), { ...applyOpts(false, T0), manager: 'a' }, schema);
  const both = serverSideApply(first.object, config(3), { ...applyOpts(false, T1), manager: 'b' }, schema);
  const cfg = config(3);
  delete (cfg.spec as { replicas?: number }).replicas;
  const out = serverSideApply(both.object, cfg, { ...applyOpts(false, T2), manager: 'a' }, schema);
  assert.equal((out.object.spec as { replicas: number }).replicas, 3);
  assert.ok(!ownerPaths(out.object.metadata.managedFields, 'a').includes('.spec.replicas'));
  assert.ok(ownerPaths(out.object.metadata.managedFields, 'b').includes('.spec.replicas'));
});

test('re-applying an identical configuration changes nothing', () => {
  const first = serverSideApply(undefined, config(3), applyOpts(false, T0), schema);
  const again = serverSideApply(first.object, config(3), applyOpts(false, T2), schema);
  assert.equal(again.changed, false);
  assert.deepEqual(again.object, first.object);
});

test('list-map items from the live object keep their place; applied order wins for shared items', () => {
  const live = serverSideApply(undefined, config(1), { ...applyOpts(false, T0), manager: 'a' }, schema).object;
  const withSidecar = { ...config(1), spec: { ...(config(1).spec as object), template: { spec: { containers: [{ name: 'sidecar', image: 's' }] } } } } as KObject;
  const out = serverSideApply(live, withSidecar, { ...applyOpts(false, T1), manager: 'b' }, schema).object;
  const names = ((out.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers).map((c) => c.name);
  assert.deepEqual(names, ['nginx', 'sidecar']);
});

test('status is neither set nor owned on the main resource of kinds with a status subresource', () => {
  const cfg = { ...config(1), status: { replicas: 99 } };
  const out = serverSideApply(undefined, cfg, { ...applyOpts(), statusSubresource: true }, schema).object;
  assert.equal(out.status, undefined);
  assert.ok(!ownerPaths(out.metadata.managedFields, 'kubectl').some((p) => p.startsWith('.status')));
});

test('managedFields in an apply configuration are rejected', () => {
  const cfg = config(1);
  cfg.metadata.managedFields = [{ manager: 'x', operation: 'Apply' }];
  assert.throws(() => serverSideApply(undefined, cfg, applyOpts(), schema), (e: unknown) => e instanceof StatusError && e.status.code === 400);
});

test('Update entries: removed fields leave every owner, unchanged writes keep time, reset marker clears', () => {
  const live = created('kubectl-create');
  // kubectl scale through the scale subresource: spec.replicas moves to a subresource entry.
  const scaled: KObject = { ...live, spec: { ...(live.spec as object), replicas: 10 } };
  const mf = computeManagedFieldsForUpdate(live, scaled, live.metadata.managedFields, { manager: 'kubectl', apiVersion: 'apps/v1', now: T1, subresource: 'scale', schema });
  assert.deepEqual(ownerPaths(mf, 'kubectl'), ['.spec.replicas']);
  assert.equal(mf.find((m) => m.manager === 'kubectl')?.subresource, 'scale');
  assert.ok(!ownerPaths(mf, 'kubectl-create').includes('.spec.replicas'));

  // A no-op update by the same manager leaves entries untouched.
  const again = computeManagedFieldsForUpdate(live, live, live.metadata.managedFields, { manager: 'kubectl-create', apiVersion: 'apps/v1', now: T2, schema });
  assert.deepEqual(again, live.metadata.managedFields);

  // Removing the labels map drops those fields from the owner.
  const unlabelled: KObject = { ...live, metadata: { ...live.metadata } };
  delete unlabelled.metadata.labels;
  const mf3 = computeManagedFieldsForUpdate(live, unlabelled, live.metadata.managedFields, { manager: 'other', apiVersion: 'apps/v1', now: T2, schema });
  assert.ok(!ownerPaths(mf3, 'kubectl-create').some((p) => p.startsWith('.metadata.labels')));
  assert.equal(mf3.some((m) => m.manager === 'other'), false, 'pure removals create no entry');

  const reset: KObject = { ...live, metadata: { ...live.metadata, managedFields: [{}] } };
  assert.deepEqual(computeManagedFieldsForUpdate(live, reset, live.metadata.managedFields, { manager: 'x', apiVersion: 'apps/v1', now: T2, schema }), []);
});

test('status subresource writes own only status', () => {
  const live = created('kubectl-create');
  const next: KObject = { ...live, status: { replicas: 3, conditions: [{ type: 'Available', status: 'True' }] } };
  const mf = computeManagedFieldsForUpdate(live, next, live.metadata.managedFields, { manager: 'k3s', apiVersion: 'apps/v1', now: T1, subresource: 'status', statusSubresource: true, schema });
  assert.ok(ownerPaths(mf, 'k3s').includes('.status.replicas'));
  assert.ok(ownerPaths(mf, 'k3s').includes('.status.conditions[type="Available"].status'));
  assert.ok(ownerPaths(mf, 'k3s').every((p) => p.startsWith('.status')));
});
