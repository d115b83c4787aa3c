// Fixture builders for why's unit tests: small, deep-frozen objects shaped like the server's.
import type { Deployment, EndpointSlice, Event, Node, Pod, ReplicaSet, Service } from '../../api/types/index.js';
import { deepFreeze } from '../../client/testing/index.js';
import { emptyFacts } from '../diagnose.js';
import type { WhyFacts } from '../types.js';

export function facts(p: Partial<WhyFacts>): WhyFacts {
  return deepFreeze({ ...emptyFacts(), ...p });
}

const owner = (kind: string, name: string) => [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }];

export function deployment(name: string, o: { replicas?: number; ready?: number; conditions?: object[] } = {}): Deployment {
  const replicas = o.replicas ?? 1;
  return deepFreeze({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: o.ready ?? replicas, conditions: o.conditions ?? [] },
  } as Deployment);
}

export function replicaSet(name: string, deploy: string, revision = 1, extra: Partial<ReplicaSet['status']> = {}): ReplicaSet {
  return deepFreeze({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: owner('Deployment', deploy), annotations: { 'deployment.kubernetes.io/revision': String(revision) } },
    spec: { replicas: 1, selector: { matchLabels: { app: deploy } } },
    status: { replicas: 1, ...extra },
  } as ReplicaSet);
}

export interface PodOpts {
  labels?: Record<string, string>;
  owner?: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  scheduled?: { status: 'False'; reason: string; message: string };
  containerStatus?: object;
  limits?: Record<string, string>;
  readinessProbe?: object;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const ready = o.ready ?? true;
  const conditions: object[] = [];
  if (o.scheduled) conditions.push({ type: 'PodScheduled', ...o.scheduled });
  else conditions.push({ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' });
  return deepFreeze({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? {}, ...(o.owner ? { ownerReferences: owner('ReplicaSet', o.owner) } : {}) },
    spec: {
      ...(o.scheduled ? {} : { nodeName: o.node ?? 'node-1' }),
      containers: [{ name: 'app', image: 'nginx', resources: o.limits ? { limits: o.limits } : {}, ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}) }],
    },
    status: {
      phase: o.phase ?? (o.scheduled ? 'Pending' : 'Running'),
      conditions,
      containerStatuses: o.scheduled ? [] : [{ name: 'app', image: 'nginx', ready, restartCount: 0, state: { running: {} }, ...(o.containerStatus ?? {}) }],
    },
  } as Pod);
}

export function event(about: string, reason: string, message: string, count = 1, kind = 'Pod'): Event {
  return deepFreeze({
    metadata: { name: `${about}.${reason}`, namespace: 'default' },
    involvedObject: { kind, name: about, namespace: 'default', uid: `uid-${about}` },
    reason, message, count, type: reason === 'Scheduled' || reason === 'Pulled' ? 'Normal' : 'Warning',
    lastTimestamp: '2026-01-01T00:00:00Z',
  } as Event);
}

export function service(name: string, selector: Record<string, string>): Service {
  return deepFreeze({ metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { selector, ports: [{ port: 80 }] } } as Service);
}

export function slice(svc: string, ready: boolean[]): EndpointSlice {
  return deepFreeze({
    metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [],
    endpoints: ready.map((r, i) => ({ addresses: [`10.42.0.${i + 2}`], conditions: { ready: r } })),
  } as EndpointSlice);
}

export function node(name: string, o: { ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean } = {}): Node {
  return deepFreeze({
    metadata: { name, uid: `uid-${name}` },
    spec: { unschedulable: o.unschedulable },
    status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True', reason: o.ready === 'True' || !o.ready ? 'KubeletReady' : 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  } as Node);
}
