// A kubelet against a real in-process API server, with a FakeRuntime and a fake clock:
// the harness for the kubelet's integration tests. `until` advances the clock in steps,
// relists the runtime and yields to I/O until a condition holds (failing after a bounded
// number of rounds, never on elapsed time alone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { fakeClock, FakeRecorder, type FakeClock } from '../../client/testing/index.js';
import { R } from '../../client/resources.js';
import type { KObject } from '../../api/types/index.js';
import type { ApiClient } from '../../client/types.js';
import { startKubelet, type Kubelet } from '../kubelet.js';
import type { Pod } from '../../api/types/index.js';
import { FakeRuntime } from './fake-runtime.js';
import type { HostSnapshot } from '../node/host-info.js';

export const NODE = 'node-1';
export const NODE_IP = '192.0.2.10';

const HOST: HostSnapshot = {
  cpus: 4, memoryTotalBytes: 8 * 2 ** 30, memoryAvailableBytes: 6 * 2 ** 30, fsTotalBytes: 100 * 2 ** 30, fsAvailableBytes: 50 * 2 ** 30, pidMax: 4194304, pidsInUse: 200,
};

export interface Harness {
  api: TestApi;
  clock: FakeClock;
  runtime: FakeRuntime;
  recorder: FakeRecorder;
  kubelet: Kubelet;
  dataDir: string;
  abort: AbortController;
  /** Starts another kubelet on the same runtime and data dir (after aborting the first). */
  restartKubelet(): Promise<Kubelet>;
  createPod(pod: Partial<Pod> & { metadata: KObject['metadata']; spec: Pod['spec'] }): Promise<Pod>;
  getPod(name: string, ns?: string): Promise<Pod | undefined>;
  until<T>(what: string, fn: () => Promise<T | undefined | false>, stepMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  runtime?: FakeRuntime;
  /** The client the kubelet uses, made from the test API's (e.g. one whose watches lag). */
  kubeletClient?: (client: ApiClient) => ApiClient;
}

/** A client whose watch events arrive `delayMs` late (in order), as from a loaded server. */
export function laggingWatchClient(client: ApiClient, delayMs: number): ApiClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'watch') {
        const watch: ApiClient['watch'] = (res, ns, o, onEvent) => target.watch(res, ns, o, (ev) => void setTimeout(() => onEvent(ev as Parameters<typeof onEvent>[0]), delayMs));
        return watch;
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const api = await startTestApi();
  const clock = fakeClock(Date.now());
  const runtime = opts.runtime ?? new FakeRuntime({ clock });
  const recorder = new FakeRecorder();
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-'));
  const hostDir = mkdtempSync(join(tmpdir(), 'k8ts-host-'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(hostDir, 'resolv.conf'), 'nameserver 192.0.2.1\nsearch example.org\n');
  writeFileSync(join(hostDir, 'hosts'), '127.0.0.1 localhost\n');
  let abort = new AbortController();
  const kubeletClient = opts.kubeletClient ? opts.kubeletClient(api.client) : api.client;
  const start = (signal: AbortSignal): Promise<Kubelet> => startKubelet({
    client: kubeletClient, informers: api.informers, runtime, images: runtime, nodeName: NODE, nodeIP: NODE_IP, podCIDR: '10.42.0.0/24',
    dataDir, clusterDNS: '10.43.0.10', clusterDomain: 'cluster.local', signal, recorder, clock,
    hostSnapshot: async () => HOST, hostResolvConf: join(hostDir, 'resolv.conf'), hostHosts: join(hostDir, 'hosts'),
  });
  const h: Harness = {
    api, clock, runtime, recorder, dataDir, abort,
    kubelet: await start(abort.signal),
    async restartKubelet() {
      h.abort.abort();
      abort = new AbortController();
      h.abort = abort;
      h.kubelet = await start(abort.signal);
      return h.kubelet;
    },
    async createPod(pod) {
      const spec = { nodeName: NODE, automountServiceAccountToken: false, ...pod.spec };
      return api.client.create<Pod>(R.pods, pod.metadata.namespace ?? 'default', { apiVersion: 'v1', kind: 'Pod', ...pod, spec });
    },
    async getPod(name, ns = 'default') {
      try {
        return await api.client.get<Pod>(R.pods, ns, name);
      } catch {
        return undefined;
      }
    },
    async until(what, fn, stepMs = 500) {
      for (let i = 0; i < 400; i++) {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
        clock.advance(stepMs);
        await h.kubelet.relist();
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async stop() {
      h.abort.abort();
      await api.stop();
      // Pod workers may still finish a volume write after the abort: remove once they settled.
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(hostDir, { recursive: true, force: true });
    },
  };
  return h;
}


