import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { applyDefaults, addDefaultTolerations, applyPodPriority, addDefaultServiceAccount, jobSelectorAndLabels, podQOSClass, imageTag } from './index.js';

// Fixtures are free-form JSON; `any` keeps deep property access readable in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;

function defaulted(group: string, version: string, kind: string, o: J): J {
  applyDefaults(group, version, kind, o as KObject);
  const once = structuredClone(o);
  applyDefaults(group, version, kind, o as KObject);
  assert.deepEqual(o, once, `${kind}: defaulting twice must equal defaulting once`);
  return o;
}

const pod = (): J => ({
  metadata: { name: 'p' },
  spec: {
    containers: [{
      name: 'c', image: 'nginx', ports: [{ containerPort: 80 }],
      resources: { limits: { cpu: '1' } },
      livenessProbe: { httpGet: { port: 80 } },
      env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    }],
    volumes: [{ name: 'a', configMap: { name: 'x' } }, { name: 'b' }, { name: 'h', hostPath: { path: '/x' } }],
  },
});

test('pod defaults', () => {
  const p = defaulted('', 'v1', 'Pod', pod());
  const s = p.spec;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(c.resources.requests, { cpu: '1' });
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(s.volumes, [
    { name: 'a', configMap: { name: 'x', defaultMode: 420 } },
    { name: 'b', emptyDir: {} },
    { name: 'h', hostPath: { path: '/x', type: '' } },
  ]);
});

test('restartPolicy and pull policy keep explicit values; tags and digests', () => {
  const p = pod();
  p.spec.restartPolicy = 'Never';
  p.spec.containers[0].imagePullPolicy = 'Never';
  defaulted('', 'v1', 'Pod', p);
  assert.equal(p.spec.restartPolicy, 'Never');
  assert.equal(p.spec.containers[0].imagePullPolicy, 'Never');
  assert.equal(imageTag('nginx:1.25'), '1.25');
  assert.equal(imageTag('localhost:5000/nginx'), 'latest');
  assert.equal(imageTag('nginx@sha256:abc'), '');
  assert.equal(imageTag('nginx:latest'), 'latest');
  const q = pod();
  q.spec.containers[0].image = 'registry:5000/nginx:1.25';
  defaulted('', 'v1', 'Pod', q);
  assert.equal(q.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('deployment defaults; template gets pod-spec defaults but not pod-only ones', () => {
  const d = defaulted('apps', 'v1', 'Deployment', { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1', resources: { limits: { cpu: '1' } } }] } } } });
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal('minReadySeconds' in d.spec, false);
  const ts = d.spec.template.spec;
  assert.equal(ts.restartPolicy, 'Always');
  assert.equal(ts.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal('enableServiceLinks' in ts, false);
  assert.equal('requests' in ts.containers[0].resources, false);
  const recreate = defaulted('apps', 'v1', 'Deployment', { metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
});

test('statefulset, daemonset, replicaset defaults', () => {
  const s = defaulted('apps', 'v1', 'StatefulSet', { metadata: { name: 's' }, spec: { template: { spec: { containers: [] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] } });
  assert.equal(s.spec.replicas, 1);
  assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(s.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(s.spec.revisionHistoryLimit, 10);
  assert.equal(s.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  const ds = defaulted('apps', 'v1', 'DaemonSet', { metadata: { name: 'x' }, spec: {} });
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.equal(defaulted('apps', 'v1', 'ReplicaSet', { metadata: { name: 'r' }, spec: { replicas: 0 } }).spec.replicas, 0);
});

test('job and cronjob defaults; generated selector', () => {
  const j = defaulted('batch', 'v1', 'Job', { metadata: { name: 'j' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
  assert.equal(j.spec.parallelism, 1);
  assert.equal(j.spec.completions, 1);
  assert.equal(j.spec.backoffLimit, 6);
  assert.equal(j.spec.completionMode, 'NonIndexed');
  assert.equal(j.spec.suspend, false);
  assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(j.metadata.labels, { app: 'x' });
  jobSelectorAndLabels(j as KObject, 'u1');
  assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } });
  assert.equal(j.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'j');
  assert.equal(j.spec.template.metadata.labels['controller-uid'], 'u1');
  assert.equal(j.metadata.labels['job-name'], 'j');
  const par = defaulted('batch', 'v1', 'Job', { metadata: { name: 'j' }, spec: { parallelism: 3 } });
  assert.equal('completions' in par.spec, false);
  const cj = defaulted('batch', 'v1', 'CronJob', { metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } } } });
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.equal('backoffLimit' in cj.spec.jobTemplate.spec, false);
});

test('service defaults', () => {
  const s = defaulted('', 'v1', 'Service', { metadata: { name: 's' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } });
  assert.deepEqual(s.spec, {
    selector: { a: 'b' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
  });
  const lb = defaulted('', 'v1', 'Service', { metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 'http' }] } });
  assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  assert.equal(lb.spec.ports[0].targetPort, 'http');
  const en = defaulted('', 'v1', 'Service', { metadata: { name: 's' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
  assert.deepEqual(en.spec, { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
});

test('namespace, secret, pv, pvc, storage class, priority class, rbac, hpa', () => {
  const ns = defaulted('', 'v1', 'Namespace', { metadata: { name: 'dev' } });
  assert.deepEqual(ns, { metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  assert.equal(defaulted('', 'v1', 'Secret', { metadata: { name: 's' } }).type, 'Opaque');
  const sec = defaulted('', 'v1', 'Secret', { metadata: { name: 's' }, data: { a: 'eA==', b: 'eA==' }, stringData: { b: 'héllo' } });
  assert.deepEqual(sec.data, { a: 'eA==', b: 'aMOpbGxv' });
  assert.equal('stringData' in sec, false);
  const pv = defaulted('', 'v1', 'PersistentVolume', { metadata: { name: 'p' }, spec: {} });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.volumeMode, 'Filesystem');
  assert.equal(defaulted('', 'v1', 'PersistentVolumeClaim', { metadata: { name: 'p' }, spec: {} }).spec.volumeMode, 'Filesystem');
  const sc = defaulted('storage.k8s.io', 'v1', 'StorageClass', { metadata: { name: 's' }, provisioner: 'x' });
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  assert.equal(defaulted('scheduling.k8s.io', 'v1', 'PriorityClass', { metadata: { name: 'p' }, value: 1 }).preemptionPolicy, 'PreemptLowerPriority');
  const rb = defaulted('rbac.authorization.k8s.io', 'v1', 'RoleBinding', { metadata: { name: 'r' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 's' }] });
  assert.equal(rb.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[0].apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[1].apiGroup, '');
  const hpa1 = defaulted('autoscaling', 'v1', 'HorizontalPodAutoscaler', { metadata: { name: 'h' }, spec: { maxReplicas: 3 } });
  assert.equal(hpa1.spec.minReplicas, 1);
  const hpa2 = defaulted('autoscaling', 'v2', 'HorizontalPodAutoscaler', { metadata: { name: 'h' }, spec: { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
  assert.equal(hpa2.spec.metrics[0].resource.target.averageUtilization, 80);
  assert.equal(hpa2.spec.behavior.scaleDown.stabilizationWindowSeconds, 60);
  assert.equal(hpa2.spec.behavior.scaleUp.policies.length, 2);
});

test('ingress pathType defaulted only for v1beta1', () => {
  const mk = (): J => ({ metadata: { name: 'i' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: {} }] } }] } });
  assert.equal(defaulted('networking.k8s.io', 'v1', 'Ingress', mk()).spec.rules[0].http.paths[0].pathType, undefined);
  assert.equal(defaulted('networking.k8s.io', 'v1beta1', 'Ingress', mk()).spec.rules[0].http.paths[0].pathType, 'ImplementationSpecific');
});

test('admission helpers', () => {
  const p = pod() as KObject;
  (p.spec as J).tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }];
  addDefaultTolerations(p);
  addDefaultTolerations(p);
  assert.deepEqual((p.spec as J).tolerations, [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  applyPodPriority(p);
  addDefaultServiceAccount(p);
  assert.equal((p.spec as J).priority, 0);
  assert.equal((p.spec as J).preemptionPolicy, 'PreemptLowerPriority');
  assert.equal((p.spec as J).serviceAccountName, 'default');
});

test('QoS class', () => {
  const mk = (res: J): J => ({ spec: { containers: [{ name: 'c', resources: res }] } });
  assert.equal(podQOSClass(mk({}) as KObject), 'BestEffort');
  assert.equal(podQOSClass(mk({ requests: { cpu: '1' } }) as KObject), 'Burstable');
  assert.equal(podQOSClass(mk({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }) as KObject), 'Guaranteed');
});
