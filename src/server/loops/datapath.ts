// The data-path loop: cluster DNS and the Ingress controller. They answer pods and users
// directly, so they run apart from the control loops: a busy controller never delays a lookup.
import { RestClient } from '../../client/rest-client.js';
import { SharedInformerFactory } from '../../client/informers/index.js';
import { logger } from '../../util/log.js';
import type { RunningLoop } from '../protocol.js';
import { startDataPath } from '../network-services.js';

export interface DataPathLoopOptions {
  loopbackSocket: string;
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  dnsServiceIP: string;
  dnsListenIP: string;
  ingressHttpPort: number;
  ingressHttpsPort: number;
  disabled: string[];
}

export async function runLoop(o: DataPathLoopOptions, signal: AbortSignal): Promise<RunningLoop> {
  const client = new RestClient({ transport: { kind: 'unix', socketPath: o.loopbackSocket }, userAgent: 'k8ts-datapath' });
  const informers = new SharedInformerFactory(client);
  const log = logger('datapath');
  const closers = await startDataPath({ ...o, client, informers, disabled: new Set(o.disabled), signal, log: (m) => log.info(m) });
  informers.start(signal);
  return {
    close: async () => {
      for (const c of closers) await c().catch((e: Error) => log.warn(`stopping: ${e.message}`));
      client.close();
    },
  };
}
