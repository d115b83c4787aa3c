import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { compareKubeVersions, defaultCrd, resourceDefsOf, validateCrd, type Crd } from './crd-spec.js';
import { acceptNames, setCondition } from './controller.js';
import { loadSchemaLib } from './schema-lib.js';

const SCHEMA = { type: 'object', properties: { spec: { type: 'object' } } };

function crd(over: (o: any) => void = () => {}): KObject {
  const o: any = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', uid: 'u1' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: SCHEMA } }] },
  };
  over(o);
  defaultCrd(o);
  return o;
}

const fields = (o: KObject): string[] => validateCrd(o).map((e) => `${e.field}: ${e.message}`);

before(async () => {
  await loadSchemaLib();
});

describe('CRD validation', () => {
  it('a valid CRD passes and gets upstream defaults', () => {
    const o = crd();
    assert.deepEqual(fields(o), []);
    assert.equal((o.spec as any).names.singular, 'widget');
    assert.equal((o.spec as any).names.listKind, 'WidgetList');
    assert.deepEqual((o.spec as any).conversion, { strategy: 'None' });
  });

  it('name, group, names, scope and versions are checked with upstream paths', () => {
    const f = fields(crd((o) => {
      o.metadata.name = 'other.example.com';
      o.spec.group = 'nodot';
      o.spec.names.plural = 'Widgets';
      o.spec.names.shortNames = ['ok', 'Bad!'];
      o.spec.scope = 'Global';
      o.spec.versions.push({ name: 'v1', served: false, storage: true });
    }));
    assert.ok(f.includes('spec.group: Invalid value: "nodot": should be a domain with at least one dot'), f.join('\n'));
    assert.ok(f.some((x) => x.startsWith('spec.names.plural: Invalid value: "Widgets"')), f.join('\n'));
    assert.ok(f.some((x) => x.startsWith('spec.names.shortNames[1]: Invalid value: "Bad!"')), f.join('\n'));
    assert.ok(f.includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'), f.join('\n'));
    assert.ok(f.includes('spec.versions[1].name: Duplicate value: "v1"'), f.join('\n'));
    assert.ok(f.includes('spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required'), f.join('\n'));
    assert.ok(f.some((x) => x.startsWith('spec.versions: Invalid value: 2: must have exactly one version marked as storage version')), f.join('\n'));
  });

  it('metadata.name must be plural.group; no served version; webhook conversion refused clearly', () => {
    const f = fields(crd((o) => {
      o.metadata.name = 'gadgets.example.com';
      o.spec.versions[0].served = false;
      o.spec.conversion = { strategy: 'Webhook' };
    }));
    assert.ok(f.includes('metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'), f.join('\n'));
    assert.ok(f.some((x) => x.endsWith('must have at least one version marked as served')), f.join('\n'));
    assert.ok(f.includes('spec.conversion.strategy: Forbidden: webhook conversion is not supported by k8ts (no admission webhooks yet)'), f.join('\n'));
  });

  it('printer columns and scale paths', () => {
    const f = fields(crd((o) => {
      o.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'float', jsonPath: 'spec.x' }];
      o.spec.versions[0].subresources = { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '' } };
    }));
    assert.ok(f.some((x) => x.startsWith('spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "float"')), f.join('\n'));
    assert.ok(f.includes('spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .'), f.join('\n'));
    assert.ok(f.includes('spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec.'), f.join('\n'));
    assert.ok(f.includes('spec.versions[0].subresources.scale.statusReplicasPath: Required value'), f.join('\n'));
  });

  it('scope and group are immutable; a stored version may not leave spec.versions', () => {
    const old = crd();
    (old as any).status = { storedVersions: ['v1'] };
    const next = crd((o) => {
      o.spec.scope = 'Cluster';
      o.spec.versions[0].name = 'v2';
    });
    const f = validateCrd(next, old).map((e) => `${e.field}: ${e.message}`);
    assert.ok(f.includes('spec.scope: Invalid value: "Cluster": field is immutable'), f.join('\n'));
    assert.ok(f.some((x) => x.startsWith('status.storedVersions: Invalid value') && x.endsWith('must have the storage version v1 in spec.versions')), f.join('\n'));
  });
});

describe('CRD names and serving', () => {
  const accepted = (o: KObject): Crd => ({ ...(o as Crd), status: { acceptedNames: (o as Crd).spec.names } });

  it('names held by another CRD of the group are refused, one reason per kind of clash', () => {
    const a = accepted(crd());
    const b = crd((o) => {
      o.metadata.name = 'gizmos.example.com';
      o.spec.names = { plural: 'gizmos', singular: 'gizmo', kind: 'Widget' };
    }) as Crd;
    const r = acceptNames(b, [a]);
    assert.equal(r.condition.status, 'False');
    assert.equal(r.condition.reason, 'KindConflict');
    const other = crd((o) => {
      o.metadata.name = 'widgets.other.com';
      o.spec.group = 'other.com';
    }) as Crd;
    assert.equal(acceptNames(other, [a]).condition.reason, 'NoConflicts');
    const builtin = crd((o) => {
      o.metadata.name = 'deployments.apps';
      o.spec.group = 'apps';
      o.spec.names = { plural: 'deployments', kind: 'Deploy2' };
    }) as Crd;
    assert.equal(acceptNames(builtin, []).condition.reason, 'PluralConflict');
  });

  it('conditions keep their transition time while their status holds', () => {
    const c1 = setCondition([], { type: 'Established', status: 'True', reason: 'A', message: 'a' }, 't1');
    const c2 = setCondition(c1, { type: 'Established', status: 'True', reason: 'B', message: 'b' }, 't2');
    assert.equal(c2[0].lastTransitionTime, 't1');
    const c3 = setCondition(c2, { type: 'Established', status: 'False', reason: 'C', message: 'c' }, 't3');
    assert.equal(c3[0].lastTransitionTime, 't3');
  });

  it('one ResourceDef per served version (plus the unserved storage one), with subresources and columns', () => {
    const o = crd((x) => {
      x.spec.versions = [
        { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: SCHEMA }, subresources: { status: {}, scale: { specReplicasPath: '.spec.r', statusReplicasPath: '.status.r' } }, additionalPrinterColumns: [{ name: 'R', type: 'integer', jsonPath: '.spec.r' }] },
        { name: 'v1', served: false, storage: true, schema: { openAPIV3Schema: SCHEMA } },
      ];
    }) as Crd;
    const defs = resourceDefsOf(o, o.spec.names);
    assert.deepEqual(defs.map((d) => [d.version, d.custom!.served]), [['v2', true], ['v1', false]]);
    assert.deepEqual(defs[0].storage, { group: 'example.com', resource: 'widgets', version: 'v1' });
    assert.deepEqual(defs[0].subresources.map((s) => s.name), ['status', 'scale']);
    assert.equal(defs[0].hasStatus, true);
    assert.equal(defs[0].custom!.printerColumns[0].name, 'R');
  });
});

describe('version order', () => {
  it('GA, then beta, then alpha, higher first; other shapes last by name', () => {
    const vs = ['v1alpha1', 'foo', 'v2beta1', 'v1', 'v11alpha2', 'v1beta1', 'v2', 'bar', 'v1beta2'];
    assert.deepEqual(vs.sort(compareKubeVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'bar', 'foo']);
  });
});
