// Registers the Node and keeps its status current, as upstream's kubelet_node_status.go:
// on start, create the Node (or take over the existing one); then every 10 s compute the
// status and post it when something changed, and at least every 5 min so lastHeartbeatTime
// moves (the Lease is what says the node is alive).
import { isAlreadyExists, isNotFound } from '../../api/status.js';
import type { KObject, Node, NodeCondition, NodeStatus } from '../../api/types/index.js';
import { type ApiClient, type Clock, type EventRecorder, R } from '../../client/index.js';
import { rfc3339 } from '../../util/time.js';
import type { ImageService, RuntimeService } from '../../runtime/index.js';
import { KUBELET_VERSION, EVENT } from '../constants.js';
import type { HostIdentity, HostSnapshot } from './host-info.js';
import { allocatableOf, capacityOf, nodeConditions, pressureOf } from './node-conditions.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { LABEL_ARCH, LABEL_HOSTNAME, LABEL_NODE_ROLE_CONTROL_PLANE, LABEL_OS } from '../../api/well-known.js';

export const NODE_STATUS_UPDATE_MS = 10_000;
export const NODE_STATUS_REPORT_MS = 5 * 60_000;
export const KUBELET_PORT = 10250;

export interface NodeStatusOptions {
  client: ApiClient;
  runtime: RuntimeService;
  images: ImageService;
  nodeName: string;
  nodeIP: string;
  podCIDR?: string;
  controlPlane?: boolean;
  labels?: Record<string, string>;
  clock: Clock;
  recorder: EventRecorder;
  snapshot(): Promise<HostSnapshot>;
  identity: HostIdentity;
  /** Port of the kubelet's streaming server, published in status.daemonEndpoints (default 10250). */
  kubeletPort?: number;
}

export class NodeStatusManager {
  private lastPosted = 0;
  private lastPostedJson = '';
  private conditions: NodeCondition[] = [];
  nodeUid?: string;

  constructor(private readonly o: NodeStatusOptions) {}

  labels(): Record<string, string> {
    const arch = this.o.identity.architecture;
    const out: Record<string, string> = {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      [LABEL_ARCH]: arch,
      [LABEL_HOSTNAME]: this.o.nodeName,
      [LABEL_OS]: 'linux',
      ...this.o.labels,
    };
    if (this.o.controlPlane) out[LABEL_NODE_ROLE_CONTROL_PLANE] = '';
    return out;
  }

  private nodeRef(): KObject {
    return { apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.nodeName, uid: this.o.nodeName } };
  }

  /** Creates the Node, or takes over an existing one (labels, podCIDR and status refreshed). */
  async register(): Promise<KObject> {
    const status = await this.computeStatus();
    const spec: Record<string, unknown> = {};
    if (this.o.podCIDR) {
      spec.podCIDR = this.o.podCIDR;
      spec.podCIDRs = [this.o.podCIDR];
    }
    this.o.recorder.event(this.nodeRef(), 'Normal', EVENT.Starting, 'Starting kubelet.');
    let node: KObject;
    try {
      node = await this.o.client.create(R.nodes, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.o.nodeName, labels: this.labels(), annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
        spec,
        status,
      });
      this.o.recorder.event(this.nodeRef(), 'Normal', EVENT.RegisteredNode, `Node ${this.o.nodeName} event: Registered Node ${this.o.nodeName} in Controller`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const cur = await this.o.client.get<Node>(R.nodes, undefined, this.o.nodeName);
      const curSpec = cur.spec ?? {};
      const patch: Record<string, unknown> = { metadata: { labels: this.labels() } };
      if (this.o.podCIDR && !curSpec.podCIDR) patch.spec = spec;
      node = await this.o.client.patch(R.nodes, undefined, this.o.nodeName, 'merge', patch);
    }
    // Status is a subresource: a create may drop it, so post it explicitly.
    node = await this.o.client.patch(R.nodes, undefined, this.o.nodeName, 'merge', { status }, { subresource: 'status' });
    this.nodeUid = node.metadata.uid;
    this.remember(status);
    return node;
  }

  /** Posts the status when it changed or the report interval passed. Returns true when posted. */
  async update(): Promise<boolean> {
    const status = await this.computeStatus();
    const now = this.o.clock.now();
    const json = this.comparable(status);
    if (json === this.lastPostedJson && now - this.lastPosted < NODE_STATUS_REPORT_MS && !(await this.serverDisagrees(status))) return false;
    const prevReady = this.conditions.find((c) => c.type === 'Ready')?.status;
    try {
      await this.o.client.patch(R.nodes, undefined, this.o.nodeName, 'merge', { status }, { subresource: 'status' });
    } catch (e) {
      if (isNotFound(e)) {
        // Deleted under us: register again.
        await this.register();
        return true;
      }
      throw e;
    }
    this.remember(status);
    const ready = this.conditions.find((c) => c.type === 'Ready')?.status;
    if (prevReady && ready !== prevReady) {
      this.o.recorder.event(this.nodeRef(), 'Normal', ready === 'True' ? EVENT.NodeReady : EVENT.NodeNotReady, `Node ${this.o.nodeName} status is now: ${ready === 'True' ? 'NodeReady' : 'NodeNotReady'}`);
    }
    return true;
  }

  /**
   * Whether the Node's conditions on the server differ from ours, as upstream's kubelet compares
   * with the Node it reads back: the node lifecycle controller sets them to Unknown when
   * heartbeats were missed (e.g. while the API server was down), and only a post repairs that.
   */
  private async serverDisagrees(status: NodeStatus): Promise<boolean> {
    let node;
    try {
      node = await this.o.client.get<Node>(R.nodes, undefined, this.o.nodeName);
    } catch (e) {
      return isNotFound(e);
    }
    const theirs = new Map((node.status?.conditions ?? []).map((c) => [c.type, c.status]));
    return (status.conditions ?? []).some((c) => theirs.get(c.type) !== c.status);
  }

  private remember(status: NodeStatus): void {
    this.lastPosted = this.o.clock.now();
    this.lastPostedJson = this.comparable(status);
    this.conditions = status.conditions ?? [];
  }

  /** Status without heartbeat times, for change detection. */
  private comparable(status: NodeStatus): string {
    const conditions = (status.conditions ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest);
    return canonicalJson({ ...status, conditions });
  }

  async computeStatus(): Promise<NodeStatus> {
    const h = await this.o.snapshot();
    let runtimeVersion = 'unknown';
    let runtimeOk = true;
    try {
      const v = await this.o.runtime.version();
      runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch {
      runtimeOk = false;
    }
    const now = rfc3339(this.o.clock.now());
    const conditions = nodeConditions(pressureOf(h), runtimeOk ? { ok: true } : { ok: false, message: 'container runtime is down' }, now, this.conditions);
    const images = await this.o.images.listImages().catch(() => []);
    const id = this.o.identity;
    return {
      capacity: capacityOf(h),
      allocatable: allocatableOf(h),
      conditions,
      addresses: [
        { type: 'InternalIP', address: this.o.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort ?? KUBELET_PORT } },
      nodeInfo: {
        machineID: id.machineID,
        systemUUID: id.systemUUID,
        bootID: id.bootID,
        kernelVersion: id.kernelVersion,
        osImage: id.osImage,
        containerRuntimeVersion: runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: id.architecture,
      },
      images: images
        .slice()
        .sort((a, b) => b.sizeBytes - a.sizeBytes)
        .slice(0, 50)
        .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.sizeBytes })),
    };
  }

  /** Node allocatable as last computed (for resourceFieldRef defaults). */
  async allocatable(): Promise<Record<string, string>> {
    return allocatableOf(await this.o.snapshot());
  }
}
