// Issue "Desired state": the real kubectl against `bin/k8ts server --runtime simulated
// --simulated-nodes 3` — controllers, scheduler and simulated nodes working together.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startCluster, eventually, KUBECTL, SEED, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({ extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '3', '--node-monitor-grace-period', '4'] });
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const json = async (args: string[]): Promise<any> => JSON.parse(await c.k([...args, '-o', 'json']));

function apply(name: string, yaml: string): Promise<string> {
  const f = join(c.dataDir, `${name}.yaml`);
  writeFileSync(f, yaml);
  return c.k(['apply', '-f', f]);
}

describe('nodes', () => {
  it('three simulated nodes are Ready', { timeout: 180_000 }, async () => {
    await eventually(async () => (await c.k(['get', 'nodes'])).match(/\sReady\s/g)?.length === 3, 20_000);
    const out = await c.k(['get', 'nodes', '-o', 'wide']);
    assert.match(out, /k8ts-sim-0\s+Ready/);
  });
});

describe("the article's Deployment", () => {
  it('reaches 5/5 available', { timeout: 180_000 }, async () => {
    await c.k(['apply', '-f', join(SEED, 'nginx.yaml')]);
    const out = await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=120s'], { timeoutMs: 130_000 });
    assert.match(out, /successfully rolled out/);
    const d = await json(['get', 'deploy', 'nginx-dep']);
    assert.equal(d.status.availableReplicas, 5);
    assert.equal(d.status.readyReplicas, 5);
    assert.equal(d.status.updatedReplicas, 5);
    assert.equal(d.status.conditions.find((x: any) => x.type === 'Available').status, 'True');
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    const pods = await json(['get', 'pods', '-l', 'app=server']);
    assert.equal(pods.items.length, 5);
    for (const p of pods.items) {
      assert.match(p.spec.nodeName, /^k8ts-sim-[012]$/);
      assert.equal(p.status.phase, 'Running');
      assert.equal(p.metadata.ownerReferences[0].kind, 'ReplicaSet');
    }
    const nodes = new Set(pods.items.map((p: any) => p.spec.nodeName));
    assert.ok(nodes.size >= 2, 'pods spread over the nodes');
    assert.match(await c.k(['get', 'pods']), /nginx-dep-\w+-\w{5}\s+1\/1\s+Running/);
  });

  it('set image rolls out within maxSurge 1 / maxUnavailable 1, as a pod watch sees it', { timeout: 180_000 }, async () => {
    // Watch every pod of the Deployment and check the bounds at each event.
    const watcher = spawn(KUBECTL, ['get', 'pods', '-l', 'app=server', '-w', '-o', 'json', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    const pods = new Map<string, any>();
    const violations: string[] = [];
    let buf = '';
    let depth = 0;
    let start = -1;
    watcher.stdout.on('data', (d: Buffer) => {
      // kubectl prints a stream of pretty-printed JSON objects; split them by brace depth.
      const s = d.toString();
      for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        buf += ch;
        if (ch === '{') {
          if (depth === 0) start = buf.length - 1;
          depth++;
        } else if (ch === '}') {
          depth--;
          if (depth === 0 && start >= 0) {
            const ev = JSON.parse(buf.slice(start));
            buf = '';
            start = -1;
            const p = ev.object;
            if (ev.type === 'DELETED') pods.delete(p.metadata.name);
            else pods.set(p.metadata.name, p);
            const now = Date.now();
            const live = [...pods.values()].filter((x) => !x.metadata.deletionTimestamp);
            const available = live.filter((x) => {
              const r = x.status?.conditions?.find((k: any) => k.type === 'Ready');
              return r?.status === 'True' && Date.parse(r.lastTransitionTime) + 10_000 <= now + 1000;
            });
            if (live.length > 6) violations.push(`${live.length} pods > 5 + maxSurge 1`);
            if (pods.size >= 5 && available.length < 4) violations.push(`${available.length} available < 5 - maxUnavailable 1`);
          }
        }
      }
    });
    try {
      await eventually(() => pods.size === 5, 15_000);
      await c.k(['set', 'image', 'deployment/nginx-dep', 'nginx=library/nginx:1.18-alpine']);
      const out = await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=180s'], { timeoutMs: 190_000 });
      assert.match(out, /successfully rolled out/);
    } finally {
      watcher.kill();
    }
    assert.deepEqual(violations, []);
    const rs = await json(['get', 'rs', '-l', 'app=server']);
    assert.equal(rs.items.length, 2);
    const current = rs.items.find((r: any) => r.spec.template.spec.containers[0].image === 'library/nginx:1.18-alpine');
    assert.equal(current.status.availableReplicas, 5);
    assert.equal(current.metadata.annotations['deployment.kubernetes.io/revision'], '2');
  });

  it('rollout history, undo, undo --to-revision, pause, resume and restart', { timeout: 180_000 }, async () => {
    // A Deployment without probes or minReadySeconds keeps each rollout to a second or two.
    await c.k(['create', 'deployment', 'hist', '--image=busybox:1.35', '--replicas=3']);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    await c.k(['set', 'image', 'deployment/hist', 'busybox=busybox:1.36']);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    // The change cause is copied to the ReplicaSet that is current when it is set.
    await c.k(['set', 'image', 'deployment/hist', 'busybox=busybox:1.37']);
    await c.k(['annotate', 'deployment/hist', 'kubernetes.io/change-cause=upgrade to 1.37']);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    const hist = await c.k(['rollout', 'history', 'deployment/hist']);
    assert.match(hist, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+upgrade to 1.37/);
    const image = async (): Promise<string> => (await json(['get', 'deploy', 'hist'])).spec.template.spec.containers[0].image;
    assert.match(await c.k(['rollout', 'undo', 'deployment/hist']), /rolled back/);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(await image(), 'busybox:1.36');
    let d = await json(['get', 'deploy', 'hist']);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '4');
    assert.equal((await json(['get', 'rs', '-l', 'app=hist'])).items.length, 3, 'the old ReplicaSet was reused');
    await c.k(['rollout', 'undo', 'deployment/hist', '--to-revision=1']);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(await image(), 'busybox:1.35');
    await c.k(['rollout', 'pause', 'deployment/hist']);
    await c.k(['set', 'image', 'deployment/hist', 'busybox=busybox:paused']);
    await new Promise((r) => setTimeout(r, 1500));
    d = await json(['get', 'deploy', 'hist']);
    assert.equal(d.status.conditions.find((x: any) => x.type === 'Progressing').reason, 'DeploymentPaused');
    assert.ok(!(await json(['get', 'rs', '-l', 'app=hist'])).items.some((r: any) => r.spec.template.spec.containers[0].image === 'busybox:paused'), 'no rollout while paused');
    await c.k(['rollout', 'resume', 'deployment/hist']);
    await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.ok((await json(['get', 'rs', '-l', 'app=hist'])).items.some((r: any) => r.spec.template.spec.containers[0].image === 'busybox:paused' && r.status.readyReplicas === 3));
    await c.k(['rollout', 'restart', 'deployment/hist']);
    const out = await c.k(['rollout', 'status', 'deployment/hist', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.match(out, /successfully rolled out/);
    d = await json(['get', 'deploy', 'hist']);
    assert.ok(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    await c.k(['delete', 'deployment', 'hist']);
  });

  it('scale to 10, then deleting the Deployment removes its ReplicaSets and pods', { timeout: 180_000 }, async () => {
    await c.k(['scale', 'deployments/nginx-dep', '--replicas=10']);
    await eventually(async () => (await json(['get', 'deploy', 'nginx-dep'])).status.readyReplicas === 10, 60_000);
    await c.k(['delete', 'deployment', 'nginx-dep']);
    await eventually(async () => (await c.k(['get', 'rs,pods', '-l', 'app=server', '-o', 'name'])).trim() === '', 60_000);
  });

  it('kubectl delete deployment --all', { timeout: 180_000 }, async () => {
    await c.k(['create', 'deployment', 'a1', '--image=busybox', '--replicas=2']);
    await c.k(['create', 'deployment', 'a2', '--image=busybox', '--replicas=2']);
    await eventually(async () => (await c.k(['get', 'pods', '-o', 'name'])).trim().split('\n').length >= 4, 30_000);
    await c.k(['delete', 'deployment', '--all']);
    await eventually(async () => (await c.k(['get', 'deploy,rs,pods', '-o', 'name'])).trim() === '', 60_000);
  });
});

describe('other workloads', () => {
  it('a DaemonSet runs one pod per node, including a node added later', { timeout: 180_000 }, async () => {
    await apply('ds', `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox}]}
`);
    await eventually(async () => (await json(['get', 'ds', 'agent'])).status.numberReady === 3, 30_000);
    await apply('node', `apiVersion: v1
kind: Node
metadata: {name: late-node, labels: {kubernetes.io/hostname: late-node}}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ready}]
`);
    await eventually(async () => (await json(['get', 'pods', '-l', 'app=agent'])).items.some((p: any) => p.spec.nodeName === 'late-node'), 30_000);
    const pods = (await json(['get', 'pods', '-l', 'app=agent'])).items;
    assert.equal(new Set(pods.map((p: any) => p.spec.nodeName)).size, pods.length, 'one pod per node');
    await c.k(['delete', 'node', 'late-node']);
    await c.k(['delete', 'ds', 'agent']);
  });

  it('a StatefulSet creates web-0, web-1, web-2 in order and deletes in reverse', { timeout: 180_000 }, async () => {
    await apply('sts', `apiVersion: v1
kind: Service
metadata: {name: nginx}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: library/nginx:1.14-alpine}]}
`);
    await eventually(async () => (await json(['get', 'sts', 'web'])).status.readyReplicas === 3, 60_000);
    const pods = (await json(['get', 'pods', '-l', 'app=web'])).items.sort((a: any, b: any) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
    assert.deepEqual(pods.map((p: any) => p.metadata.name), ['web-0', 'web-1', 'web-2']);
    const created = pods.map((p: any) => Date.parse(p.status.startTime));
    assert.ok(created[0] <= created[1] && created[1] <= created[2]);
    await c.k(['scale', 'sts', 'web', '--replicas=1']);
    await eventually(async () => (await json(['get', 'pods', '-l', 'app=web'])).items.length === 1, 60_000);
    assert.equal((await json(['get', 'pods', '-l', 'app=web'])).items[0].metadata.name, 'web-0');
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=web', '--sort-by=.lastTimestamp']);
    const deletes = [...events.matchAll(/delete Pod (web-\d)/g)].map((m) => m[1]);
    assert.deepEqual(deletes, ['web-2', 'web-1']);
  });

  it('a Job runs to completion', { timeout: 180_000 }, async () => {
    await c.k(['create', 'job', 'once', '--image=busybox', '--', 'true']);
    await c.k(['wait', '--for=condition=complete', 'job/once', '--timeout=60s'], { timeoutMs: 70_000 });
    const j = await json(['get', 'job', 'once']);
    assert.equal(j.status.succeeded, 1);
    assert.match(await c.k(['get', 'job', 'once']), /once\s+Complete\s+1\/1/);
  });

  it('a CronJob creates Jobs on schedule', { timeout: 180_000 }, async () => {
    await c.k(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *', '--', 'true']);
    await eventually(async () => (await json(['get', 'jobs'])).items.some((j: any) => j.metadata.ownerReferences?.[0]?.name === 'tick'), 75_000, 1000);
    const cj = await json(['get', 'cronjob', 'tick']);
    assert.ok(cj.status.lastScheduleTime);
    await c.k(['delete', 'cronjob', 'tick']);
  });
});

describe('scheduling and services', () => {
  it('an unschedulable pod: describe shows FailedScheduling with the reasons', { timeout: 180_000 }, async () => {
    await c.k(['run', 'huge', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"cpu":"100"}}}]}}']);
    await eventually(async () => /FailedScheduling/.test(await c.k(['describe', 'pod', 'huge'])), 20_000);
    const desc = await c.k(['describe', 'pod', 'huge']);
    assert.match(desc, /0\/\d nodes are available: \d Insufficient cpu/);
    const p = await json(['get', 'pod', 'huge']);
    const cond = p.status.conditions.find((x: any) => x.type === 'PodScheduled');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    await c.k(['delete', 'pod', 'huge']);
  });

  it("a Service's Endpoints and EndpointSlices list exactly its ready pods", { timeout: 180_000 }, async () => {
    await c.k(['create', 'deployment', 'echo', '--image=busybox', '--replicas=3', '--port=8080']);
    await c.k(['expose', 'deployment', 'echo', '--port=80', '--target-port=8080']);
    await eventually(async () => (await json(['get', 'endpoints', 'echo'])).subsets?.[0]?.addresses?.length === 3, 30_000);
    const pods = (await json(['get', 'pods', '-l', 'app=echo'])).items;
    const ips = pods.map((p: any) => p.status.podIP).sort();
    const ep = await json(['get', 'endpoints', 'echo']);
    assert.deepEqual(ep.subsets[0].addresses.map((a: any) => a.ip).sort(), ips);
    assert.deepEqual(ep.subsets[0].ports, [{ port: 8080, protocol: 'TCP' }]);
    const slices = (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=echo'])).items;
    const sliceIPs = slices.flatMap((s: any) => s.endpoints.filter((e: any) => e.conditions.ready).map((e: any) => e.addresses[0])).sort();
    assert.deepEqual(sliceIPs, ips);
    // A pod that stops being ready leaves the ready addresses.
    const victim = pods[0];
    // Its (simulated) readiness probe starts failing.
    await c.k(['annotate', 'pod', victim.metadata.name, 'sim.k8ts.io/never-ready=true']);
    await eventually(async () => (await json(['get', 'endpoints', 'echo'])).subsets?.[0]?.notReadyAddresses?.some((a: any) => a.ip === victim.status.podIP), 20_000);
    const ep2 = await json(['get', 'endpoints', 'echo']);
    assert.equal(ep2.subsets[0].addresses.length, 2);
    await eventually(async () => {
      const s2 = (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=echo'])).items;
      return s2.flatMap((s: any) => s.endpoints).some((e: any) => e.addresses[0] === victim.status.podIP && e.conditions.ready === false);
    }, 20_000);
  });

  it('a node whose heartbeat stops goes NotReady, is tainted, and its pods move', { timeout: 180_000 }, async () => {
    await apply('mover', `apiVersion: apps/v1
kind: Deployment
metadata: {name: mover}
spec:
  replicas: 3
  selector: {matchLabels: {app: mover}}
  template:
    metadata: {labels: {app: mover}}
    spec:
      containers: [{name: c, image: busybox}]
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
`);
    await eventually(async () => (await json(['get', 'deploy', 'mover'])).status.availableReplicas === 3, 30_000);
    const before = (await json(['get', 'pods', '-l', 'app=mover'])).items;
    const victimNode = before[0].spec.nodeName as string;
    await c.k(['annotate', 'node', victimNode, 'sim.k8ts.io/stopped=true']);
    await eventually(async () => /NotReady|Unknown/.test(await c.k(['get', 'node', victimNode])), 30_000);
    const node = await json(['get', 'node', victimNode]);
    assert.ok(node.spec.taints.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
    await eventually(async () => {
      const pods = (await json(['get', 'pods', '-l', 'app=mover'])).items;
      return pods.length === 3 && pods.every((p: any) => p.spec.nodeName !== victimNode && p.status.phase === 'Running');
    }, 60_000);
    await c.k(['annotate', 'node', victimNode, 'sim.k8ts.io/stopped-']);
    await eventually(async () => /\sReady\s/.test(await c.k(['get', 'node', victimNode])), 30_000);
    await eventually(async () => !((await json(['get', 'node', victimNode])).spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable'), 30_000);
  });

  it('deleting a namespace with workloads removes everything', { timeout: 180_000 }, async () => {
    await c.k(['create', 'namespace', 'scratch']);
    await c.k(['create', 'deployment', 'w', '--image=busybox', '--replicas=2', '-n', 'scratch']);
    await c.k(['create', 'configmap', 'cfg', '-n', 'scratch']);
    await eventually(async () => (await json(['get', 'pods', '-n', 'scratch'])).items.length === 2, 30_000);
    await c.k(['delete', 'namespace', 'scratch'], { timeoutMs: 90_000 });
    const gone = await c.kubectl(['get', 'namespace', 'scratch']);
    assert.notEqual(gone.code, 0);
    assert.equal((await json(['get', 'pods,rs,deploy,cm', '-n', 'scratch'])).items.length, 0);
  });
});
