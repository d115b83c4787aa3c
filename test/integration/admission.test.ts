// Admission under the default policy, driven by the real kubectl against a simulated-runtime
// server: PodSecurity (baseline enforced, restricted warned, namespace labels, workload
// templates), LimitRanger defaults and bounds, ResourceQuota refusals and status.used, and the
// ServiceAccount token volume.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, eventually, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated'] });
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

function podYaml(name: string, ns: string, spec: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${spec}`;
}

const PRIVILEGED = `  containers:
  - name: c
    image: busybox:1.36
    securityContext:
      privileged: true
`;
const HOST_PATH_ROOT = `  containers:
  - name: c
    image: busybox:1.36
    volumeMounts:
    - name: root
      mountPath: /host
  volumes:
  - name: root
    hostPath:
      path: /
`;
const HOST_NETWORK = `  hostNetwork: true
  containers:
  - name: c
    image: busybox:1.36
`;
const PLAIN = `  containers:
  - name: nginx
    image: nginx:1.14-alpine
`;
const RESTRICTED_OK = `  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: c
    image: busybox:1.36
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
`;

describe('PodSecurity', () => {
  it('rejects a privileged, a hostPath / and a hostNetwork pod in the default namespace', { timeout: 60_000 }, async () => {
    const cases: Array<[string, string, string]> = [
      ['priv', PRIVILEGED, 'privileged (container "c" must not set securityContext.privileged=true)'],
      ['hostroot', HOST_PATH_ROOT, 'hostPath volumes (volume "root")'],
      ['hostnet', HOST_NETWORK, 'host namespaces (hostNetwork=true)'],
    ];
    for (const [name, spec, why] of cases) {
      const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml(name, 'default', spec) });
      assert.notEqual(r.code, 0, `${name} was admitted: ${r.stdout}`);
      assert.match(r.stderr, /Error from server \(Forbidden\)/);
      assert.ok(r.stderr.includes(`pods "${name}" is forbidden: violates PodSecurity "baseline:latest": ${why}`), r.stderr);
    }
    const list = await c.k(['get', 'pods', '-n', 'default', '-o', 'name']);
    assert.doesNotMatch(list, /priv|hostroot|hostnet/);
  });

  it('admits the same pods in a namespace labelled privileged', { timeout: 60_000 }, async () => {
    await c.k(['create', 'namespace', 'privy']);
    await c.k(['label', 'namespace', 'privy', 'pod-security.kubernetes.io/enforce=privileged']);
    for (const [name, spec] of [['priv', PRIVILEGED], ['hostroot', HOST_PATH_ROOT], ['hostnet', HOST_NETWORK]] as const) {
      const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml(name, 'privy', spec) });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`pod/${name} created`));
    }
  });

  it('raising a namespace\'s level warns about its pods; an invalid level label is refused', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['label', '--overwrite', '--dry-run=server', 'namespace', 'privy', 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes('Warning: existing pods in namespace "privy" violate the new PodSecurity enforce level "baseline:latest"'), r.stderr);
    assert.ok(r.stderr.includes('Warning: hostnet: host namespaces'), r.stderr);
    assert.ok(r.stderr.includes('Warning: hostroot: hostPath volumes'), r.stderr);
    assert.ok(r.stderr.includes('Warning: priv: privileged'), r.stderr);
    const bad = await c.kubectl(['label', '--overwrite', 'namespace', 'privy', 'pod-security.kubernetes.io/enforce=strict']);
    assert.notEqual(bad.code, 0);
    assert.ok(bad.stderr.includes('namespaces "privy" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted'), bad.stderr);
  });

  it('kubectl prints the restricted warnings for a baseline pod, and none for a restricted one', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml('web', 'default', PLAIN) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stderr.includes(
          'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
          'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
          'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
          'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      ),
      r.stderr,
    );
    const ok = await c.kubectl(['apply', '-f', '-'], { input: podYaml('tight', 'default', RESTRICTED_OK) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /Warning/);
  });

  it('a namespace enforcing restricted refuses a root pod; workloads only get warnings', { timeout: 60_000 }, async () => {
    await c.k(['create', 'namespace', 'strict']);
    await c.k(['label', 'namespace', 'strict', 'pod-security.kubernetes.io/enforce=restricted']);
    const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml('web', 'strict', PLAIN) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    // A refused privileged pod still carries the warn level's warning (enforce baseline, warn restricted).
    const priv = await c.kubectl(['apply', '-f', '-'], { input: podYaml('priv2', 'default', PRIVILEGED) });
    assert.notEqual(priv.code, 0);
    assert.match(priv.stderr, /Warning: would violate PodSecurity "restricted:latest": .*privileged \(container "c" must not set securityContext.privileged=true\)/);
    const d = await c.kubectl(['create', 'deployment', 'web', '-n', 'strict', '--image=nginx:1.14-alpine']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });

  it('kube-system is exempt', { timeout: 30_000 }, async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml('priv', 'kube-system', PRIVILEGED) });
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('LimitRanger', () => {
  it('applies defaults and refuses what exceeds the maximum', { timeout: 60_000 }, async () => {
    await c.k(['create', 'namespace', 'limited']);
    await c.k(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: limited
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 256Mi
    defaultRequest:
      cpu: 100m
      memory: 64Mi
    max:
      cpu: "1"
`,
    });
    await c.k(['apply', '-f', '-'], { input: podYaml('dflt', 'limited', PLAIN) });
    const p = JSON.parse(await c.k(['get', 'pod', 'dflt', '-n', 'limited', '-o', 'json']));
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    assert.equal(p.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx');
    assert.equal(p.status.qosClass, 'Burstable');
    const big = await c.kubectl(['apply', '-f', '-'], {
      input: podYaml('big', 'limited', `  containers:
  - name: c
    image: busybox:1.36
    resources:
      limits:
        cpu: "2"
`),
    });
    assert.notEqual(big.code, 0);
    assert.ok(big.stderr.includes('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2'), big.stderr);
  });
});

describe('ResourceQuota', () => {
  it('refuses the pod past the quota with 403 and fills status.used', { timeout: 90_000 }, async () => {
    await c.k(['create', 'namespace', 'quoted']);
    await c.k(['create', 'quota', 'small', '-n', 'quoted', '--hard=pods=2,configmaps=5']);
    for (const n of ['a', 'b']) await c.k(['apply', '-f', '-'], { input: podYaml(n, 'quoted', PLAIN) });
    const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml('c', 'quoted', PLAIN) });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes('Error from server (Forbidden)'), r.stderr);
    assert.ok(r.stderr.includes('pods "c" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2'), r.stderr);
    const used = await eventually(async () => {
      const q = JSON.parse(await c.k(['get', 'quota', 'small', '-n', 'quoted', '-o', 'json']));
      return q.status?.used?.pods === '2' && q.status.used;
    }, 30_000);
    assert.equal(used.pods, '2');
    assert.equal(used.configmaps, '1'); // kube-root-ca.crt
    const q = JSON.parse(await c.k(['get', 'quota', 'small', '-n', 'quoted', '-o', 'json']));
    assert.deepEqual(q.status.hard, { configmaps: '5', pods: '2' });
  });

  it('a ReplicaSet creating pods in a burst stops exactly at the quota and reports why', { timeout: 90_000 }, async () => {
    await c.k(['create', 'namespace', 'burst']);
    await c.k(['create', 'quota', 'three', '-n', 'burst', '--hard=pods=3']);
    await c.k(['create', 'deployment', 'web', '-n', 'burst', '--image=nginx:1.14-alpine', '--replicas=6']);
    const rs = await eventually(async () => {
      const list = JSON.parse(await c.k(['get', 'rs', '-n', 'burst', '-o', 'json'])).items;
      const cond = list[0]?.status?.conditions?.find((x: { type: string }) => x.type === 'ReplicaFailure');
      return cond && list[0];
    }, 60_000);
    const cond = rs.status.conditions.find((x: { type: string }) => x.type === 'ReplicaFailure');
    assert.equal(cond.reason, 'FailedCreate');
    assert.match(cond.message, /is forbidden: exceeded quota: three, requested: pods=1, used: pods=3, limited: pods=3/);
    const pods = JSON.parse(await c.k(['get', 'pods', '-n', 'burst', '-o', 'json'])).items;
    assert.equal(pods.length, 3);
  });

  it('a compute quota needs requests', { timeout: 30_000 }, async () => {
    await c.k(['create', 'namespace', 'compute']);
    await c.k(['create', 'quota', 'cpu', '-n', 'compute', '--hard=requests.cpu=1']);
    const r = await c.kubectl(['apply', '-f', '-'], { input: podYaml('nocpu', 'compute', PLAIN) });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes('pods "nocpu" is forbidden: failed quota: cpu: must specify requests.cpu for: nginx'), r.stderr);
  });
});

describe('ServiceAccount admission', () => {
  it('adds the token volume unless automountServiceAccountToken is false', { timeout: 30_000 }, async () => {
    const p = JSON.parse(await c.k(['get', 'pod', 'web', '-n', 'default', '-o', 'json']));
    const vol = p.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol?.projected, JSON.stringify(p.spec.volumes));
    assert.deepEqual(p.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    await c.k(['create', 'serviceaccount', 'quiet']);
    await c.k(['patch', 'serviceaccount', 'quiet', '-p', '{"automountServiceAccountToken":false}']);
    await c.k(['apply', '-f', '-'], { input: podYaml('quiet', 'default', `  serviceAccountName: quiet\n${PLAIN}`) });
    const q = JSON.parse(await c.k(['get', 'pod', 'quiet', '-n', 'default', '-o', 'json']));
    assert.equal(q.spec.volumes, undefined);
  });
});
