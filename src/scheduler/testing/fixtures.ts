// Builders for nodes and pods in scheduler tests and benchmarks.
import type { Taint, Toleration } from '../framework/types.js';
import type { Node, Pod, PodSpec } from '../../api/types/index.js';

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extra ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-node-${name}`, resourceVersion: '1', labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  priority?: number;
  labels?: Record<string, string>;
  nodeName?: string;
  tolerations?: Toleration[];
  hostPort?: number;
  spec?: Partial<PodSpec>;
  creationTimestamp?: string;
}

let uid = 0;

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const container = {
    name: 'c',
    image: 'pause',
    ...(o.cpu || o.memory ? { resources: { requests } } : {}),
    ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort, protocol: 'TCP' }] } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-pod-${name}-${++uid}`,
      resourceVersion: '1',
      labels: o.labels ?? {},
      creationTimestamp: o.creationTimestamp ?? '2024-01-01T00:00:00Z',
    },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [container],
      priority: o.priority ?? 0,
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.spec ?? {}),
    },
    status: { phase: 'Pending' },
  };
}
