// The node agent. startKubelet reads top to bottom:
//
//   register Node + Lease ─▶ informers (own pods by spec.nodeName; configmaps, secrets,
//   services, serviceaccounts) ─▶ pod workers (sync → terminate → delete) ─▶ initial
//   re-adoption / orphan clean-up ─▶ timers: PLEG relist 1 s, node status + Lease 10 s
//
// Everything stops when `signal` aborts; running containers are left running (a restarted
// kubelet re-adopts them through their labels).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { isConflict, isNotFound } from '../api/status.js';
import type { ConfigMap, KObject, Secret, Service, ServiceAccount } from '../api/types/index.js';
import {
  type ApiClient, type Clock, type EventRecorder, type InformerFactory, realClock, R,
  isDeletedFinalStateUnknown,
} from '../client/index.js';
import { ClientSharedInformer, SharedInformerFactory } from '../client/informers/index.js';
import { ClientEventRecorder } from '../client/events/index.js';
import { timerClockOf, type TimerClock, type TimerHandle } from '../client/workqueue/index.js';
import type { ImageService, RuntimeService } from '../runtime/index.js';
import { COMPONENT } from './constants.js';
import type { Pod } from '../api/types/index.js';
import { PodSyncer } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';
import { Pleg } from './pleg.js';
import { InformerObjectGetter } from './object-getter.js';
import { readRuntimePod, type RuntimePod } from './runtime-pod.js';
import { NodeStatusManager, NODE_STATUS_UPDATE_MS } from './node/node-status.js';
import { NodeLease } from './node/node-lease.js';
import { hostIdentity, hostSnapshot, type HostSnapshot } from './node/host-info.js';
import { SandboxManager } from './lifecycle/sandbox-manager.js';
import { ContainerRunner } from './lifecycle/container-runner.js';
import { ImagePuller } from './images/image-puller.js';
import { VolumeManager } from './volumes/volume-manager.js';
import { withServiceAccountVolume } from './volumes/service-account.js';
import { ProbeManager } from './probes/probe-manager.js';
import { StatusManager } from './status/status-manager.js';
import { findContainerLog } from './logs/container-log.js';
import { errorMessage, logger } from '../util/log.js';
import { runningContainers, runningPods } from './metrics.js';
import { podSpec } from './pod-types.js';

const log = logger('kubelet');

export interface KubeletOptions {
  client: ApiClient;
  /** Shared informers (configmaps, secrets, services, serviceaccounts); the kubelet makes its own if absent. */
  informers?: InformerFactory;
  runtime: RuntimeService;
  images: ImageService;
  nodeName: string;
  nodeIP: string;
  podCIDR?: string;
  /** `<data-dir>/kubelet`. */
  dataDir: string;
  clusterDNS: string;
  clusterDomain: string;
  signal: AbortSignal;
  recorder?: EventRecorder;
  clock?: Clock;
  /** Adds node-role.kubernetes.io/control-plane. false (an agent with node credentials): ConfigMaps, Secrets and ServiceAccounts are read one by one, not watched. */
  controlPlane?: boolean;
  nodeLabels?: Record<string, string>;
  /** Test seams: host facts and host files. */
  hostSnapshot?: () => Promise<HostSnapshot>;
  hostResolvConf?: string;
  hostHosts?: string;
  /** Port of the kubelet's streaming server, published in the Node's status (default 10250). */
  kubeletPort?: number;
  /** Pod resync period (default 60 s). */
  resyncMs?: number;
}

export interface ResolvedContainer {
  pod: Readonly<Pod>;
  container: string;
  containerId: string;
  sandboxId: string;
  running: boolean;
}

export interface Kubelet {
  readonly nodeName: string;
  readonly dataDir: string;
  readonly runtime: RuntimeService;
  readonly workers: PodWorkers;
  /** The pod (by namespace/name) as this node's informer has it. */
  getPod(namespace: string, name: string): Readonly<Pod> | undefined;
  /** A pod's container in the runtime (default: the first container), for exec/attach/port-forward. */
  resolveContainer(namespace: string, name: string, container?: string): Promise<ResolvedContainer | undefined>;
  /** The CRI log file of a container's current (or previous) attempt. */
  containerLogFile(namespace: string, name: string, container: string, previous?: boolean): Promise<string | undefined>;
  /** Relists the runtime now (tests; the PLEG does it every second). */
  relist(): Promise<void>;
  /** Posts node status and renews the Lease now. */
  heartbeat(): Promise<void>;
}

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const { client, runtime, nodeName, signal } = opts;
  setMaxListeners(0, signal);
  const clock = opts.clock ?? realClock;
  const timers: TimerClock = timerClockOf(clock);
  const podsDir = join(opts.dataDir, 'pods');
  await fs.mkdir(podsDir, { recursive: true });
  const recorder = opts.recorder ?? new ClientEventRecorder(client, COMPONENT, { host: nodeName, clock });
  const snapshot = opts.hostSnapshot ?? (() => hostSnapshot(opts.dataDir));
  const runtimeName = (await runtime.version()).runtimeName;
  const hostIPs = [opts.nodeIP];

  // 1. The Node and its Lease.
  const nodeStatus = new NodeStatusManager({
    client, runtime, images: opts.images, nodeName, nodeIP: opts.nodeIP, podCIDR: opts.podCIDR, controlPlane: opts.controlPlane,
    labels: opts.nodeLabels, clock, recorder, snapshot, identity: await hostIdentity(), kubeletPort: opts.kubeletPort,
  });
  await nodeStatus.register();
  const lease = new NodeLease(client, nodeName, clock);
  lease.nodeUid = nodeStatus.nodeUid;
  await lease.renew();
  let allocatable = await nodeStatus.allocatable();

  // 2. Informers: this node's pods, and what pods refer to.
  let factory = opts.informers;
  if (!factory) {
    const own = new SharedInformerFactory(client);
    own.start(signal);
    factory = own;
  }
  // A kubelet with node credentials (an agent) may read only the ConfigMaps, Secrets and
  // ServiceAccounts its pods use (the Node authorizer): it gets them one by one, like upstream's
  // kubelet, instead of watching the cluster's. The control plane's kubelet keeps the informers.
  const services = factory.informerFor<Service>(R.services);
  const watched = opts.controlPlane !== false
    ? { configmaps: factory.informerFor<ConfigMap>(R.configmaps), secrets: factory.informerFor<Secret>(R.secrets), serviceaccounts: factory.informerFor<ServiceAccount>(R.serviceaccounts) }
    : undefined;
  const pods = new ClientSharedInformer<Pod>(client, R.pods, { fieldSelector: `spec.nodeName=${nodeName}` });
  const getter = new InformerObjectGetter(client, watched, R);

  // 3. The pod lifecycle, one concern per module.
  const volumes = new VolumeManager(podsDir);
  const images = new ImagePuller(opts.images, recorder, clock, getter);
  const sandboxes = new SandboxManager({
    runtime, dns: { clusterDNS: opts.clusterDNS, clusterDomain: opts.clusterDomain }, nodeName,
    hostResolvConf: opts.hostResolvConf ?? '/etc/resolv.conf', hostHosts: opts.hostHosts ?? '/etc/hosts', podDir: (uid) => volumes.podDir(uid),
  });
  const runner = new ContainerRunner({
    runtime, images, volumes, recorder, clock, dataDir: opts.dataDir, getter,
    services: () => services.lister.list(), nodeAllocatable: () => allocatable,
  });
  let workers: PodWorkers | undefined;
  const probes = new ProbeManager(runtime, recorder, timers, (uid) => workers?.sync(uid));
  const status = new StatusManager(client, { clock });
  const effective = new Map<string, { rv: string | undefined; pod: Pod }>();
  const syncer = new PodSyncer({
    runtime, runtimeName, dataDir: opts.dataDir, sandboxes, runner, images, volumes, probes, status, recorder, clock, hostIPs,
    effectivePod: async (pod) => {
      const uid = pod.metadata.uid ?? '';
      const hit = effective.get(uid);
      if (hit && hit.rv === pod.metadata.resourceVersion) return hit.pod;
      const sa = await getter.serviceAccount(pod.metadata.namespace ?? 'default', podSpec(pod).serviceAccountName || 'default').catch(() => undefined);
      const out = withServiceAccountVolume(pod, sa);
      effective.set(uid, { rv: pod.metadata.resourceVersion, pod: out });
      return out;
    },
    volumeContext: (pod, podIPs) => ({ getter, client, clock, downward: { pod, podIPs, hostIPs, nodeAllocatable: allocatable } }),
  });
  workers = new PodWorkers({
    syncPod: (pod) => syncer.sync(pod),
    terminatePod: (pod, grace) => syncer.terminate(pod, grace),
    finishDeletion: async (pod) => {
      try {
        await client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    },
    removePod: async (pod) => {
      effective.delete(pod.metadata.uid ?? '');
      await syncer.remove({ uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace, name: pod.metadata.name });
    },
  }, { clock: timers, resyncMs: opts.resyncMs });
  const w = workers;

  pods.addEventHandler({
    onAdd: (p) => w.update(p),
    onUpdate: (_o, p) => w.update(p),
    onDelete: (p) => w.remove(isDeletedFinalStateUnknown<Pod>(p) ? p.obj : p),
  });
  // A changed ConfigMap/Secret re-syncs the pods that use it (volumes and env follow).
  const resyncUsers = (obj: Readonly<KObject>, kind: 'configMap' | 'secret'): void => {
    for (const p of pods.lister.list(obj.metadata.namespace)) if (podRefers(p, kind, obj.metadata.name ?? '')) w.sync(p.metadata.uid ?? '');
  };
  watched?.configmaps.addEventHandler({ onUpdate: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && resyncUsers(n, 'configMap'), onAdd: (n, initial) => !initial && resyncUsers(n, 'configMap') });
  watched?.secrets.addEventHandler({ onUpdate: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && resyncUsers(n, 'secret'), onAdd: (n, initial) => !initial && resyncUsers(n, 'secret') });
  pods.run(signal);
  await pods.whenSynced();

  // 4. Re-adoption: runtime pods whose object is gone are cleaned up; the others are synced
  //    by their workers, which find their containers running and leave them be.
  const cleaning = new Set<string>();
  const cleanOrphans = (runtimePods: ReadonlyMap<string, RuntimePod>): void => {
    if (!pods.hasSynced()) return;
    for (const [uid, rp] of runtimePods) {
      if (w.has(uid) || cleaning.has(uid)) continue;
      if (pods.lister.list(undefined, (p) => p.metadata.uid === uid).length) continue;
      const sb = rp.sandboxes[0]?.config;
      cleaning.add(uid);
      void syncer.remove({ uid, namespace: sb?.namespace, name: sb?.name })
        .catch((e) => log.error(`cleaning up orphaned pod ${uid}: ${errorMessage(e)}`))
        .finally(() => cleaning.delete(uid));
    }
  };
  const countRunning = (runtimePods: ReadonlyMap<string, RuntimePod>): void => {
    let podsRunning = 0;
    const byState = new Map<string, number>([['running', 0], ['created', 0], ['exited', 0], ['unknown', 0]]);
    for (const rp of runtimePods.values()) {
      if (rp.sandboxes.some((s) => s.state === 'ready')) podsRunning++;
      for (const c of rp.containers) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
    }
    runningPods.set(podsRunning);
    for (const [state, n] of byState) runningContainers.set({ container_state: state }, n);
  };
  const pleg = new Pleg(runtime, timers, (uid) => w.sync(uid), (rps) => {
    countRunning(rps);
    cleanOrphans(rps);
  });
  await pleg.relist();
  pleg.start();

  // 5. Heartbeats.
  const heartbeat = async (): Promise<void> => {
    await lease.renew();
    await nodeStatus.update();
    allocatable = await nodeStatus.allocatable();
  };
  let hbTimer: TimerHandle | undefined;
  const armHeartbeat = (): void => {
    if (signal.aborted) return;
    hbTimer = timers.setTimer(() => {
      void heartbeat()
        .catch((e) => log.error(`node heartbeat failed: ${errorMessage(e)}`))
        .finally(armHeartbeat);
    }, NODE_STATUS_UPDATE_MS);
  };
  armHeartbeat();

  signal.addEventListener('abort', () => {
    hbTimer?.clear();
    pleg.stop();
    w.stop();
    for (const uid of w.uids()) probes.removePod(uid);
  }, { once: true });

  return {
    nodeName,
    dataDir: opts.dataDir,
    runtime,
    workers: w,
    getPod: (ns, name) => pods.lister.get(ns, name),
    async resolveContainer(ns, name, container) {
      const pod = pods.lister.get(ns, name);
      if (!pod) return undefined;
      const cname = container ?? podSpec(pod).containers[0]?.name;
      if (!cname) return undefined;
      const rp = await readRuntimePod(runtime, pod.metadata.uid ?? '');
      const c = rp.containers.find((x) => x.name === cname);
      if (!c) return undefined;
      return { pod, container: cname, containerId: c.id, sandboxId: c.sandboxId, running: c.state === 'running' };
    },
    containerLogFile(ns, name, container, previous = false) {
      const pod = pods.lister.get(ns, name);
      if (!pod) return Promise.resolve(undefined);
      return findContainerLog(opts.dataDir, pod.metadata, container, previous);
    },
    relist: () => pleg.relist(),
    heartbeat,
  };
}

function podRefers(pod: Readonly<Pod>, kind: 'configMap' | 'secret', name: string): boolean {
  for (const v of podSpec(pod).volumes ?? []) {
    if (kind === 'configMap' && v.configMap?.name === name) return true;
    if (kind === 'secret' && v.secret?.secretName === name) return true;
    for (const s of v.projected?.sources ?? []) {
      if (kind === 'configMap' && s.configMap?.name === name) return true;
      if (kind === 'secret' && s.secret?.name === name) return true;
    }
  }
  for (const c of [...podSpec(pod).containers, ...(podSpec(pod).initContainers ?? [])]) {
    for (const e of c.envFrom ?? []) if ((kind === 'configMap' ? e.configMapRef?.name : e.secretRef?.name) === name) return true;
    for (const e of c.env ?? []) if ((kind === 'configMap' ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name) === name) return true;
  }
  return false;
}
