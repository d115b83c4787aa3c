// The node loop: the local node's kubelet, runtime (runc + conmon + pod network), service proxy
// and ServiceLB — or, with --runtime simulated, the simulated nodes.
import { RestClient } from '../../client/rest-client.js';
import { SharedInformerFactory } from '../../client/informers/index.js';
import { ClientEventRecorder } from '../../client/events/index.js';
import type { ClusterPki } from '../../apiserver/auth/certs.js';
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
    const { startNodeNetworkServices } = await import('../network-services.js');
    closers.push(
      ...(await startNodeNetworkServices({
        client,
        informers,
        nodeName: agent.nodeName,
        nodeIP: agent.nodeIP,
        clusterCIDR: o.clusterCIDR,
        dnsServiceIP: o.clusterDNS,
        dnsListenIP: agent.gatewayIP,
        ingressHttpPort: 0,
        ingressHttpsPort: 0,
        disabled: new Set(o.disabled),
        signal,
        log: (m) => log.info(m),
      })),
    );
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
