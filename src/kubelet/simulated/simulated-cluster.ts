// A set of simulated nodes sharing one pod informer and one work queue. Heartbeats are
// spread over the renew interval by a single coarse timer, so thousands of nodes cost a
// steady trickle of Lease updates rather than bursts.
import type { Node, Pod } from '../../api/types/index.js';
import {
  type ApiClient, R, type InformerFactory, keyOf, splitKey, isDeletedFinalStateUnknown,
} from '../../client/index.js';
import { Controller } from '../../client/controller.js';
import { SimulatedNode, type SimulatedNodeSpec } from './node-agent.js';
import { applyAction, nextAction, START_DELAY_MS } from './pod-simulator.js';
import { atLeast } from '../status/status-manager.js';
import { errorMessage, logger } from '../../util/log.js';

const log = logger('simulated-kubelet');

/** Annotation on a Node: "true" stops the simulated kubelet (no heartbeats, pods frozen). */
export const ANNOTATION_STOPPED = 'sim.k8ts.io/stopped';

export interface SimulatedClusterOptions {
  client: ApiClient;
  informers: InformerFactory;
  signal: AbortSignal;
  count: number;
  /** Node name prefix (default `k8ts-sim-`). */
  prefix?: string;
  capacity?: Record<string, string>;
  /** Lease renewal period (default: 10 s, stretched to count/100 s up to 20 s for large clusters). */
  renewIntervalMs?: number;
  /** Cluster pod CIDR's first two octets (default 10.42): node i gets 10.42.i.0/24 (i < 256) or wraps into 10.(42+i/256). */
  podCidrBase?: [number, number];
}

const DEFAULT_CAPACITY = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };

export class SimulatedCluster {
  readonly nodes = new Map<string, SimulatedNode>();
  private readonly podIPs = new Map<string, Set<number>>();
  private readonly controller: Controller;
  private readonly renewIntervalMs: number;

  constructor(private readonly o: SimulatedClusterOptions) {
    const prefix = o.prefix ?? 'k8ts-sim-';
    const [a, b] = o.podCidrBase ?? [10, 42];
    for (let i = 0; i < o.count; i++) {
      const spec: SimulatedNodeSpec = {
        name: `${prefix}${i}`,
        capacity: { ...DEFAULT_CAPACITY, ...o.capacity },
        // Loopback addresses: recorded in the Node, never contacted.
        address: `127.1.${(i >> 8) & 255}.${(i & 255) + 1 > 255 ? 255 : (i & 255) + 1}`,
        podCIDR: `${a}.${b + (i >> 8)}.${i & 255}.0/24`,
      };
      this.nodes.set(spec.name, new SimulatedNode(spec, o.client));
    }
    this.renewIntervalMs = o.renewIntervalMs ?? Math.min(20_000, Math.max(10_000, o.count * 10));
    this.controller = new Controller({ name: 'simulated-kubelet', workers: 32, signal: o.signal, reconcile: (key) => this.reconcile(key) });
  }

  async start(): Promise<void> {
    const pods = this.o.informers.informerFor<Pod>(R.pods);
    pods.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => {
        const obj = isDeletedFinalStateUnknown(p) ? p.obj : p;
        this.releaseIP(obj);
        this.started.delete(keyOf(obj));
        this.written.delete(keyOf(obj));
      },
    });
    const nodeInf = this.o.informers.informerFor<Node>(R.nodes);
    nodeInf.addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (_o, n) => this.onNode(n),
    });
    // Register all nodes, a few at a time.
    const all = [...this.nodes.values()];
    for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((n) => n.start()));
    this.controller.run();
    this.heartbeats();
  }

  /** Stops a node's kubelet: no more heartbeats, its pods stay as they are. */
  stopNode(name: string): void {
    this.nodes.get(name)?.stop();
  }

  async restartNode(name: string): Promise<void> {
    const n = this.nodes.get(name);
    if (!n || n.isRunning()) return;
    await n.start();
    for (const p of this.o.informers.informerFor<Pod>(R.pods).lister.list(undefined, (p) => p.spec?.nodeName === name)) this.controller.enqueue(keyOf(p));
  }

  private onNode(n: Readonly<Node>): void {
    const sim = this.nodes.get(n.metadata.name ?? '');
    if (!sim) return;
    sim.setNodeUid(n.metadata.uid);
    const stopped = n.metadata.annotations?.[ANNOTATION_STOPPED] === 'true';
    if (stopped && sim.isRunning()) sim.stop();
    else if (!stopped && !sim.isRunning()) void this.restartNode(sim.name).catch((e) => log.error(`simulated node ${sim.name}: restart failed: ${errorMessage(e)}`));
  }

  private onPod(p: Readonly<Pod>): void {
    const node = p.spec?.nodeName;
    if (!node || !this.nodes.has(node)) return;
    const ip = p.status?.podIP;
    if (ip) this.claimIP(node, ip);
    this.controller.enqueue(keyOf(p));
  }

  private heartbeats(): void {
    const all = [...this.nodes.values()];
    const perTick = Math.max(1, Math.ceil(all.length / Math.max(1, this.renewIntervalMs / 1000)));
    let next = 0;
    const t = setInterval(() => {
      const batch: SimulatedNode[] = [];
      for (let i = 0; i < perTick && all.length; i++) batch.push(all[next++ % all.length]);
      void Promise.all(batch.map((n) => n.renewLease().catch((e) => log.error(`simulated node ${n.name}: lease renewal failed: ${errorMessage(e)}`))));
    }, 1000);
    t.unref();
    this.o.signal.addEventListener('abort', () => clearInterval(t), { once: true });
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.o.informers.informerFor<Pod>(R.pods).lister.get(namespace, name);
    if (!pod) return;
    const nodeName = pod.spec?.nodeName ?? '';
    const node = this.nodes.get(nodeName);
    if (!node || !node.isRunning()) return;
    const status = pod.status;
    // A freshly bound pod "pulls and starts" for a moment first.
    if (!pod.metadata.deletionTimestamp && status?.phase !== 'Running' && !this.started.has(key)) {
      this.started.add(key);
      this.controller.enqueueAfter(key, START_DELAY_MS);
      return;
    }
    // The informer has not delivered our last write yet: acting on this older copy would write
    // its status again (with new times). Its event enqueues the pod once it arrives.
    const last = this.written.get(key);
    if (last && last.uid === pod.metadata.uid && !atLeast(pod.metadata.resourceVersion, last.rv)) return;
    const ips = { podIP: this.podIPFor(pod, node.spec.podCIDR, nodeName), hostIP: node.spec.address };
    const r = await applyAction(this.o.client, pod, nextAction(pod, ips, Date.now()));
    if (r.writtenRv) this.written.set(key, { uid: pod.metadata.uid ?? '', rv: r.writtenRv });
    if (r.waitMs !== undefined) this.controller.enqueueAfter(key, Math.max(1, r.waitMs));
    if (pod.metadata.deletionTimestamp) {
      this.started.delete(key);
      this.written.delete(key);
      this.releaseIP(pod);
    }
  }

  private readonly started = new Set<string>();
  /** Per pod key: the uid and resourceVersion of our last status write. */
  private readonly written = new Map<string, { uid: string; rv: string }>();

  private podIPFor(pod: Readonly<Pod>, cidr: string, node: string): string {
    const existing = pod.status?.podIP;
    if (existing) return existing;
    const used = this.podIPs.get(node) ?? new Set<number>();
    this.podIPs.set(node, used);
    const base = cidr.split('/')[0].split('.').slice(0, 3).join('.');
    for (let i = 2; i < 255; i++) {
      if (!used.has(i)) {
        used.add(i);
        return `${base}.${i}`;
      }
    }
    return `${base}.254`;
  }

  private claimIP(node: string, ip: string): void {
    const used = this.podIPs.get(node) ?? new Set<number>();
    this.podIPs.set(node, used);
    used.add(Number(ip.split('.')[3]));
  }

  private releaseIP(pod: Readonly<Pod>): void {
    const node = pod.spec?.nodeName;
    const ip = pod.status?.podIP;
    if (node && ip) this.podIPs.get(node)?.delete(Number(ip.split('.')[3]));
  }
}
