// The node agent, as `k8ts server` runs it for its local node and `k8ts agent` on a joined
// machine: image service, OCI runtime (runc + conmon + the pod network), routes to the other
// nodes' pods, the kubelet and its streaming server. Startup reads top to bottom, like k3s's agent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { defaultNodeIP } from '../util/node-ip.js';
import { badRequest, notFound, StatusError } from '../api/status.js';
import { type ApiClient, type InformerFactory, type EventRecorder, R } from '../client/index.js';
import { signLeaf, type ClusterPki, type KeyPairPem } from '../pki/index.js';
import type { KObject, Node } from '../api/types/index.js';
import { OciImageService, serveImageControl } from '../runtime/images/index.js';
import { OciRuntime } from '../runtime/oci/index.js';
import { runtimeCgroupSummary, runtimeHostProblems } from '../runtime/oci/requirements.js';
import { logger } from '../util/log.js';
import { createPodNetwork, gatewayOf, parseCidr, HostGwRoutes, type PodRoute } from '../runtime/network/index.js';
import { cidrContains } from '../util/net.js';
import { startKubelet, type Kubelet } from './index.js';
import { startKubeletServer, readCriLog } from './server/index.js';
import { collectResourceMetrics } from './resource-metrics.js';

/** What a node agent needs, in `k8ts server` (local node) and in `k8ts agent` alike. */
export interface NodeAgentOptions {
  client: ApiClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  /** The whole pod network (all nodes); routes to other nodes' blocks are kept for it. */
  clusterCIDR: string;
  clusterDNS: string;
  kubeletPort: number;
  networkMode: 'bridge' | 'cni';
  /** The kubelet's serving certificate, and the CA whose client certificates it accepts. */
  serving: KeyPairPem;
  clientCA: string;
  /** Labels the node as control plane (the server's own node). */
  controlPlane: boolean;
  signal: AbortSignal;
  log(msg: string): void;
}

export interface LocalAgentOptions extends Omit<NodeAgentOptions, 'serving' | 'clientCA' | 'controlPlane' | 'nodeName' | 'nodeIP' | 'log'> {
  nodeName?: string;
  nodeIP?: string;
  pki: ClusterPki;
  log?(msg: string): void;
}

export interface RunningAgent {
  kubelet: Kubelet;
  /** The pod bridge's address on this node (first address of the pod CIDR). */
  gatewayIP: string;
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  close(): Promise<void>;
}

/** What the oci runtime needs from the host; one plain line per problem, saying what to do (src/cli/preflight.ts adds ports and the data dir). */
export function agentPreflight(): string[] {
  return runtimeHostProblems();
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<RunningAgent> {
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? defaultNodeIP();
  // From the kubelet CA, naming only this node: clients never take it for the API server.
  const serving = await signLeaf(o.pki.kubeletCa, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName], ips: [nodeIP], server: true, validityMs: 365 * 86_400_000 });
  return startNodeAgent({ ...o, nodeName, nodeIP, serving, clientCA: o.pki.ca.cert, controlPlane: true, log: o.log ?? (() => undefined) });
}

/** A node: image service, OCI runtime, pod network with routes to the other nodes, kubelet. */
export async function startNodeAgent(o: NodeAgentOptions): Promise<RunningAgent> {
  const { nodeName, nodeIP } = o;

  // Images: the store in the data dir, mirrors from registries.yaml (k3s's format).
  const registriesPath = [join(o.dataDir, 'registries.yaml'), '/etc/k8ts/registries.yaml'].find((p) => existsSync(p));
  const images = await OciImageService.open({ root: join(o.dataDir, 'images'), registries: registriesPath });
  const imageControl = await serveImageControl(images, join(o.dataDir, 'images.sock'));

  // Runtime: runc under conmon, overlayfs over the image layers, the direct bridge network.
  // The pod network is initialised now (bridge, gateway, NAT): node services such as cluster
  // DNS listen on its gateway before the first pod exists.
  const network = createPodNetwork(o.networkMode, { podCidr: o.podCIDR, clusterCidr: o.clusterCIDR, stateDir: join(o.dataDir, 'runtime', 'network') });
  await network.init();
  // Which cgroup hierarchy this host has and the driver pods use (the runtime detects the same).
  logger('agent').info(runtimeCgroupSummary());
  const runtime = new OciRuntime({
    root: join(o.dataDir, 'runtime'),
    network,
    rootfs: {
      layersFor: async (ref) => {
        const imageId = images.resolveImageId(ref);
        const info = await images.imageStatus({ ref: imageId });
        return { imageId, layers: images.imageLayers(imageId), config: info?.config };
      },
    },
  });

  // The kubelet's streaming server (logs, exec, attach, port-forward), reachable only by the
  // API server's kubelet-client certificate, and the API server's proxy to it.
  // The kubelet is started below; requests can only reach the server once the Node (with this
  // port) is registered, by which time `kubelet` is set.
  let kubelet!: Kubelet;
  const server = await startKubeletServer({
    port: o.kubeletPort,
    bindAddress: nodeIP === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0',
    tls: { cert: o.serving.cert, key: o.serving.key, ca: o.clientCA },
    runtime,
    resourceMetrics: () => collectResourceMetrics(runtime),
    resolveContainer: async (ns, podName, container) => {
      const pod = kubelet.getPod(ns, podName);
      if (!pod) return notFound({ group: '', resource: 'pods' }, podName);
      const c = await kubelet.resolveContainer(ns, podName, container);
      if (!c) return badRequest(`container "${container ?? ''}" in pod "${podName}" is not available`);
      if (!c.running && container !== undefined) {
        const logPath = await kubelet.containerLogFile(ns, podName, c.container);
        if (!logPath) return badRequest(`container "${c.container}" in pod "${podName}" is waiting to start: ContainerCreating`);
      }
      const logPath = (await kubelet.containerLogFile(ns, podName, c.container)) ?? '';
      const previousLogPath = await kubelet.containerLogFile(ns, podName, c.container, true);
      const podIP = pod.status?.podIP ?? '';
      return { containerId: c.containerId, sandboxId: c.sandboxId, logPath, previousLogPath, podIP };
    },
    readLog: readCriLog,
  });

  kubelet = await startKubelet({
    client: o.client,
    informers: o.informers,
    runtime,
    images,
    nodeName,
    nodeIP,
    podCIDR: o.podCIDR,
    dataDir: join(o.dataDir, 'kubelet'),
    clusterDNS: o.clusterDNS,
    clusterDomain: 'cluster.local',
    signal: o.signal,
    recorder: o.recorder,
    controlPlane: o.controlPlane,
    kubeletPort: server.port,
  });

  // Pods on other nodes: a route to each node's pod CIDR via its address (host-gw).
  const routes = new HostGwRoutes(o.log);
  const nodes = o.informers.informerFor<Node>(R.nodes);
  let pending: ReturnType<typeof setTimeout> | undefined;
  const syncRoutes = (): void => {
    pending ??= setTimeout(() => {
      pending = undefined;
      void routes.sync(podRoutes(nodes.lister.list(), nodeName, o.clusterCIDR));
    }, 50);
  };
  nodes.addEventHandler({ onAdd: syncRoutes, onUpdate: syncRoutes, onDelete: syncRoutes });

  return {
    kubelet,
    gatewayIP: gatewayOf(parseCidr(o.podCIDR)),
    nodeName,
    nodeIP,
    kubeletPort: server.port,
    close: async () => {
      if (pending) clearTimeout(pending);
      await server.close();
      imageControl.close();
    },
  };
}

/** Routes to the other nodes' pod CIDRs (inside the cluster CIDR) via their InternalIP. */
export function podRoutes(nodes: ReadonlyArray<Readonly<Node>>, self: string, clusterCIDR: string): PodRoute[] {
  const cluster = parseCidr(clusterCIDR);
  const out: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata.name === self) continue;
    const cidr = n.spec?.podCIDR;
    const via = (n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    if (!cidr || !via || !cidrContains(cluster, cidr.split('/')[0])) continue;
    out.push({ cidr, via });
  }
  return out.sort((a, b) => (a.cidr < b.cidr ? -1 : 1));
}

export { StatusError };
