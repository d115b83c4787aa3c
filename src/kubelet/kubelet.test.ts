import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../client/resources.js';
import { startHarness, NODE, NODE_IP } from './testing/harness.js';
import type { Pod } from '../api/types/index.js';

const cond = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

test('kubelet: registers the node, renews its lease, and runs a pod to Running/Ready', async () => {
  const h = await startHarness();
  try {
    const node = await h.api.client.get(R.nodes, undefined, NODE);
    const ns = node.status as { conditions: Array<{ type: string; status: string }>; nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string }; addresses: Array<{ type: string; address: string }>; capacity: Record<string, string>; allocatable: Record<string, string> };
    assert.equal(ns.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(ns.conditions.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
    assert.equal(ns.nodeInfo.kubeletVersion, 'v1.32.3-k8ts');
    assert.equal(ns.nodeInfo.containerRuntimeVersion, 'runc://1.1.5-fake');
    assert.deepEqual(ns.addresses, [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: NODE }]);
    assert.equal(ns.capacity.cpu, '4');
    assert.equal(ns.capacity.pods, '110');
    assert.equal(ns.allocatable.memory, '8092Mi'); // 8Gi minus the 100Mi eviction threshold
    assert.equal((node.spec as { podCIDR?: string }).podCIDR, '10.42.0.0/24');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], NODE);
    const lease = await h.api.client.get(R.leases, 'kube-node-lease', NODE);
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, NODE);

    await h.createPod({ metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } });
    const pod = await h.until('Running and Ready', async () => {
      const p = await h.getPod('web');
      return p?.status?.phase === 'Running' && cond(p, 'Ready') === 'True' && p;
    });
    const st = pod.status!;
    assert.equal(st.podIP, '10.42.0.2');
    assert.deepEqual(st.podIPs, [{ ip: '10.42.0.2' }]);
    assert.equal(st.hostIP, NODE_IP);
    assert.equal(st.qosClass, 'BestEffort');
    assert.ok(st.startTime);
    assert.deepEqual(st.conditions!.map((c) => [c.type, c.status]), [
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ].filter(([t]) => st.conditions!.some((c) => c.type === t)));
    const cs = st.containerStatuses![0];
    assert.equal(cs.name, 'nginx');
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.image, 'docker.io/library/nginx:1.25');
    assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]+$/);
    assert.match(cs.containerID ?? '', /^runc:\/\//);
    assert.ok(cs.state!.running?.startedAt);
    assert.deepEqual(h.recorder.reasons().filter((r) => ['Pulling', 'Pulled', 'Created', 'Started'].includes(r)), ['Pulling', 'Pulled', 'Created', 'Started']);
    assert.ok(h.recorder.events.some((e) => e.message === 'Created container nginx'));
    assert.ok(h.recorder.events.some((e) => e.message === 'Started container nginx'));

    const c = h.runtime.find(pod.metadata.uid!, 'nginx')!;
    assert.equal(c.config.logPath, `${h.dataDir}/pods/default_web_${pod.metadata.uid}/nginx/0.log`);
    const sb = h.runtime.sandboxes.get(c.status.sandboxId)!;
    assert.match(sb.config.resolvConf ?? '', /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local example\.org\nnameserver 10\.43\.0\.10\noptions ndots:5\n$/);
    assert.equal(sb.config.hostname, 'web');
    const hostsMount = c.config.mounts.find((m) => m.containerPath === '/etc/hosts')!;
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(hostsMount.hostPath, 'utf8'), /10\.42\.0\.2\tweb\n/);
    assert.ok(c.config.env.some((e) => e.name === 'KUBERNETES_SERVICE_HOST'));
  } finally {
    await h.stop();
  }
});

test('kubelet: init containers run in order, each to completion, before app containers', async () => {
  const h = await startHarness();
  try {
    h.runtime.behavior = (cfg) => (cfg.name.startsWith('init') ? { kind: 'exit', exitCode: 0 } : { kind: 'run' });
    await h.createPod({ metadata: { name: 'inits' }, spec: { initContainers: [{ name: 'init-a', image: 'busybox:1.36' }, { name: 'init-b', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    const pod = await h.until('Running', async () => {
      const p = await h.getPod('inits');
      return p?.status?.phase === 'Running' && p;
    });
    assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('startContainer')), ['startContainer init-a', 'startContainer init-b', 'startContainer app']);
    assert.deepEqual(pod.status!.initContainerStatuses!.map((s) => s.state!.terminated?.reason), ['Completed', 'Completed']);
    assert.equal(cond(pod, 'Initialized'), 'True');
  } finally {
    await h.stop();
  }
});

test('kubelet: a failing init container restarts with back-off (Init:CrashLoopBackOff)', async () => {
  const h = await startHarness();
  try {
    h.runtime.behavior = (cfg) => (cfg.name === 'init' ? { kind: 'exit', exitCode: 2 } : { kind: 'run' });
    await h.createPod({ metadata: { name: 'badinit' }, spec: { initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    const pod = await h.until('init in CrashLoopBackOff', async () => {
      const p = await h.getPod('badinit');
      return p?.status?.initContainerStatuses?.[0]?.state!.waiting?.reason === 'CrashLoopBackOff' && p;
    });
    assert.equal(pod.status!.phase, 'Pending');
    assert.equal(cond(pod, 'Initialized'), 'False');
    assert.equal(pod.status!.initContainerStatuses![0].lastState!.terminated?.exitCode, 2);
    assert.equal(h.runtime.countCalls('startContainer app'), 0);
  } finally {
    await h.stop();
  }
});

test('kubelet: CrashLoopBackOff back-off grows 10 s, 20 s, 40 s', async () => {
  const h = await startHarness();
  try {
    const starts: number[] = [];
    h.runtime.behavior = () => {
      starts.push(h.clock.now());
      return { kind: 'exit', exitCode: 1 };
    };
    await h.createPod({ metadata: { name: 'crash' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    const pod = await h.until('restartCount 3', async () => {
      const p = await h.getPod('crash');
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3 && p?.status?.containerStatuses?.[0]?.state!.waiting?.reason === 'CrashLoopBackOff' && p;
    }, 1000);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    assert.ok(gaps[0] < 10_000, `first restart is immediate (${gaps[0]})`);
    assert.ok(gaps[1] >= 10_000 && gaps[1] < 20_000, `second waits 10 s (${gaps[1]})`);
    assert.ok(gaps[2] >= 20_000 && gaps[2] < 40_000, `third waits 20 s (${gaps[2]})`);
    const cs = pod.status!.containerStatuses![0];
    assert.equal(cs.lastState!.terminated?.exitCode, 1);
    assert.equal(cs.lastState!.terminated?.reason, 'Error');
    assert.match(cs.state!.waiting?.message ?? '', /^back-off (20|40)s restarting failed container=app pod=crash_default\(/);
    assert.equal(pod.status!.phase, 'Running');
    assert.ok(h.recorder.events.some((e) => e.reason === 'BackOff' && e.message.startsWith('Back-off restarting failed container app in pod crash_default(')));
  } finally {
    await h.stop();
  }
});

test('kubelet: a failing liveness probe restarts the container (Unhealthy, Killing)', async () => {
  const h = await startHarness();
  try {
    let healthy = true;
    h.runtime.execHandler = () => ({ exitCode: healthy ? 0 : 1, stdout: Buffer.from(healthy ? '' : 'unhealthy'), stderr: Buffer.alloc(0) });
    await h.createPod({
      metadata: { name: 'live' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', livenessProbe: { exec: { command: ['check'] }, periodSeconds: 2, failureThreshold: 2 } }] },
    });
    await h.until('Running', async () => (await h.getPod('live'))?.status?.phase === 'Running');
    healthy = false;
    const pod = await h.until('restarted', async () => {
      const p = await h.getPod('live');
      return p?.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state!.running && p;
    });
    assert.equal(pod.status!.containerStatuses![0].lastState!.terminated?.exitCode, 0);
    assert.ok(h.recorder.events.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && e.message === 'Liveness probe failed: unhealthy'));
    assert.ok(h.recorder.events.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'));
    assert.equal(h.runtime.countCalls('stopContainer app'), 1);
  } finally {
    await h.stop();
  }
});

test('kubelet: readiness probe results drive Ready and ContainersReady', async () => {
  const h = await startHarness();
  try {
    let ready = false;
    h.runtime.execHandler = () => ({ exitCode: ready ? 0 : 1, stdout: Buffer.alloc(0), stderr: Buffer.from('not yet') });
    await h.createPod({
      metadata: { name: 'ready' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } }] },
    });
    const notReady = await h.until('Running, not ready', async () => {
      const p = await h.getPod('ready');
      return p?.status?.phase === 'Running' && h.recorder.reasons().includes('Unhealthy') && p;
    });
    assert.equal(cond(notReady, 'Ready'), 'False');
    assert.equal(notReady.status!.containerStatuses![0].ready, false);
    ready = true;
    const p = await h.until('Ready', async () => {
      const p = await h.getPod('ready');
      return cond(p, 'Ready') === 'True' && p;
    });
    assert.equal(cond(p, 'ContainersReady'), 'True');
    assert.equal(p.status!.containerStatuses![0].ready, true);
    assert.ok(h.recorder.events.some((e) => e.message === 'Readiness probe failed: not yet'));
    ready = false;
    await h.until('not Ready again', async () => cond(await h.getPod('ready'), 'Ready') === 'False');
    assert.equal(h.runtime.countCalls('stopContainer'), 0, 'readiness never restarts');
  } finally {
    await h.stop();
  }
});

test('kubelet: restartPolicy Never and OnFailure phases; OOMKilled', async () => {
  const h = await startHarness();
  try {
    let onFailureRuns = 0;
    h.runtime.behavior = (cfg, sb) => {
      switch (sb.config.name) {
        case 'ok': return { kind: 'exit', exitCode: 0 };
        case 'bad': return { kind: 'exit', exitCode: 3 };
        case 'retry': return { kind: 'exit', exitCode: onFailureRuns++ === 0 ? 1 : 0 };
        default: return { kind: 'run' };
      }
    };
    await h.createPod({ metadata: { name: 'ok' }, spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'bad' }, spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'retry' }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'oom' }, spec: { restartPolicy: 'Never', containers: [{ name: 'hog', image: 'busybox:1.36', resources: { limits: { memory: '32Mi' } } }] } });
    const ok = await h.until('Succeeded', async () => { const p = await h.getPod('ok'); return p?.status?.phase === 'Succeeded' && p; });
    assert.equal(ok.status!.containerStatuses![0].state!.terminated?.reason, 'Completed');
    assert.equal(cond(ok, 'Ready'), 'False');
    const bad = await h.until('Failed', async () => { const p = await h.getPod('bad'); return p?.status?.phase === 'Failed' && p; });
    assert.equal(bad.status!.containerStatuses![0].state!.terminated?.exitCode, 3);
    assert.equal(bad.status!.containerStatuses![0].restartCount, 0);
    const retry = await h.until('OnFailure Succeeded', async () => { const p = await h.getPod('retry'); return p?.status?.phase === 'Succeeded' && p; });
    assert.equal(retry.status!.containerStatuses![0].restartCount, 1);

    const oomPod = await h.until('oom running', async () => { const p = await h.getPod('oom'); return p?.status?.phase === 'Running' && p; });
    const c = h.runtime.find(oomPod.metadata.uid!, 'hog')!;
    assert.equal(c.config.resources.memoryLimitBytes, 32 * 2 ** 20);
    h.runtime.exitContainer(c.status.id, 137, 'OOMKilled');
    const oom = await h.until('OOMKilled', async () => { const p = await h.getPod('oom'); return p?.status?.phase === 'Failed' && p; });
    assert.equal(oom.status!.containerStatuses![0].state!.terminated?.reason, 'OOMKilled');
    assert.equal(oom.status!.containerStatuses![0].state!.terminated?.exitCode, 137);
    // Exited containers of terminal pods are kept until the pod is deleted.
    assert.ok(h.runtime.find(oom.metadata.uid!, 'hog'));
  } finally {
    await h.stop();
  }
});

test('kubelet: deletion runs preStop, stops containers with the grace period, then deletes the pod object', async () => {
  const h = await startHarness();
  try {
    await h.createPod({
      metadata: { name: 'bye' },
      spec: { terminationGracePeriodSeconds: 20, containers: [{ name: 'app', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['drain'] } } } }] },
    });
    const pod = await h.until('Running', async () => { const p = await h.getPod('bye'); return p?.status?.phase === 'Running' && p; });
    await h.api.client.delete(R.pods, 'default', 'bye');
    await h.until('pod object deleted', async () => (await h.getPod('bye')) === undefined);
    assert.ok(h.runtime.calls.includes('execSync app drain'));
    assert.ok(h.runtime.calls.some((c) => /^stopContainer app (19|20)$/.test(c)), h.runtime.calls.join('\n'));
    assert.ok(h.recorder.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container app'));
    const { existsSync } = await import('node:fs');
    await h.until('runtime and pod directory cleaned up', async () => h.runtime.sandboxes.size === 0 && h.runtime.containers.size === 0 && !existsSync(`${h.dataDir}/pods/${pod.metadata.uid}`));
  } finally {
    await h.stop();
  }
});

test('kubelet: configMap, secret and downwardAPI volumes; configMap updates follow', async () => {
  const h = await startHarness();
  try {
    const { readFileSync, statSync } = await import('node:fs');
    await h.api.client.create(R.configmaps, 'default', { metadata: { name: 'cfg' }, data: { 'app.conf': 'v=1', other: 'x' } });
    await h.api.client.create(R.secrets, 'default', { metadata: { name: 'sec' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    await h.createPod({
      metadata: { name: 'vols', labels: { app: 'demo', tier: 'web' } },
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
          { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { name: 'scratch', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        ],
        containers: [{
          name: 'app', image: 'busybox:1.36',
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app' }, { name: 'sec', mountPath: '/etc/sec' }, { name: 'info', mountPath: '/etc/info' },
            { name: 'scratch', mountPath: '/data', subPath: 'sub' }, { name: 'mem', mountPath: '/cache' },
          ],
        }],
      },
    });
    const pod = await h.until('Running', async () => { const p = await h.getPod('vols'); return p?.status?.phase === 'Running' && p; });
    const c = h.runtime.find(pod.metadata.uid!, 'app')!;
    const m = (p: string) => c.config.mounts.find((x) => x.containerPath === p)!;
    assert.equal(readFileSync(`${m('/etc/app').hostPath}/conf/app.conf`, 'utf8'), 'v=1');
    assert.equal(m('/etc/app').readOnly, true);
    assert.equal(readFileSync(`${m('/etc/sec').hostPath}/password`, 'utf8'), 'hunter2');
    assert.equal(statSync(`${m('/etc/sec').hostPath}/password`).mode & 0o777, 0o400);
    assert.equal(readFileSync(`${m('/etc/info').hostPath}/labels`, 'utf8'), 'app="demo"\ntier="web"');
    assert.equal(readFileSync(`${m('/etc/info').hostPath}/name`, 'utf8'), 'vols');
    assert.ok(m('/data').hostPath.endsWith('/volumes/kubernetes.io~empty-dir/scratch/sub'));
    assert.deepEqual(m('/cache').tmpfs, { sizeBytes: 64 * 2 ** 20 });

    await h.api.client.patch(R.configmaps, 'default', 'cfg', 'merge', { data: { 'app.conf': 'v=2' } });
    await h.until('configMap update visible', async () => readFileSync(`${m('/etc/app').hostPath}/conf/app.conf`, 'utf8') === 'v=2');
  } finally {
    await h.stop();
  }
});

test('kubelet: env from values, fieldRef, resourceFieldRef, configMap/secret refs, envFrom and $(VAR) expansion', async () => {
  const h = await startHarness();
  try {
    await h.api.client.create(R.configmaps, 'default', { metadata: { name: 'env' }, data: { MODE: 'fast' } });
    await h.api.client.create(R.secrets, 'default', { metadata: { name: 'tok' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    await h.api.client.create(R.services, 'default', { metadata: { name: 'redis-master' }, spec: { ports: [{ name: 'redis', port: 6379 }] } });
    await h.createPod({
      metadata: { name: 'env' },
      spec: {
        containers: [{
          name: 'app', image: 'busybox:1.36', command: ['/bin/sh', '-c'], args: ['echo $(GREETING) $$(LITERAL) $(MISSING)'],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
          envFrom: [{ configMapRef: { name: 'env' }, prefix: 'CFG_' }],
          env: [
            { name: 'NAME', value: 'world' },
            { name: 'GREETING', value: 'hello $(NAME)' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tok', key: 'token' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
          ],
        }],
      },
    });
    const pod = await h.until('Running', async () => { const p = await h.getPod('env'); return p?.status?.phase === 'Running' && p; });
    const c = h.runtime.find(pod.metadata.uid!, 'app')!;
    const env = new Map(c.config.env.map((e) => [e.name, e.value]));
    assert.equal(env.get('GREETING'), 'hello world');
    assert.equal(env.get('POD_NAME'), 'env');
    assert.equal(env.get('POD_IP'), pod.status!.podIP);
    assert.equal(env.get('NODE'), NODE);
    assert.equal(env.get('MEM_MI'), '128');
    assert.equal(env.get('CPU_REQ'), '250');
    assert.equal(env.get('TOKEN'), 's3cret');
    assert.equal(env.get('CFG_MODE'), 'fast');
    assert.equal(env.has('OPT'), false);
    assert.equal(env.get('PATH'), '/usr/bin:/bin', 'image env is the base');
    assert.ok(env.get('REDIS_MASTER_SERVICE_HOST'));
    assert.equal(env.get('REDIS_MASTER_SERVICE_PORT'), '6379');
    assert.equal(env.get('REDIS_MASTER_PORT_6379_TCP_PROTO'), 'tcp');
    assert.ok(env.get('KUBERNETES_SERVICE_HOST'));
    assert.deepEqual(c.config.args, ['/bin/sh', '-c', 'echo hello world $(LITERAL) $(MISSING)']);
    assert.deepEqual(c.config.resources, { pidsLimit: 4096, cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitBytes: 128 * 2 ** 20 });

    // A missing ConfigMap key blocks the container with CreateContainerConfigError.
    await h.createPod({ metadata: { name: 'noenv' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env', key: 'absent' } } }] }] } });
    const bad = await h.until('config error', async () => { const p = await h.getPod('noenv'); return p?.status?.containerStatuses?.[0]?.state!.waiting?.reason === 'CreateContainerConfigError' && p; });
    assert.equal(bad.status!.containerStatuses![0].state!.waiting?.message, "couldn't find key absent in ConfigMap default/env");
  } finally {
    await h.stop();
  }
});

test('kubelet: a restarted agent re-adopts running containers and cleans up pods deleted meanwhile', async () => {
  const h = await startHarness();
  try {
    await h.createPod({ metadata: { name: 'keep' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    await h.createPod({ metadata: { name: 'gone' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    const keep = await h.until('both Running', async () => {
      const a = await h.getPod('keep');
      const b = await h.getPod('gone');
      return a?.status?.phase === 'Running' && b?.status?.phase === 'Running' && a;
    });
    const created = h.runtime.countCalls('createContainer');
    h.abort.abort();
    await h.api.client.delete(R.pods, 'default', 'gone', { gracePeriodSeconds: 0 });
    await h.restartKubelet();
    await h.until('orphan cleaned up', async () => h.runtime.sandboxes.size === 1);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(1000);
      await h.kubelet.relist();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(h.runtime.countCalls('createContainer'), created, 'no container was created again');
    assert.equal(h.runtime.countCalls('stopContainer app'), 1, 'only the orphan was stopped');
    const after = await h.getPod('keep');
    assert.equal(after?.status?.phase, 'Running');
    assert.equal(after?.status?.containerStatuses?.[0].restartCount, 0);
    assert.equal(after?.status?.containerStatuses?.[0].containerID, keep.status!.containerStatuses![0].containerID);
  } finally {
    await h.stop();
  }
});

test('kubelet: mounts the service account token volume (kube-api-access) via TokenRequest', async () => {
  const h = await startHarness();
  try {
    const { readFileSync } = await import('node:fs');
    await h.api.client.create(R.serviceaccounts, 'default', { metadata: { name: 'default' } }).catch(() => undefined);
    await h.api.client.create(R.configmaps, 'default', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CERT' } }).catch(() => undefined);
    const created = await h.api.client.create<Pod>(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sa' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    await h.until('Running', async () => (await h.getPod('sa'))?.status?.phase === 'Running');
    const c = h.runtime.find(created.metadata.uid!, 'app')!;
    const m = c.config.mounts.find((x) => x.containerPath === '/var/run/secrets/kubernetes.io/serviceaccount')!;
    assert.equal(m.readOnly, true);
    assert.ok(readFileSync(`${m.hostPath}/token`, 'utf8').length > 20);
    assert.equal(readFileSync(`${m.hostPath}/ca.crt`, 'utf8'), 'CERT');
    assert.equal(readFileSync(`${m.hostPath}/namespace`, 'utf8'), 'default');
  } finally {
    await h.stop();
  }
});

test('kubelet: a pod probed every second is not written once Ready; pod metrics', { timeout: 60_000 }, async () => {
  const h = await startHarness();
  try {
    let probes = 0;
    h.runtime.execHandler = () => {
      probes++;
      return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    };
    await h.createPod({
      metadata: { name: 'probed' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 }, livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1 } }] },
    });
    const ready = await h.until('Ready', async () => {
      const p = await h.getPod('probed');
      return cond(p, 'Ready') === 'True' && p;
    });
    const writes: string[] = [];
    const probesBefore = probes;
    const watch = h.api.client.watch<Pod>(R.pods, 'default', { resourceVersion: ready.metadata.resourceVersion }, (ev) => writes.push(`${ev.type} ${ev.object.metadata.resourceVersion}`));
    // 30 probe periods, each with a PLEG relist and the probe workers' timers.
    for (let i = 0; i < 30; i++) {
      h.clock.advance(1000);
      await h.kubelet.relist();
      await new Promise((r) => setTimeout(r, 5));
    }
    h.kubelet.workers.sync(ready.metadata.uid!);
    await new Promise((r) => setTimeout(r, 50));
    watch.stop();
    assert.deepEqual(writes, [], 'no writes to a steady pod');
    assert.ok(probes - probesBefore >= 30, `the probes ran (${probes - probesBefore} runs)`);

    const { registry } = await import('../util/metrics.js');
    const text = await registry.metrics();
    assert.match(text, /^kubelet_pod_start_duration_seconds_count [1-9]\d*$/m);
    assert.match(text, /^kubelet_running_pods [1-9]\d*$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="running"\} [1-9]\d*$/m);
    assert.match(text, /^kubelet_pod_worker_duration_seconds_count\{operation="sync"\} [1-9]\d*$/m);
    assert.match(text, /^k8ts_kubelet_status_updates_total\{result="unchanged"\} [1-9]\d*$/m);
  } finally {
    await h.stop();
  }
});
