// The node loop: the local node's kubelet, runtime (runc + conmon + pod network), service proxy,
// ServiceLB and the data path (cluster DNS, Ingress) — or, with --runtime simulated, the
// simulated nodes. The data path shares this loop rather than having its own: every loop costs
// about 10 MB of heap, and the kubelet, like DNS and the Ingress, only waits on I/O; what must
// never delay them, the controllers, runs on a loop of its own.
import { RestClient } from '../../client/rest-client.js';
import { SharedInformerFactory } from '../../client/informers/index.js';
import { ClientEventRecorder } from '../../client/events/index.js';
import type { ClusterPki } from '../../pki/index.js';
import { logger } from '../../util/log.js';
import type { RunningLoop } from '../protocol.js';

export type NodeLoopOptions =
  | { kind: 'simulated'; loopbackSocket: string; count: number }
  | {
      kind: 'oci';
      loopbackSocket: string;
      dataDir: string;
      pki: ClusterPki;
      nodeName?: string;
      nodeIP?: string;
      podCIDR: string;
      clusterCIDR: string;
      clusterDNS: string;
      kubeletPort: number;
      networkMode: 'bridge' | 'cni';
      disabled: string[];
      ingressHttpPort: number;
      ingressHttpsPort: number;
    };

export async function runLoop(o: NodeLoopOptions, signal: AbortSignal): Promise<RunningLoop> {
  const client = new RestClient({ transport: { kind: 'unix', socketPath: o.loopbackSocket }, userAgent: 'k8ts-node' });
  const informers = new SharedInformerFactory(client);
  const log = logger('node');
  const closers: Array<() => Promise<void>> = [];
  let info: Record<string, unknown> = {};
  if (o.kind === 'simulated') {
    const { SimulatedCluster } = await import('../../kubelet/simulated/index.js');
    await new SimulatedCluster({ client, informers, signal, count: o.count }).start();
    info = { nodes: o.count };
  } else {
    const { startLocalAgent } = await import('../../kubelet/agent.js');
    const agent = await startLocalAgent({
      client,
      informers,
      recorder: new ClientEventRecorder(client, 'kubelet'),
      dataDir: o.dataDir,
      pki: o.pki,
      nodeName: o.nodeName,
      nodeIP: o.nodeIP,
      podCIDR: o.podCIDR,
      clusterCIDR: o.clusterCIDR,
      clusterDNS: o.clusterDNS,
      kubeletPort: o.kubeletPort,
      networkMode: o.networkMode,
      signal,
      log: (m) => log.info(m),
    });
    closers.push(() => agent.close());
    const { startNodeNetworkServices, startDataPath } = await import('../network-services.js');
    const net = {
      client,
      informers,
      nodeName: agent.nodeName,
      nodeIP: agent.nodeIP,
      clusterCIDR: o.clusterCIDR,
      dnsServiceIP: o.clusterDNS,
      dnsListenIP: agent.gatewayIP,
      ingressHttpPort: o.ingressHttpPort,
      ingressHttpsPort: o.ingressHttpsPort,
      disabled: new Set(o.disabled),
      signal,
      log: (m: string) => log.info(m),
    };
    closers.push(...(await startNodeNetworkServices(net)), ...(await startDataPath(net)));
    info = { nodeName: agent.nodeName, nodeIP: agent.nodeIP, gatewayIP: agent.gatewayIP, kubeletPort: agent.kubeletPort };
  }
  informers.start(signal);
  return {
    info,
    close: async () => {
      for (const c of closers) await c().catch((e: Error) => log.warn(`stopping: ${e.message}`));
      client.close();
    },
  };
}
