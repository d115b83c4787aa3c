// A real API server (memory store) in this process, with a real client over its loopback
// socket and a started informer factory: the harness for controller and scheduler
// integration tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { MemoryStore } from '../storage/index.js';
import { startApiServer, adminKubeconfig, type RunningApiServer, type HistoryOptions } from '../apiserver/index.js';
import { RestClient } from '../client/rest-client.js';
import { SharedInformerFactory } from '../client/informers/index.js';
import type { ApiClient } from '../client/types.js';
import type { ControllerContext } from '../client/controller-types.js';
import { realClock } from '../client/controller-types.js';
import { ClientEventRecorder } from '../client/events/index.js';
import { bounded } from './bounded.js';

export interface TestApi {
  /** The running server (core, PKI, HTTPS server) for tests that extend it. */
  server: RunningApiServer;
  client: RestClient;
  ctx: ControllerContext;
  informers: SharedInformerFactory;
  url: string;
  kubeconfig: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestApi(opts: { watchCacheSize?: number; maxTokenExpirationSeconds?: number; history?: HistoryOptions | false } = {}): Promise<TestApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-testapi-'));
  const store = new MemoryStore();
  const socket = join(dataDir, 'api.sock');
  const api = await startApiServer({
    store,
    dataDir,
    port: 0,
    bindAddress: '127.0.0.1',
    serviceCIDR: '10.43.0.0/16',
    nodePortRange: { from: 30000, to: 32767 },
    loopbackSocket: socket,
    watchCacheSize: opts.watchCacheSize,
    maxTokenExpirationSeconds: opts.maxTokenExpirationSeconds,
    history: opts.history,
  });
  const client = new RestClient({ transport: { kind: 'unix', socketPath: socket }, userAgent: 'k8ts-test' });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const informers = new SharedInformerFactory(client);
  informers.start(abort.signal);
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: (component) => new ClientEventRecorder(client, component),
    clock: realClock,
    signal: abort.signal,
  };
  return {
    server: api,
    client,
    ctx,
    informers,
    url: api.url,
    kubeconfig: adminKubeconfig(api.url, api.pki),
    dataDir,
    stop: async () => {
      abort.abort();
      client.close();
      await bounded(api.close(), 10_000, 'closing the test API server');
      await bounded(store.close(), 10_000, 'closing the test store');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
