import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, headline } from './diagnose.js';
import { logsWanted } from './pod.js';
import { nearMisses } from './network.js';
import { parseTarget, WhyInputError } from './resolve.js';
import { renderJson, renderText, wrap } from './render.js';
import { deployment, event, facts, node, pod, replicaSet, service, slice } from './testing/fixtures.js';
import type { Ingress, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/types/index.js';

const unschedulable = { status: 'False' as const, reason: 'Unschedulable', message: '0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}.' };

test('pod that cannot be scheduled: the first line carries the scheduler\'s per-node reasons', () => {
  const p = pod('web-1', { scheduled: unschedulable });
  const d = diagnose({ kind: 'pod', object: p }, facts({ events: [event('web-1', 'FailedScheduling', unschedulable.message, 4)] }));
  assert.equal(d.healthy, false);
  assert.equal(headline(d), 'pod/web-1 cannot be scheduled: 0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}.');
  assert.ok(d.evidence.some((e) => e.includes('x4')), d.evidence.join('\n'));
});

test('image that cannot be pulled: the image and the pull error', () => {
  const p = pod('web-1', { ready: false, phase: 'Pending', containerStatus: { image: 'nginx:nope', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:nope": manifest unknown' } } } });
  const d = diagnose({ kind: 'pod', object: p }, facts({}));
  assert.equal(headline(d), 'pod/web-1 cannot pull image "nginx:nope" for container app (ImagePullBackOff): Back-off pulling image "nginx:nope": manifest unknown');
  // The back-off message says nothing: the kubelet's last "Failed to pull image" event has the error.
  const backoff = pod('web-2', { ready: false, phase: 'Pending', containerStatus: { image: 'r.example/x:1', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r.example/x:1"' } } } });
  const d2 = diagnose({ kind: 'pod', object: backoff }, facts({ events: [event('web-2', 'Failed', 'Failed to pull image "r.example/x:1": r.example/x:1: manifest unknown (MANIFEST_UNKNOWN)')] }));
  assert.equal(headline(d2), 'pod/web-2 cannot pull image "r.example/x:1" for container app (ImagePullBackOff): r.example/x:1: manifest unknown (MANIFEST_UNKNOWN)');
});

test('CrashLoopBackOff: the exit code and the last log lines of the previous instance', () => {
  const p = pod('web-1', { ready: false, containerStatus: { restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } }, lastState: { terminated: { exitCode: 3, reason: 'Error', finishedAt: '2026-01-01T00:00:00Z' } } } });
  assert.deepEqual(logsWanted([p]), [{ pod: 'web-1', namespace: 'default', container: 'app', previous: true }]);
  const d = diagnose({ kind: 'pod', object: p }, facts({ logs: new Map([['web-1/app', 'starting\nconfig file /etc/app.conf missing\n']]) }));
  assert.equal(headline(d), 'pod/web-1 container app keeps crashing (CrashLoopBackOff): it exited with code 3 (Error)');
  assert.ok(d.evidence.includes('| config file /etc/app.conf missing'), d.evidence.join('\n'));
  assert.ok(d.evidence.some((e) => e.includes('restarted 4 times')));
});

test('OOMKilled names the memory limit', () => {
  const p = pod('web-1', { ready: false, limits: { memory: '64Mi' }, containerStatus: { restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } } });
  const d = diagnose({ kind: 'pod', object: p }, facts({}));
  assert.match(headline(d), /^pod\/web-1 container app was OOMKilled: it used more than its memory limit 64Mi/);
});

test('readiness probe failures carry the probe\'s output', () => {
  const p = pod('web-1', { ready: false, readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } });
  const d = diagnose({ kind: 'pod', object: p }, facts({ events: [event('web-1', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 7)] }));
  assert.equal(headline(d), 'pod/web-1 is not ready: container app Readiness probe failed: HTTP probe failed with statuscode: 503');
  assert.ok(d.evidence.some((e) => e.includes('GET /healthz on port 8080')));
});

test('healthy deployment: exit-0 wording with replicas and rollout', () => {
  const d = diagnose({ kind: 'deployment', object: deployment('nginx-dep', { replicas: 5 }) }, facts({ replicaSets: [replicaSet('nginx-dep-1', 'nginx-dep')] }));
  assert.equal(d.healthy, true);
  assert.equal(headline(d), 'deployment/nginx-dep is healthy: 5/5 replicas ready, rollout complete');
});

test('deployment → newest ReplicaSet → pod: the pod\'s cause is the answer, the chain shows the way', () => {
  const dep = deployment('web', { replicas: 2, ready: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-2" has timed out progressing.' }] });
  const pods = [pod('web-1-a', { owner: 'web-1' }), pod('web-2-a', { owner: 'web-2', scheduled: unschedulable }), pod('web-2-b', { owner: 'web-2', scheduled: unschedulable })];
  const d = diagnose({ kind: 'deployment', object: dep }, facts({ replicaSets: [replicaSet('web-1', 'web', 1), replicaSet('web-2', 'web', 2)], pods }));
  assert.match(headline(d), /^deployment\/web: pod\/web-2-a cannot be scheduled: 0\/3 nodes are available/);
  assert.deepEqual(d.chain, ['deployment/web', 'replicaset/web-2', 'pod/web-2-a']);
  assert.ok(d.evidence.some((e) => e.includes('2 of 2 pods have this problem')));
  assert.ok(d.evidence.some((e) => e.includes('ProgressDeadlineExceeded')));
});

test('a rollout stuck on progressDeadlineSeconds without a pod-level cause says so', () => {
  const dep = deployment('web', { replicas: 2, ready: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-2" has timed out progressing.' }] });
  const d = diagnose({ kind: 'deployment', object: dep }, facts({ replicaSets: [replicaSet('web-2', 'web', 2)], pods: [pod('web-2-a', { owner: 'web-2' })] }));
  assert.equal(headline(d), 'deployment/web rollout is stuck: ReplicaSet "web-2" has timed out progressing.');
});

test('a ReplicaSet that cannot create pods (quota) is the broken link', () => {
  const rs = replicaSet('web-1', 'web', 1, { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-1-x" is forbidden: exceeded quota: q' }] });
  const d = diagnose({ kind: 'deployment', object: deployment('web', { replicas: 1, ready: 0 }) }, facts({ replicaSets: [rs] }));
  assert.equal(headline(d), 'deployment/web: replicaset/web-1 cannot create pods: pods "web-1-x" is forbidden: exceeded quota: q');
});

test('service selector typo: the near misses name the differing label', () => {
  const pods = [pod('web-a', { labels: { app: 'web', tier: 'front' } }), pod('db-a', { labels: { app: 'db', tier: 'back' } })];
  const d = diagnose({ kind: 'service', object: service('web', { app: 'wbe', tier: 'front' }) }, facts({ pods }));
  assert.equal(headline(d), 'service/web selects no pod: selector app=wbe,tier=front matches no pod in namespace default; did you mean app=web?');
  assert.deepEqual(d.evidence, ['near miss: pod/web-a has app=web, the selector wants app=wbe']);
  assert.deepEqual(nearMisses({ app: 'web', tier: 'front' }, [pod('x', { labels: { app: 'web' } })]), [{ pod: 'x', key: 'tier', want: 'front', have: undefined }]);
});

test('service with pods but no ready endpoints follows into the pods', () => {
  const pods = [pod('web-a', { labels: { app: 'web' }, ready: false })];
  const d = diagnose({ kind: 'service', object: service('web', { app: 'web' }) }, facts({ pods, endpointSlices: [slice('web', [false])], events: [event('web-a', 'Unhealthy', 'Readiness probe failed: connection refused')] }));
  assert.equal(headline(d), 'service/web has no ready endpoints: 0 of 1 selected pods are ready');
  assert.match(d.evidence[1], /^pod\/web-a is not ready: .*connection refused/);
  const ok = diagnose({ kind: 'service', object: service('web', { app: 'web' }) }, facts({ pods: [pod('web-a', { labels: { app: 'web' } })], endpointSlices: [slice('web', [true])] }));
  assert.equal(headline(ok), 'service/web is healthy: 1/1 endpoints ready (1 pods selected)');
});

const ingress = (svc: string): Ingress => ({ metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }] } }) as Ingress;

test('ingress → service without ready endpoints; ingress → missing service', () => {
  const pods = [pod('web-a', { labels: { app: 'web' }, ready: false })];
  const d = diagnose({ kind: 'ingress', object: ingress('web') }, facts({ services: [service('web', { app: 'web' })], pods, endpointSlices: [slice('web', [false])] }));
  assert.equal(headline(d), 'ingress/web: service/web has no ready endpoints: 0 of 1 selected pods are ready');
  assert.deepEqual(d.chain.slice(0, 2), ['ingress/web', 'service/web']);
  const gone = diagnose({ kind: 'ingress', object: ingress('nope') }, facts({}));
  assert.equal(headline(gone), 'ingress/web: service/nope does not exist: the ingress routes to it');
});

test('PVC: a class that does not exist, no matching PV with the reasons, bound', () => {
  const pvc = (cls?: string): PersistentVolumeClaim => ({ metadata: { name: 'data', namespace: 'default', uid: 'u' }, spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } }, status: { phase: 'Pending' } }) as PersistentVolumeClaim;
  const d = diagnose({ kind: 'persistentvolumeclaim', object: pvc('fast') }, facts({ storageClasses: [{ metadata: { name: 'local-path' }, provisioner: 'x' } as StorageClass] }));
  assert.match(headline(d), /^persistentvolumeclaim\/data: storageclass\/fast does not exist/);
  const pv = { metadata: { name: 'pv1' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } }, status: { phase: 'Available' } } as PersistentVolume;
  const d2 = diagnose({ kind: 'persistentvolumeclaim', object: pvc('') }, facts({ persistentVolumes: [pv] }));
  assert.equal(headline(d2), 'persistentvolumeclaim/data is Pending: no PersistentVolume matches and there is no default StorageClass');
  assert.deepEqual(d2.evidence, ['persistentvolume/pv1: capacity 1Gi, the claim requests 5Gi']);
});

test('node: stopped reporting, cordoned, healthy', () => {
  assert.match(headline(diagnose({ kind: 'node', object: node('n1', { ready: 'Unknown' }) }, facts({}))), /^node\/n1 stopped reporting: Ready=Unknown/);
  assert.match(headline(diagnose({ kind: 'node', object: node('n1', { unschedulable: true }) }, facts({}))), /^node\/n1 is cordoned/);
  assert.equal(headline(diagnose({ kind: 'node', object: node('n1') }, facts({ pods: [pod('a', { node: 'n1' })] }))), 'node/n1 is healthy: Ready, 1 pods');
});

test('KIND/NAME as kubectl spells it; bad input is a WhyInputError', () => {
  assert.deepEqual(parseTarget(['deploy/web']), { kind: 'deployment', name: 'web' });
  assert.deepEqual(parseTarget(['deployments.apps/web']), { kind: 'deployment', name: 'web' });
  assert.deepEqual(parseTarget(['svc', 'web']), { kind: 'service', name: 'web' });
  assert.deepEqual(parseTarget(['Ingress/web']), { kind: 'ingress', name: 'web' });
  assert.deepEqual(parseTarget(['pvc/data']), { kind: 'persistentvolumeclaim', name: 'data' });
  assert.throws(() => parseTarget(['frob/x']), (e: unknown) => e instanceof WhyInputError && /unknown kind "frob"/.test(e.message));
  assert.throws(() => parseTarget(['cm/x']), (e: unknown) => e instanceof WhyInputError && /does not diagnose ConfigMap/.test(e.message));
  assert.throws(() => parseTarget(['web']), WhyInputError);
  assert.throws(() => parseTarget(['deploy/']), WhyInputError);
});

test('text output: the first line whole, evidence wrapped to the width and cut when long; json for tools', () => {
  const long = 'x'.repeat(300);
  const d = { healthy: false, subject: 'pod/p', link: 'pod/p', cause: `cannot be scheduled: ${long}`, chain: ['pod/p'], evidence: [`a ${'word '.repeat(60)}`, ...Array.from({ length: 40 }, (_, i) => `line ${i}`)] };
  const lines = renderText(d, 60).trimEnd().split('\n');
  assert.equal(lines[0], `pod/p cannot be scheduled: ${long}`);
  assert.ok(lines.slice(1).every((l) => l.length <= 60), lines.join('\n'));
  assert.match(lines.at(-1)!, /more lines \(-o json shows all\)/);
  assert.ok(wrap(long, 40, '  ').every((l) => l.length <= 40));
  const j = JSON.parse(renderJson(d));
  assert.deepEqual(Object.keys(j).sort(), ['cause', 'chain', 'evidence', 'healthy', 'link', 'subject']);
  assert.equal(j.evidence.length, 41);
});
