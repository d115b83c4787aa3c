// Issue 13: every built-in controller and the scheduler act as their own identity under the
// default RBAC policy (system:serviceaccount:kube-system:<sa>, system:kube-scheduler), not as
// the loopback system:masters user. Driven by the real kubectl against a simulated-runtime
// server: a controller refused by its role reports the refusal with its own user name, and
// the controllers' ordinary writes (rollout, scheduling, quota status, namespace deletion,
// StatefulSet claims, local-path volumes) succeed under upstream's roles.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, eventually, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated', '-v', '4'] }); // -v 4: a controller's first failed attempts are logged too
}, { timeout: 60_000 });

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await c.k([...args, '-o', 'json'])) as T;

interface Rule { verbs: string[]; apiGroups?: string[]; resources?: string[] }
interface Cond { type: string; status: string; message?: string }

describe('controllers under their own roles', () => {
  it('a ReplicaSet controller without "create pods" is refused as system:serviceaccount:kube-system:replicaset-controller, and works once the role grants it again', { timeout: 90_000 }, async () => {
    const role = 'system:controller:replicaset-controller';
    const original = (await json<{ rules: Rule[] }>(['get', 'clusterrole', role])).rules;
    const withoutCreate = original.map((r) => (r.resources?.includes('pods') ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') } : r));
    assert.notDeepEqual(withoutCreate, original, 'the default role grants create on pods');
    await c.k(['patch', 'clusterrole', role, '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/rules', value: withoutCreate }])]);
    await c.k(['create', 'namespace', 'ident']);
    await c.k(['apply', '-f', '-'], {
      input: `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1, namespace: ident}
spec:
  replicas: 1
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
`,
    });
    const failure = await eventually(async () => {
      const rs = await json<{ status?: { conditions?: Cond[] } }>(['-n', 'ident', 'get', 'replicaset', 'rs1']);
      return rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
    }, 30_000);
    assert.match(failure.message ?? '', /User "system:serviceaccount:kube-system:replicaset-controller" cannot create resource "pods" in API group "" in the namespace "ident"/);
    assert.equal((await c.k(['-n', 'ident', 'get', 'pods', '-l', 'app=rs1', '-o', 'name'])).trim(), '');

    await c.k(['patch', 'clusterrole', role, '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/rules', value: original }])]);
    await eventually(async () => (await c.k(['-n', 'ident', 'get', 'pods', '-l', 'app=rs1', '-o', 'name'])).trim() !== '', 60_000, 500);
  });

  it('kube-system service accounts of the controllers hold their upstream rights and no more', { timeout: 60_000 }, async () => {
    const can = async (user: string, args: string[]): Promise<string> => (await c.kubectl(['auth', 'can-i', '--as', user, ...args])).stdout.trim();
    const sa = (n: string): string => `system:serviceaccount:kube-system:${n}`;
    assert.equal(await can(sa('replicaset-controller'), ['create', 'pods', '-n', 'x']), 'yes');
    assert.equal(await can(sa('replicaset-controller'), ['get', 'secrets', '-n', 'x']), 'no');
    assert.equal(await can(sa('job-controller'), ['delete', 'jobs', '-n', 'x']), 'yes');
    assert.equal(await can(sa('job-controller'), ['create', 'deployments', '-n', 'x']), 'no');
    assert.equal(await can(sa('resourcequota-controller'), ['update', 'resourcequotas', '--subresource', 'status', '-n', 'x']), 'yes');
    assert.equal(await can(sa('local-path-provisioner'), ['create', 'persistentvolumes']), 'yes');
    assert.equal(await can(sa('local-path-provisioner'), ['delete', 'nodes']), 'no');
    assert.equal(await can('system:kube-scheduler', ['create', 'pods', '--subresource', 'binding', '-n', 'x']), 'yes');
    assert.equal(await can('system:kube-scheduler', ['create', 'pods', '-n', 'x']), 'no');
  });

  it('rollout, scheduling, quota status, StatefulSet claims and namespace deletion work under the default roles', { timeout: 120_000 }, async () => {
    const logFrom = c.log().length;
    await c.k(['create', 'namespace', 'work']);
    await c.k(['apply', '-f', '-'], {
      input: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: work}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: work}
spec: {hard: {pods: "10"}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: work}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
`,
    });
    // Deployment controller (revision annotation, status), ReplicaSet controller, scheduler (binding).
    await eventually(async () => {
      const d = await json<{ metadata: { annotations?: Record<string, string> }; status?: { readyReplicas?: number } }>(['-n', 'work', 'get', 'deployment', 'web']);
      return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1' && d.status?.readyReplicas === 2;
    }, 60_000, 500);
    const pods = await json<{ items: Array<{ spec: { nodeName?: string } }> }>(['-n', 'work', 'get', 'pods', '-l', 'app=web']);
    assert.ok(pods.items.every((p) => p.spec.nodeName), 'the scheduler bound every pod');
    // ResourceQuota controller.
    await eventually(async () => Number((await json<{ status?: { used?: Record<string, string> } }>(['-n', 'work', 'get', 'resourcequota', 'q'])).status?.used?.pods ?? 0) >= 2, 30_000, 500);
    // StatefulSet controller (claim with owner reference), local-path provisioner, PV binder.
    await eventually(async () => {
      const pvc = await json<{ metadata: { ownerReferences?: Array<{ kind: string }> }; status?: { phase?: string } }>(['-n', 'work', 'get', 'pvc', 'data-db-0']).catch(() => undefined);
      return pvc?.status?.phase === 'Bound' && pvc.metadata.ownerReferences?.some((o) => o.kind === 'StatefulSet');
    }, 60_000, 500);
    // Namespace controller (deletes the contents, then its finalizer).
    await c.k(['delete', 'namespace', 'work', '--wait=false']);
    await eventually(async () => (await c.kubectl(['get', 'namespace', 'work'])).code !== 0, 60_000, 500);
    // No controller was refused anything meanwhile (controllers log failed writes).
    assert.doesNotMatch(c.log().slice(logFrom), /User "system:(serviceaccount:kube-system:[^"]+|kube-scheduler)" cannot/);
  });
});
