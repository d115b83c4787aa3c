// Simulated nodes (KWOK-style): each registers a Node with capacity, renews its Lease in
// kube-node-lease and reports Ready, without running anything. A node can be stopped and
// restarted, to exercise node failure: a stopped node stops renewing its Lease and stops
// progressing its pods, exactly what a dead kubelet looks like from the API.
//
//   start ──register Node──▶ running ──stop()──▶ stopped (no Lease renewals, pods frozen)
//                              ▲                      │
//                              └────────start()───────┘  (posts Ready again)
import type { KObject } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound, isConflict } from '../../api/status.js';
import { type ApiClient, R } from '../../client/index.js';
import { rfc3339, rfc3339Micro } from '../../util/time.js';
import { LABEL_ARCH, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE, LABEL_OS, NAMESPACE_NODE_LEASE } from '../../api/well-known.js';

export interface SimulatedNodeSpec {
  name: string;
  /** Resource capacity, e.g. { cpu: '8', memory: '32Gi', pods: '110' }. */
  capacity: Record<string, string>;
  labels?: Record<string, string>;
  /** Node address (never contacted: a loopback address). */
  address: string;
  podCIDR: string;
}

export const SIMULATED_RUNTIME_VERSION = 'simulated://0.1.0';
export const KUBELET_VERSION = 'v1.32.3-k8ts';

export function nodeConditions(ready: boolean, now: string): Array<Record<string, unknown>> {
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : c('Ready', 'False', 'KubeletNotReady', 'kubelet is not ready'),
  ];
}

export function nodeObject(spec: SimulatedNodeSpec, now: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        [LABEL_ARCH]: 'amd64',
        [LABEL_HOSTNAME]: spec.name,
        [LABEL_OS]: 'linux',
        [LABEL_INSTANCE_TYPE]: 'k8ts-simulated',
        ...spec.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'k8ts.io/simulated': 'true' },
    },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR] },
    status: {
      capacity: { ...spec.capacity },
      allocatable: { ...spec.capacity },
      conditions: nodeConditions(true, now),
      addresses: [
        { type: 'InternalIP', address: spec.address },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: spec.name,
        systemUUID: spec.name,
        bootID: spec.name,
        kernelVersion: 'simulated',
        osImage: 'k8ts simulated node',
        containerRuntimeVersion: SIMULATED_RUNTIME_VERSION,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    },
  };
}

export class SimulatedNode {
  private running = false;
  private leaseRv?: string;

  constructor(readonly spec: SimulatedNodeSpec, private readonly client: ApiClient, private readonly leaseDurationSeconds = 40) {}

  get name(): string {
    return this.spec.name;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** Registers (or re-announces) the node as Ready and starts heartbeating. */
  async start(): Promise<void> {
    const now = rfc3339();
    try {
      await this.client.create(R.nodes, undefined, nodeObject(this.spec, now));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await this.postReady(now);
    }
    this.running = true;
    await this.renewLease();
  }

  stop(): void {
    this.running = false;
  }

  private async postReady(now: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.client.get(R.nodes, undefined, this.name);
      const status = { ...(cur.status as Record<string, unknown>), conditions: nodeConditions(true, now) };
      try {
        await this.client.updateStatus(R.nodes, undefined, { ...cur, status });
        return;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
  }

  /** Renews (creating if needed) the node's Lease; no-op while stopped. */
  async renewLease(): Promise<void> {
    if (!this.running) return;
    const now = rfc3339Micro();
    const spec = { holderIdentity: this.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: now };
    try {
      if (this.leaseRv) {
        const lease = await this.client.update(R.leases, NAMESPACE_NODE_LEASE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: NAMESPACE_NODE_LEASE, resourceVersion: this.leaseRv, ownerReferences: this.ownerRefs() },
          spec,
        });
        this.leaseRv = lease.metadata.resourceVersion;
        return;
      }
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
      this.leaseRv = undefined;
    }
    try {
      const cur = await this.client.get(R.leases, NAMESPACE_NODE_LEASE, this.name);
      const lease = await this.client.update(R.leases, NAMESPACE_NODE_LEASE, { ...cur, spec: { ...(cur.spec as object), ...spec } });
      this.leaseRv = lease.metadata.resourceVersion;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const lease = await this.client.create(R.leases, NAMESPACE_NODE_LEASE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: NAMESPACE_NODE_LEASE, ownerReferences: this.ownerRefs() },
        spec: { ...spec, acquireTime: now },
      });
      this.leaseRv = lease.metadata.resourceVersion;
    }
  }

  private nodeUid?: string;
  private ownerRefs(): KObject['metadata']['ownerReferences'] {
    return this.nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: this.nodeUid }] : undefined;
  }

  setNodeUid(uid: string | undefined): void {
    this.nodeUid = uid;
  }
}

export { rfc3339 };
