// A real API server (memory store, HTTPS, upgrade routing, kubelet proxy) in front of a real
// kubelet streaming server on 127.0.0.1 with the fake runtime: the harness for driving the
// streaming subresources with the real kubectl.
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminKubeconfig, type RunningApiServer } from '../../index.js';
import { signLeaf, ensureKubeletClientCert } from '../../../pki/index.js';
import type { RestClient } from '../../../client/rest-client.js';
import { startTestApi } from '../../../testing/test-api.js';
import { R } from '../../../client/resources.js';
import { startKubeletServer, readCriLog, type KubeletServer } from '../../../kubelet/server/index.js';
import { FakeRuntime } from '../../../kubelet/server/testing/fake-runtime.js';
import { badRequest } from '../../../api/status.js';
import { createKubeletProxy } from '../kubelet-proxy.js';
import { installUpgradeRouting } from '../upgrade-routing.js';

export interface StreamingHarness {
  api: RunningApiServer;
  kubelet: KubeletServer;
  runtime: FakeRuntime;
  client: RestClient;
  dataDir: string;
  kubeconfigPath: string;
  /** Appends CRI log lines for a container of the test pod. */
  log(container: string, stream: 'stdout' | 'stderr', text: string, partial?: boolean, time?: Date): void;
  /** Creates a Running pod bound to the harness node. */
  /** Sessions the kubelet accepted, as `kind/transport/protocol`. */
  sessions: string[];
  createPod(name: string, containers: string[], phase?: string, nodeName?: string): Promise<void>;
  stop(): Promise<void>;
}

export const NODE_NAME = 'stream-node';

export async function startStreamingHarness(opts: { ports?: Record<number, number> } = {}): Promise<StreamingHarness> {
  const testApi = await startTestApi();
  const api = testApi.server;
  const dataDir = testApi.dataDir;
  const clientCert = await ensureKubeletClientCert(dataDir, api.pki.ca);
  const serving = await signLeaf(api.pki.ca, { commonName: 'kubelet', ips: ['127.0.0.1'], dnsNames: ['localhost'], server: true });
  const runtime = new FakeRuntime({ ports: opts.ports });
  const known = new Map<string, string[]>();
  const sessions: string[] = [];
  const kubelet = await startKubeletServer({
    port: 0,
    bindAddress: '127.0.0.1',
    tls: { cert: serving.cert, key: serving.key, ca: api.pki.ca.cert },
    runtime,
    resolveContainer: (ns, pod, container) => {
      const containers = known.get(`${ns}/${pod}`);
      if (!containers) return badRequest(`pod ${ns}/${pod} is not running on this node`);
      if (container === undefined) return { containerId: '', sandboxId: `sandbox-${pod}`, logPath: '', podIP: '10.42.0.10' };
      if (container === 'waiting') return badRequest(`container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
      if (!containers.includes(container)) return badRequest(`container ${container} is not valid for pod ${pod}`);
      return { containerId: `ctr-${pod}-${container}`, sandboxId: `sandbox-${pod}`, logPath: join(dataDir, `${pod}_${container}.log`), podIP: '10.42.0.10' };
    },
    readLog: readCriLog,
    onSession: (i) => sessions.push(`${i.kind}/${i.transport}/${i.protocol}`),
  });
  const proxy = createKubeletProxy({ core: api.core, clientCert: clientCert.cert, clientKey: clientCert.key, caCert: api.pki.ca.cert });
  api.core.kubeletProxy = proxy;
  installUpgradeRouting(api.server, api.core);
  const client = testApi.client;
  await client.create(R.nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME },
    status: {
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: NODE_NAME },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  });
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, adminKubeconfig(api.url, api.pki), { mode: 0o600 });
  return {
    api,
    kubelet,
    runtime,
    client,
    dataDir,
    kubeconfigPath,
    sessions,
    log: (container, stream, text, partial = false, time = new Date()) => {
      for (const pod of known.keys()) {
        const name = pod.split('/')[1];
        if (!known.get(pod)!.includes(container)) continue;
        appendFileSync(join(dataDir, `${name}_${container}.log`), `${time.toISOString().replace('Z', '000000Z')} ${stream} ${partial ? 'P' : 'F'} ${text}\n`);
      }
    },
    createPod: async (name, containers, phase = 'Running', nodeName = NODE_NAME) => {
      known.set(`default/${name}`, containers);
      for (const c of containers) writeFileSync(join(dataDir, `${name}_${c}.log`), '');
      const pod = await client.create(R.pods, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox', ports: [{ containerPort: 80 }] })) },
      });
      await client.updateStatus(R.pods, 'default', {
        ...pod,
        status: {
          phase,
          podIP: '10.42.0.10',
          hostIP: '127.0.0.1',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, image: 'busybox', imageID: '', containerID: `fake://ctr-${name}-${c}`, started: true, state: { running: { startedAt: new Date().toISOString() } } })),
        },
      });
    },
    stop: async () => {
      await kubelet.close();
      await testApi.stop();
    },
  };
}
