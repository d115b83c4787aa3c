import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { convert, ConversionError } from './index.js';

test('ingress v1beta1 ⇄ v1', () => {
  const beta: KObject = {
    apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', metadata: { name: 'i', namespace: 'd' },
    spec: {
      backend: { serviceName: 'default', servicePort: 80 },
      rules: [{ host: 'a.com', http: { paths: [
        { path: '/a', backend: { serviceName: 'web', servicePort: 'http' } },
        { path: '/b', pathType: 'Prefix', backend: { serviceName: 'api', servicePort: 8080 } },
      ] } }],
    },
  };
  const frozen = structuredClone(beta);
  const v1 = convert(beta, 'networking.k8s.io/v1');
  assert.deepEqual(beta, frozen, 'input is not mutated');
  assert.deepEqual(v1, {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'd' },
    spec: {
      defaultBackend: { service: { name: 'default', port: { number: 80 } } },
      rules: [{ host: 'a.com', http: { paths: [
        { path: '/a', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'http' } } } },
        { path: '/b', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } },
      ] } }],
    },
  });
  const back = convert(v1, 'networking.k8s.io/v1beta1');
  (frozen.spec as { rules: Array<{ http: { paths: Array<Record<string, unknown>> } }> }).rules[0]!.http.paths[0]!.pathType = 'ImplementationSpecific';
  assert.deepEqual(back, frozen);
  assert.deepEqual(convert(back, 'networking.k8s.io/v1'), v1);
  const ext = convert({ ...beta, apiVersion: 'extensions/v1beta1' }, 'networking.k8s.io/v1');
  assert.deepEqual(ext.spec, v1.spec);
});

test('hpa v1 ⇄ v2 round trips', () => {
  const v1: KObject = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'd' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 30 },
  };
  const v2 = convert(v1, 'autoscaling/v2');
  assert.deepEqual(v2.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
  });
  assert.deepEqual(v2.status, { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30 } } }] });
  assert.deepEqual(convert(v2, 'autoscaling/v1'), v1);

  const rich: KObject = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'd', annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 9,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
    status: {
      currentReplicas: 3, desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 65, averageValue: '130m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    },
  };
  const asV1 = convert(rich, 'autoscaling/v1');
  assert.equal((asV1.spec as Record<string, unknown>).targetCPUUtilizationPercentage, 70);
  assert.equal((asV1.status as Record<string, unknown>).currentCPUUtilizationPercentage, 65);
  assert.ok(asV1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics']);
  assert.deepEqual(convert(asV1, 'autoscaling/v2'), rich);
});

test('event core/v1 ⇄ events.k8s.io/v1 round trips', () => {
  const core: KObject = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.17a', namespace: 'd' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'd', uid: 'u' },
    related: { kind: 'Node', name: 'n1' },
    reason: 'Started', message: 'Started container', type: 'Normal',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2024-01-01T00:00:00Z', lastTimestamp: '2024-01-01T00:01:00Z', count: 3,
    eventTime: null, reportingComponent: 'kubelet', reportingInstance: 'n1', action: 'Start',
    series: { count: 2, lastObservedTime: '2024-01-01T00:01:00.000000Z' },
  };
  const ev = convert(core, 'events.k8s.io/v1');
  assert.deepEqual(ev, {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'web.17a', namespace: 'd' },
    regarding: { kind: 'Pod', name: 'web', namespace: 'd', uid: 'u' },
    related: { kind: 'Node', name: 'n1' },
    reason: 'Started', note: 'Started container', type: 'Normal',
    deprecatedSource: { component: 'kubelet', host: 'n1' },
    deprecatedFirstTimestamp: '2024-01-01T00:00:00Z', deprecatedLastTimestamp: '2024-01-01T00:01:00Z', deprecatedCount: 3,
    eventTime: null, reportingController: 'kubelet', reportingInstance: 'n1', action: 'Start',
    series: { count: 2, lastObservedTime: '2024-01-01T00:01:00.000000Z' },
  });
  assert.deepEqual(convert(ev, 'v1'), core);
});

test('same version copies; unrelated groups throw; other versions relabel', () => {
  const o: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } };
  const c = convert(o, 'apps/v1');
  assert.deepEqual(c, o);
  assert.notEqual(c, o);
  assert.throws(() => convert(o, 'batch/v1'), ConversionError);
  assert.equal(convert({ apiVersion: 'autoscaling/v2beta2', kind: 'X', metadata: { name: 'x' } }, 'autoscaling/v2').apiVersion, 'autoscaling/v2');
});
