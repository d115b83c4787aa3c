// The node agent as `k8ts server` runs it for the local node: image service, OCI runtime
// (runc + conmon + the pod network), kubelet, the kubelet's streaming server, and the API
// server's proxy to it. Startup reads top to bottom, like k3s's agent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, networkInterfaces } from 'node:os';
import type { Server as HttpsServer } from 'node:https';
import { badRequest, notFound, StatusError } from '../api/status.js';
import type { ApiClient } from '../client/types.js';
import type { InformerFactory, EventRecorder } from '../client/controller-types.js';
import { signLeaf, type ClusterPki } from '../apiserver/auth/certs.js';
import type { ApiServerCore } from '../apiserver/core.js';
import { createKubeletProxy, installUpgradeRouting, ensureKubeletClientCert } from '../apiserver/kubelet-proxy/index.js';
import { OciImageService, serveImageControl } from '../runtime/images/index.js';
import { OciRuntime } from '../runtime/oci/index.js';
import { createPodNetwork, gatewayOf, parseCidr } from '../runtime/network/index.js';
import { startKubelet, type Kubelet } from './index.js';
import { startKubeletServer, readCriLog } from './server/index.js';

export interface LocalAgentOptions {
  client: ApiClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  dataDir: string;
  pki: ClusterPki;
  core: ApiServerCore;
  apiServer: HttpsServer;
  nodeName?: string;
  nodeIP?: string;
  podCIDR: string;
  clusterDNS: string;
  kubeletPort: number;
  networkMode: 'bridge' | 'cni';
  signal: AbortSignal;
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

/** The first non-loopback IPv4 address of the host (k3s's default node IP), else 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/** What the OCI runtime needs from the host; one plain line per problem, saying what to do. */
export function agentPreflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('the oci runtime needs root (network namespaces, mounts, cgroups): run as root, or use --runtime simulated');
  const need: Array<[string, string, string]> = [
    ['runc', '/usr/sbin/runc', 'runc'],
    ['conmon', '/usr/bin/conmon', 'conmon'],
    ['tini', '/usr/bin/tini-static', 'tini'],
    ['ip', '/usr/sbin/ip', 'iproute2'],
    ['nft', '/usr/sbin/nft', 'nftables'],
    ['script', '/usr/bin/script', 'bsdutils'],
  ];
  const missing = need.filter(([, path]) => !existsSync(path));
  if (missing.length) problems.push(`missing ${missing.map(([n]) => n).join(', ')}: apt-get install -y ${missing.map(([, , pkg]) => pkg).join(' ')} (or use --runtime simulated)`);
  if (!existsSync('/sys/fs/cgroup/memory')) problems.push('no cgroup v1 memory controller at /sys/fs/cgroup/memory: this kernel setup is not supported yet');
  return problems;
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<RunningAgent> {
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? defaultNodeIP();

  // Images: the store in the data dir, mirrors from registries.yaml (k3s's format).
  const registriesPath = [join(o.dataDir, 'registries.yaml'), '/etc/k8ts/registries.yaml'].find((p) => existsSync(p));
  const images = await OciImageService.open({ root: join(o.dataDir, 'images'), registries: registriesPath });
  const imageControl = await serveImageControl(images, join(o.dataDir, 'images.sock'));

  // Runtime: runc under conmon, overlayfs over the image layers, the direct bridge network.
  // The pod network is initialised now (bridge, gateway, NAT): node services such as cluster
  // DNS listen on its gateway before the first pod exists.
  const network = createPodNetwork(o.networkMode, { podCidr: o.podCIDR, stateDir: join(o.dataDir, 'runtime', 'network') });
  await network.init();
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
  const serving = await signLeaf(o.pki.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName, 'localhost'], ips: [...new Set([nodeIP, '127.0.0.1'])], server: true });
  // The kubelet is started below; requests can only reach the server once the Node (with this
  // port) is registered, by which time `kubelet` is set.
  let kubelet!: Kubelet;
  const server = await startKubeletServer({
    port: o.kubeletPort,
    bindAddress: nodeIP === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0',
    tls: { cert: serving.cert, key: serving.key, ca: o.pki.ca.cert },
    runtime,
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
      const podIP = (pod.status as { podIP?: string } | undefined)?.podIP ?? '';
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
    controlPlane: true,
    kubeletPort: server.port,
  });

  const kc = await ensureKubeletClientCert(o.dataDir, o.pki.ca);
  o.core.kubeletProxy = createKubeletProxy({ core: o.core, clientCert: kc.cert, clientKey: kc.key, caCert: o.pki.ca.cert, kubeletPort: server.port });
  installUpgradeRouting(o.apiServer, o.core);

  return {
    kubelet,
    gatewayIP: gatewayOf(parseCidr(o.podCIDR)),
    nodeName,
    nodeIP,
    kubeletPort: server.port,
    close: async () => {
      await server.close();
      imageControl.close();
    },
  };
}

export { StatusError };
