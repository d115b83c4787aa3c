// Issue "Kubelet on runc": the real kubectl against `bin/k8ts server` running real containers
// with runc on this machine (root, runc, conmon, tini, nftables needed; skipped otherwise).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, eventually, freePort, KUBECTL, K8TS, SEED, type TestCluster } from '../helpers/cluster.js';
import { cleanupNodeNetwork, forceCleanupRuntime, runtimeSkipReason, httpGet } from '../helpers/node.js';
import { ensureTestImages } from '../../src/runtime/images/testing/index.js';
import { whoami } from '../helpers/manifests.js';

const skip = runtimeSkipReason();
let c: TestCluster;
let images: { dir: string } | { skip: string } = { skip: 'not built' };
let ingressPort = 0;
const serverArgs = async (): Promise<string[]> => ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(ingressPort), '--ingress-https-port', String(await freePort())];

before(async () => {
  if (skip) return;
  images = ensureTestImages();
  if ('skip' in images) return;
  cleanupNodeNetwork();
  ingressPort = await freePort();
  c = await startCluster({ extraArgs: await serverArgs() });
  for (const f of readdirSync(images.dir).filter((x) => x.endsWith('.tar'))) {
    const r: { status: number | null; stderr: string } = spawnSync(process.execPath, [K8TS, "image", "load", join(images.dir, f), "--data-dir", c.dataDir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  if (!c) return;
  // Remove every workload so the kubelet tears its pods down before the server stops.
  await c.kubectl(['delete', 'ing,deploy,pods,svc,cm,secret', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await c.stop();
  forceCleanupRuntime(c.dataDir);
  cleanupNodeNetwork();
  c.cleanup();
});

const json = async (args: string[]): Promise<any> => JSON.parse(await c.k([...args, '-o', 'json']));

function apply(name: string, yaml: string): Promise<string> {
  const f = join(c.dataDir, `${name}.yaml`);
  writeFileSync(f, yaml);
  return c.k(['apply', '-f', f]);
}

async function runningPod(selector: string): Promise<any> {
  return eventually(async () => {
    const pods = (await json(['get', 'pods', '-l', selector])).items;
    return pods.find((p: any) => p.status.phase === 'Running' && p.status.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True'));
  }, 60_000);
}

describe('real containers', { skip: skip ?? false }, () => {
  it('kubectl create deployment hello-world runs the echoserver; curl to the pod IP echoes the request', { timeout: 300_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    await c.k(['create', 'deployment', 'hello-world', '--image=k8s.gcr.io/echoserver:1.4']);
    const pod = await runningPod('app=hello-world');
    assert.match(pod.status.podIP, /^10\.42\.0\.\d+$/);
    assert.match(pod.status.containerStatuses[0].containerID, /^runc:\/\//);
    const body = await httpGet(`http://${pod.status.podIP}:8080/hello?who=k8ts`);
    assert.match(body, /CLIENT VALUES:/);
    assert.match(body, /real path=\/hello/);
    assert.match(body, /query=who=k8ts/);
    const desc = await c.k(['describe', 'pod', pod.metadata.name]);
    const order = ['Scheduled', 'Pulled', 'Created', 'Started'].map((r) => desc.indexOf(`  ${r}  `));
    assert.ok(order.every((i) => i > 0), desc);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'events in order');
  });

  it('kubectl logs, logs -f, exec, and exec -it in a terminal', { timeout: 300_000 }, async () => {
    const pod = await runningPod('app=hello-world');
    const name = pod.metadata.name as string;
    await httpGet(`http://${pod.status.podIP}:8080/logged`);
    await eventually(async () => (await c.k(['logs', name])).includes('GET /logged'), 10_000);
    const follower = spawn(KUBECTL, ['logs', '-f', name], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 500));
      await httpGet(`http://${pod.status.podIP}:8080/followed`);
      await eventually(() => followed.includes('GET /followed'), 10_000);
    } finally {
      follower.kill();
    }
    assert.equal((await c.k(['exec', name, '--', 'sh', '-c', 'echo hello from $(hostname)'])).trim(), `hello from ${name}`);
    const failed = await c.kubectl(['exec', name, '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3);
    // An interactive shell with a TTY, driven through `script` like a person at a terminal.
    const tty = spawnSync('script', ['-qec', `${KUBECTL} exec -it ${name} -- sh`, '/dev/null'], {
      input: 'echo sum=$((6*7))\nexit\n',
      env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.match(tty.stdout, /sum=42/);
  });

  it('kubectl port-forward to a pod and to a deployment', { timeout: 300_000 }, async () => {
    for (const target of ['pod', 'deployment/hello-world']) {
      const pod = await runningPod('app=hello-world');
      const port = await freePort();
      const ref = target === 'pod' ? `pod/${pod.metadata.name}` : target;
      const pf = spawn(KUBECTL, ['port-forward', ref, `${port}:8080`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
      let out = '';
      pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await eventually(() => out.includes('Forwarding from'), 10_000);
        const body = await httpGet(`http://127.0.0.1:${port}/through-forward`);
        assert.match(body, /real path=\/through-forward/);
      } finally {
        pf.kill();
      }
    }
  });

  it("the article's nginx becomes ready with its probes, and set image rolls it to 1.18", { timeout: 300_000 }, async () => {
    await c.k(['apply', '-f', join(SEED, 'nginx.yaml')]);
    assert.match(await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=120s'], { timeoutMs: 130_000 }), /successfully rolled out/);
    const pods = (await json(['get', 'pods', '-l', 'app=server'])).items;
    assert.equal(pods.length, 5);
    assert.match(await httpGet(`http://${pods[0].status.podIP}/`), /1\.14/);
    await c.k(['set', 'image', 'deployment/nginx-dep', 'nginx=library/nginx:1.18-alpine']);
    assert.match(await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=180s'], { timeoutMs: 190_000 }), /successfully rolled out/);
    const after = (await json(['get', 'pods', '-l', 'app=server'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.equal(after.length, 5);
    for (const p of after) assert.match(await httpGet(`http://${p.status.podIP}/`), /1\.18/);
  });

  it('a liveness probe that starts failing restarts the container', { timeout: 300_000 }, async () => {
    await apply('live', `apiVersion: v1
kind: Pod
metadata: {name: live, labels: {app: live}}
spec:
  containers:
  - name: web
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www']
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: 2
`);
    await runningPod('app=live');
    await c.k(['exec', 'live', '--', 'rm', '/www/healthz']);
    await eventually(async () => (await json(['get', 'pod', 'live'])).status.containerStatuses[0].restartCount >= 1, 30_000);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=live']);
    assert.match(events, /Unhealthy/);
    assert.match(events, /Liveness probe failed/);
    await runningPod('app=live');
  });

  it('a crashing container goes to CrashLoopBackOff with growing back-off', { timeout: 300_000 }, async () => {
    // busybox is tagged latest: without IfNotPresent the kubelet would pull it (offline here).
    await c.k(['run', 'crash', '--image=busybox', '--image-pull-policy=IfNotPresent', '--', 'sh', '-c', 'echo bye; exit 1']);
    await eventually(async () => /CrashLoopBackOff/.test(await c.k(['get', 'pod', 'crash'])), 40_000);
    const p = await json(['get', 'pod', 'crash']);
    const cs = p.status.containerStatuses[0];
    assert.equal(cs.state.waiting.reason, 'CrashLoopBackOff');
    assert.equal(cs.lastState.terminated.exitCode, 1);
    assert.ok(cs.restartCount >= 1 && cs.restartCount <= 3, `restartCount ${cs.restartCount} grows slowly`);
    assert.match(await c.k(['get', 'events', '--field-selector', 'involvedObject.name=crash']), /Back-off restarting failed container/);
    assert.equal((await c.k(['logs', 'crash', '--previous'])).trim(), 'bye');
  });

  it('exceeding a memory limit gives OOMKilled', { timeout: 300_000 }, async () => {
    await apply('oom', `apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [dd, if=/dev/zero, of=/dev/null, bs=64M, count=1]
    resources: {limits: {memory: 24Mi}}
`);
    await eventually(async () => (await json(['get', 'pod', 'oom'])).status.containerStatuses?.[0]?.state?.terminated, 30_000);
    const t = (await json(['get', 'pod', 'oom'])).status.containerStatuses[0].state.terminated;
    assert.equal(t.reason, 'OOMKilled');
    assert.equal(t.exitCode, 137);
  });

  it('a restricted pod runs under the RuntimeDefault seccomp profile with no_new_privs; runAsNonRoot refuses a root image', { timeout: 300_000 }, async () => {
    await apply('confined', `apiVersion: v1
kind: Pod
metadata: {name: confined}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; id -u; sleep 3600']
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`);
    const out = await eventually(async () => {
      const l = await c.kubectl(['logs', 'confined']);
      return l.code === 0 && /^1000$/m.test(l.stdout) && l.stdout;
    }, 60_000);
    assert.match(out, /^Seccomp:\s+2$/m); // filter mode
    assert.match(out, /^NoNewPrivs:\s+1$/m);
    await apply('rootimg', `apiVersion: v1
kind: Pod
metadata: {name: rootimg}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sleep, '3600']
`);
    const waiting = await eventually(async () => (await json(['get', 'pod', 'rootimg'])).status.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && (await json(['get', 'pod', 'rootimg'])), 60_000);
    assert.equal(
      waiting.status.containerStatuses[0].state.waiting.message,
      `container has runAsNonRoot and image will run as root (pod: "rootimg_default(${waiting.metadata.uid})", container: c)`,
    );
    await c.k(['delete', 'pod', 'confined', 'rootimg', '--grace-period=1']);
  });

  it('configMap and secret volumes and env; an emptyDir shared by two containers that reach each other on localhost', { timeout: 300_000 }, async () => {
    await c.k(['create', 'configmap', 'app-config', '--from-literal=greeting=hello', '--from-literal=mode=fast']);
    await c.k(['create', 'secret', 'generic', 'app-secret', '--from-literal=password=s3cr3t']);
    await apply('vols', `apiVersion: v1
kind: Pod
metadata: {name: vols, labels: {app: vols}}
spec:
  volumes:
  - {name: cfg, configMap: {name: app-config}}
  - {name: sec, secret: {secretName: app-secret}}
  - {name: shared, emptyDir: {}}
  containers:
  - name: server
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [httpd, -f, -p, '8080', -h, /shared]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    - {name: MY_POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec}
    - {name: shared, mountPath: /shared}
  - name: writer
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo written-by-writer > /data/msg; exec sleep 3600']
    volumeMounts:
    - {name: shared, mountPath: /data}
`);
    await runningPod('app=vols');
    assert.equal((await c.k(['exec', 'vols', '-c', 'server', '--', 'cat', '/etc/cfg/greeting'])).trim(), 'hello');
    assert.equal((await c.k(['exec', 'vols', '-c', 'server', '--', 'cat', '/etc/sec/password'])).trim(), 's3cr3t');
    assert.equal((await c.k(['exec', 'vols', '-c', 'server', '--', 'sh', '-c', 'echo $GREETING $PASSWORD $MY_POD'])).trim(), 'hello s3cr3t vols');
    assert.equal((await c.k(['exec', 'vols', '-c', 'server', '--', 'cat', '/shared/msg'])).trim(), 'written-by-writer');
    assert.equal((await c.k(['exec', 'vols', '-c', 'writer', '--', 'wget', '-qO-', 'http://127.0.0.1:8080/msg'])).trim(), 'written-by-writer');
  });

  it('Services: from a pod by name and FQDN through cluster DNS, NodePort and LoadBalancer on 127.0.0.1, ExternalName as a CNAME', { timeout: 300_000 }, async () => {
    await c.k(['run', 'tester', '--image=busybox', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
    await runningPod('run=tester');
    const resolv = await c.k(['exec', 'tester', '--', 'cat', '/etc/resolv.conf']);
    assert.match(resolv, /nameserver 10\.43\.0\.10/);
    assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(resolv, /ndots:5/);
    for (const host of ['nginx-service', 'nginx-service.default.svc.cluster.local']) {
      const page = await eventually(async () => {
        const r = await c.kubectl(['exec', 'tester', '--', 'wget', '-qO-', `http://${host}:8080/`]);
        return r.code === 0 && r.stdout;
      }, 20_000);
      assert.match(page, /Welcome to nginx!/);
    }
    await c.k(['expose', 'deployment', 'hello-world', '--type=NodePort', '--port=8080']);
    const np = (await json(['get', 'svc', 'hello-world'])).spec.ports[0].nodePort;
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${np}/np`).catch(() => undefined), 10_000), /real path=\/np/);
    // Like `curl $(minikube service hello-world --url)`.
    const url = spawnSync(process.execPath, [K8TS, 'service', 'hello-world', '--url', '--data-dir', c.dataDir], { encoding: 'utf8' });
    assert.equal(url.status, 0, url.stderr);
    assert.equal(url.stdout.trim(), `http://127.0.0.1:${np}`);
    assert.match(await httpGet(`${url.stdout.trim()}/via-url`), /real path=\/via-url/);
    const clusterIPOnly = spawnSync(process.execPath, [K8TS, 'service', 'kubernetes', '--url', '--data-dir', c.dataDir], { encoding: 'utf8' });
    assert.equal(clusterIPOnly.status, 1);
    assert.match(clusterIPOnly.stderr, /has no node port/);
    await c.k(['expose', 'deployment', 'nginx-dep', '--name=nginx-lb', '--type=LoadBalancer', '--port=8089', '--target-port=80']);
    await eventually(async () => (await json(['get', 'svc', 'nginx-lb'])).status.loadBalancer?.ingress?.[0]?.ip === '127.0.0.1', 10_000);
    assert.match(await c.k(['get', 'svc', 'nginx-lb']), /nginx-lb\s+LoadBalancer\s+\S+\s+127\.0\.0\.1\s+8089:\d+\/TCP/);
    assert.match(await eventually(() => httpGet('http://127.0.0.1:8089/').catch(() => undefined), 10_000), /Welcome to nginx!/);
    await c.k(['create', 'service', 'externalname', 'ext', '--external-name', 'example.com']);
    const cname = await eventually(async () => (await c.kubectl(['exec', 'tester', '--', 'nslookup', '-type=cname', 'ext.default.svc.cluster.local'])).stdout.includes('example.com') || undefined, 10_000);
    assert.ok(cname);
  });

  it('requests spread over all ready endpoints', { timeout: 300_000 }, async () => {
    await apply('who', whoami('who', { replicas: 3 }));
    await eventually(async () => (await json(['get', 'deploy', 'who'])).status.readyReplicas === 3, 60_000);
    const ip = (await json(['get', 'svc', 'who'])).spec.clusterIP;
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await httpGet(`http://${ip}/`)).trim());
      return seen.size === 3;
    }, 20_000, 20);
    assert.equal(seen.size, 3);
    // Scaling up changes routing without failing a request.
    let failures = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) await httpGet(`http://${ip}/`).catch(() => failures++);
    })();
    await c.k(['scale', 'deployment/who', '--replicas=5']);
    await eventually(async () => (await json(['get', 'deploy', 'who'])).status.readyReplicas === 5, 60_000);
    await eventually(async () => {
      seen.add((await httpGet(`http://${ip}/`)).trim());
      return seen.size === 5;
    }, 20_000, 20);
    stop = true;
    await load;
    assert.equal(failures, 0, 'no request failed while scaling');
    // A pod whose readiness probe starts failing stops receiving traffic within a period or two.
    const victim = (await json(['get', 'pods', '-l', 'app=who'])).items[0].metadata.name as string;
    await c.k(['exec', victim, '--', 'rm', '/www/index.html']);
    await eventually(async () => (await json(['get', 'pod', victim])).status.conditions.find((x: any) => x.type === 'Ready').status === 'False', 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 40; i++) assert.notEqual((await httpGet(`http://${ip}/`)).trim(), victim);
  });

  it('scaling a Deployment down fails no request: terminating endpoints stop getting new connections while their pods still serve', { timeout: 300_000 }, async () => {
    // busybox httpd (like nginx) exits at once on SIGTERM. A preStop sleep keeps it serving
    // while the deletion reaches the EndpointSlice and the proxy, which is what users do
    // upstream too: without it, a request sent in that window to a pod just told to stop fails.
    await apply('bye', whoami('bye', { replicas: 4, podSpec: ['terminationGracePeriodSeconds: 30'], container: ['lifecycle:', "  preStop: {exec: {command: [sleep, '6']}}"] }));
    await eventually(async () => (await json(['get', 'deploy', 'bye'])).status.readyReplicas === 4, 60_000);
    const ip = (await json(['get', 'svc', 'bye'])).spec.clusterIP;
    const seen = new Set<string>();
    await eventually(async () => {
      seen.add((await httpGet(`http://${ip}/`)).trim());
      return seen.size === 4;
    }, 20_000, 20);
    const byeEndpoints = async (): Promise<any[]> =>
      (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=bye'])).items.flatMap((s: any) => s.endpoints ?? []);
    assert.equal((await byeEndpoints()).filter((e) => e.conditions.ready).length, 4);
    let failures = 0;
    let requests = 0;
    const errors: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        requests++;
        await httpGet(`http://${ip}/`).then(
          (body) => seen.add(body.trim()),
          (e: Error) => {
            failures++;
            if (errors.length < 5) errors.push(e.message);
          },
        );
      }
    })();
    try {
      await c.k(['scale', 'deployment/bye', '--replicas=1']);
      const scaledAt = Date.now();
      // While the three pods run their preStop hook, their endpoints say so: not ready (no new
      // connections), still serving, terminating.
      const terminating = await eventually(async () => {
        const eps = (await byeEndpoints()).filter((e) => e.conditions.terminating);
        return eps.length === 3 && eps;
      }, 10_000, 50);
      for (const e of terminating) assert.deepEqual(e.conditions, { ready: false, serving: true, terminating: true });
      // The pods are gone (grace period honoured, preStop done, SIGTERM, deleted), and only the
      // remaining pod answers.
      await eventually(async () => (await json(['get', 'pods', '-l', 'app=bye'])).items.length === 1, 60_000, 250);
      assert.ok(Date.now() - scaledAt >= 5000, `the pods lived through their 6 s preStop hook (gone after ${Date.now() - scaledAt} ms)`);
      const survivor = (await json(['get', 'pods', '-l', 'app=bye'])).items[0].metadata.name as string;
      await eventually(async () => (await byeEndpoints()).length === 1, 10_000);
      for (let i = 0; i < 10; i++) assert.equal((await httpGet(`http://${ip}/`)).trim(), survivor);
    } finally {
      stop = true;
      await load;
    }
    assert.ok(requests > 50, `the client kept requesting (${requests} requests)`);
    assert.equal(failures, 0, `no request failed while scaling down (${failures} of ${requests}: ${errors.join('; ')})`);
  });

  it('kubectl port-forward svc/<name> reaches a pod of the Service through its target port', { timeout: 300_000 }, async () => {
    // kubectl resolves the Service to one of its pods and maps service port 80 to the pod's
    // targetPort 8080, then uses that pod's portforward subresource.
    const pod = await runningPod('app=bye');
    const port = await freePort();
    const pf = spawn(KUBECTL, ['port-forward', 'svc/bye', `${port}:80`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('Forwarding from'), 10_000);
      assert.match(out, new RegExp(`Forwarding from 127\\.0\\.0\\.1:${port} -> 8080`));
      assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).trim(), pod.metadata.name);
      assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).trim(), pod.metadata.name);
    } finally {
      pf.kill();
      await new Promise((r) => (pf.exitCode !== null || pf.signalCode !== null ? r(undefined) : pf.once('exit', r)));
    }
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/`), 'the local port is closed once kubectl is gone');
    await c.k(['delete', 'deployment/bye', 'svc/bye', '--wait=false']);
  });

  it("the article's Ingress serves nginx on the ingress port; host and path rules reach a second backend", { timeout: 300_000 }, async () => {
    const port = ingressPort;
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`).catch(() => undefined), 20_000), /Welcome to nginx!/);
    await apply('mobile', `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: mobile}
spec:
  rules:
  - host: m.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: hello-world, port: {number: 8080}}}}
`);
    const body = await eventually(() => httpGet(`http://127.0.0.1:${port}/api/items`, { Host: 'm.example.com' }).then((b) => (b.includes('CLIENT VALUES') ? b : undefined)).catch(() => undefined), 20_000);
    assert.match(body, /real path=\/api\/items/);
    assert.match(await httpGet(`http://127.0.0.1:${port}/`, { Host: 'm.example.com' }), /Welcome to nginx!/);
    const ing = await json(['get', 'ingress', 'nginx-ingress']);
    assert.equal(ing.status.loadBalancer.ingress[0].ip, '127.0.0.1');
  });

  it('a StatefulSet keeps its data across pod restarts (local-path PersistentVolumes)', { timeout: 300_000 }, async () => {
    await apply('sts', `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: data}
spec:
  serviceName: data
  replicas: 1
  selector: {matchLabels: {app: data}}
  template:
    metadata: {labels: {app: data}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        imagePullPolicy: IfNotPresent
        command: [sh, -c, 'echo boot >> /data/boots; exec sleep 3600']
        volumeMounts: [{name: store, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: store}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`);
    const first = await runningPod('app=data');
    const pvc = await json(['get', 'pvc', 'store-data-0']);
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.spec.storageClassName, 'local-path');
    assert.equal((await c.k(['exec', 'data-0', '--', 'cat', '/data/boots'])).trim(), 'boot');
    await c.k(['delete', 'pod', 'data-0']);
    await eventually(async () => {
      const p = (await json(['get', 'pods', '-l', 'app=data'])).items[0];
      return p && p.metadata.uid !== first.metadata.uid && p.status.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True');
    }, 60_000);
    assert.equal((await c.k(['exec', 'data-0', '--', 'cat', '/data/boots'])).trim(), 'boot\nboot');
    await c.k(['delete', 'sts', 'data']);
    await c.k(['delete', 'pvc', 'store-data-0']);
  });

  it('restarting the agent leaves running containers running', { timeout: 300_000 }, async () => {
    const before = await runningPod('app=hello-world');
    const id = before.status.containerStatuses[0].containerID;
    await c.stop();
    c = await startCluster({ dataDir: c.dataDir, extraArgs: await serverArgs() });
    await new Promise((r) => setTimeout(r, 3000));
    const after = await runningPod('app=hello-world');
    assert.equal(after.metadata.name, before.metadata.name);
    assert.equal(after.status.containerStatuses[0].containerID, id, 'same container');
    assert.equal(after.status.containerStatuses[0].restartCount, before.status.containerStatuses[0].restartCount);
    assert.match(await httpGet(`http://${after.status.podIP}:8080/after-restart`), /after-restart/);
  });

  it('100 pod create/delete cycles leave nothing behind', { timeout: 600_000 }, async () => {
    await c.k(['delete', 'deploy,sts,pods', '--all', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
    // A Deployment deleted in the background leaves its ReplicaSet for the garbage collector,
    // and until then it replaces the pods this same command deletes; kubectl waits only for the
    // pods it listed. So wait for every pod object to be gone before counting.
    await eventually(async () => (await json(['get', 'pods'])).items.length === 0, 90_000, 250);
    const netnsBefore = existsSync('/var/run/netns') ? readdirSync('/var/run/netns').filter((n) => n.startsWith('k8ts-')).length : 0;
    assert.equal(netnsBefore, 0);
    for (let batch = 0; batch < 10; batch++) {
      const pods = Array.from({ length: 10 }, (_, i) => `apiVersion: v1
kind: Pod
metadata: {name: cycle-${batch}-${i}, labels: {app: cycle}}
spec:
  terminationGracePeriodSeconds: 2
  containers: [{name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, '3600']}]
`).join('---\n');
      await apply(`cycle-${batch}`, pods);
      await eventually(async () => (await json(['get', 'pods', '-l', 'app=cycle'])).items.filter((p: any) => p.status.phase === 'Running').length === 10, 60_000);
      await c.k(['delete', 'pods', '-l', 'app=cycle', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    }
    await eventually(() => !existsSync('/var/run/netns') || readdirSync('/var/run/netns').filter((n) => n.startsWith('k8ts-')).length === 0, 20_000);
    // The kubelet tears pods down asynchronously once their objects are gone (terminal pods
    // are deleted at once by the API server), so allow it a moment.
    const leftovers = (): string[] => {
      const out: string[] = [];
      if (spawnSync('pgrep', ['-f', `conmon.*${c.dataDir}`], { encoding: 'utf8' }).stdout.trim()) out.push('conmon processes');
      const mounts = spawnSync('grep', ['-c', c.dataDir, '/proc/mounts'], { encoding: 'utf8' }).stdout.trim();
      if (mounts !== '0') out.push(`${mounts} mounts`);
      if (spawnSync('ip', ['-o', 'link', 'show', 'master', 'k8ts0'], { encoding: 'utf8' }).stdout.trim()) out.push('veths on the bridge');
      return out;
    };
    await eventually(() => leftovers().length === 0, 30_000).catch(() => assert.deepEqual(leftovers(), [], 'nothing left behind'));
    const ipam = join(c.dataDir, 'runtime', 'network', 'ipam');
    const reserved = existsSync(ipam) ? readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
    assert.deepEqual(reserved, [], 'no pod IPs left reserved');
    const podState = join(c.dataDir, 'runtime', 'network', 'pods');
    assert.deepEqual(existsSync(podState) ? readdirSync(podState) : [], [], 'no pod network state left');
  });
});
