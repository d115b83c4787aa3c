import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { patchSchemaFor } from './builtin-schemas.js';
import { PatchError } from './patch-error.js';

const deploySchema = patchSchemaFor('apps', 'Deployment');

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function deployment(): Record<string, unknown> {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-dep', labels: { app: 'nginx', tier: 'web' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 3,
      paused: true,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.14.2',
              args: ['a', 'b'],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            },
            { name: 'sidecar', image: 'busybox' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  });
}

const smp = (patch: unknown, doc = deployment()): unknown => applyStrategicMergePatch(doc, patch, deploySchema);

/** Value at a dotted path; numeric segments index arrays. */
function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

const names = (list: unknown): string[] => (list as { name: string }[]).map((c) => c.name);

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PatchError, String(e));
    return e.kind;
  }
  return 'no error';
}

test('kubectl set image merges the container by name and keeps the rest', () => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.25', name: 'nginx' }] } } } });
  assert.deepEqual(at(out, 'spec.template.spec.containers'), [
    { name: 'nginx', image: 'nginx:1.25', args: ['a', 'b'], ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  assert.equal(at(out, 'spec.replicas'), 3);
});

test('the observed kubectl set image patch (order lists only one container) keeps the other one', () => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.25', name: 'nginx' }] } } } });
  assert.deepEqual((at(out, 'spec.template.spec.containers') as { name: string; image: string }[]).map((c) => `${c.name}=${c.image}`), ['nginx=nginx:1.25', 'sidecar=busybox']);
});

test('rollout restart adds a template annotation; pause/resume sets and deletes paused', () => {
  const out = smp({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } } });
  assert.deepEqual(at(out, 'spec.template.metadata'), { labels: { app: 'nginx' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } });
  const resumed = smp({ spec: { paused: null } });
  assert.equal(Object.prototype.hasOwnProperty.call(at(resumed, 'spec'), 'paused'), false);
  assert.equal(at(smp({ spec: { paused: false } }), 'spec.paused'), false);
});

test('kubectl apply 3-way patch: replicas, label removal, env var deletion', () => {
  const out = smp({
    metadata: { labels: { tier: null } },
    spec: {
      replicas: 5,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
          containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], name: 'nginx' }],
        },
      },
    },
  });
  assert.deepEqual(at(out, 'metadata.labels'), { app: 'nginx' });
  assert.equal(at(out, 'spec.replicas'), 5);
  assert.deepEqual(at(out, 'spec.template.spec.containers.0.env'), [{ name: 'A', value: '1' }]);
  assert.equal(at(out, 'spec.template.spec.containers.0.image'), 'nginx:1.14.2');
});

test('kubectl apply 3-way patch changing a container port', () => {
  const out = smp({
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
          containers: [{ '$setElementOrder/ports': [{ containerPort: 8080 }], name: 'nginx', ports: [{ containerPort: 8080 }, { $patch: 'delete', containerPort: 80 }] }],
        },
      },
    },
  });
  assert.deepEqual(at(out, 'spec.template.spec.containers.0.ports'), [{ containerPort: 8080 }]);
});

test('$setElementOrder reorders and places new items; without it new items go first', () => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'new' }, { name: 'sidecar' }, { name: 'nginx' }], containers: [{ name: 'new', image: 'x' }] } } } });
  assert.deepEqual(names(at(out, 'spec.template.spec.containers')), ['new', 'sidecar', 'nginx']);
  const appended = smp({ spec: { template: { spec: { containers: [{ name: 'new', image: 'x' }] } } } });
  // Upstream's mergeSortedSlice puts a patch item whose position is unknown before server-only items.
  assert.deepEqual(names(at(appended, 'spec.template.spec.containers')), ['new', 'nginx', 'sidecar']);
});

test('non-merge lists are replaced wholesale', () => {
  const out = smp({ spec: { template: { spec: { containers: [{ name: 'nginx', args: ['c'] }] } } } });
  assert.deepEqual(at(out, 'spec.template.spec.containers.0.args'), ['c']);
  assert.deepEqual(names(at(out, 'spec.template.spec.containers')), ['nginx', 'sidecar']);
});

test('$patch: replace on a list and on a map; $patch: delete on a map', () => {
  const list = smp({ spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } });
  assert.deepEqual(at(list, 'spec.template.spec.containers'), [{ name: 'only', image: 'x' }]);
  const map = smp({ spec: { selector: { $patch: 'replace', matchLabels: { app: 'other' } } } });
  assert.deepEqual(at(map, 'spec.selector'), { matchLabels: { app: 'other' } });
  const mapMerged = smp({ spec: { template: { metadata: { labels: { x: 'y' } } } } });
  assert.deepEqual(at(mapMerged, 'spec.template.metadata.labels'), { app: 'nginx', x: 'y' });
  const deleted = smp({ spec: { strategy: { $patch: 'delete' } } });
  assert.deepEqual(at(deleted, 'spec.strategy'), {});
});

test('$retainKeys clears unlisted keys (Deployment strategy switch to Recreate)', () => {
  const out = smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
  assert.deepEqual(at(out, 'spec.strategy'), { type: 'Recreate' });
  const vol = smp({ spec: { template: { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] } } } });
  assert.deepEqual(at(vol, 'spec.template.spec.volumes'), [{ name: 'data', hostPath: { path: '/x' } }]);
  assert.equal(kindOf(() => smp({ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } })), 'malformed');
});

test('finalizers: primitive merge list unions, $deleteFromPrimitiveList removes', () => {
  assert.deepEqual(at(smp({ metadata: { finalizers: ['b', 'c'] } }), 'metadata.finalizers'), ['a', 'b', 'c']);
  assert.deepEqual(at(smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), 'metadata.finalizers'), ['b']);
  const both = smp({ metadata: { '$setElementOrder/finalizers': ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } });
  assert.deepEqual(at(both, 'metadata.finalizers'), ['b', 'c']);
});

test('pod template paths apply to CronJob jobTemplate', () => {
  const cj = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } } } } } };
  const out = applyStrategicMergePatch(cj, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } } } }, patchSchemaFor('batch', 'CronJob')) as typeof cj;
  assert.deepEqual(at(out, 'spec.jobTemplate.spec.template.spec.containers'), [{ name: 'a', image: '1' }, { name: 'b', image: '2' }]);
});

test('service ports merge by port', () => {
  const svc = { spec: { ports: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 443 }] } };
  const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 8080 }] } }, patchSchemaFor('', 'Service')) as typeof svc;
  assert.deepEqual(at(out, 'spec.ports'), [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 443 }]);
});

test('directives inside values new to the object are resolved, not stored', () => {
  const doc = { spec: {} };
  const out = applyStrategicMergePatch(doc, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', image: 'x' }, { name: 'z', $patch: 'delete' }] } } } }, deploySchema);
  assert.deepEqual(out, { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } });
});

test('errors: unknown directives, bad $patch values, merge directive in lists, missing merge key', () => {
  assert.equal(kindOf(() => smp({ spec: { $bogus: 1 } })), 'malformed');
  assert.equal(kindOf(() => smp({ spec: { strategy: { $patch: 'frob' } } })), 'internal');
  assert.equal(kindOf(() => smp({ spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } })), 'internal');
  assert.equal(kindOf(() => smp({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } })), 'internal');
  assert.equal(kindOf(() => smp({ spec: { template: { spec: { '$setElementOrder/containers': {} } } } })), 'malformed');
  assert.equal(kindOf(() => applyStrategicMergePatch([], {}, deploySchema)), 'malformed');
});
