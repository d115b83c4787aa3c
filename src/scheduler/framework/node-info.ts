// NodeInfo: a node plus the aggregate of the pods on it (bound or assumed), kept up to date
// incrementally as pods come and go, so Filter/Score read sums instead of walking pods.
import { integerValue, milliValue } from '../../api/quantity/index.js';
import type { Taint } from './types.js';
import type { HostPort, PodInfo, Resources } from './pod-info.js';
import type { Node } from '../../api/types/index.js';

function q(v: string | number | undefined, milli: boolean): number {
  if (v === undefined) return 0;
  try {
    return milli ? milliValue(String(v)) : integerValue(String(v));
  } catch {
    return 0;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAINTS: readonly Taint[] = Object.freeze([]);

export class NodeInfo {
  node!: Readonly<Node>;
  name = '';
  labels: Readonly<Record<string, string>> = NO_LABELS;
  taints: readonly Taint[] = NO_TAINTS;
  unschedulable = false;
  /** Allocatable; allowedPodNumber is the `pods` entry. */
  allocCPU = 0;
  allocMemory = 0;
  allocEphemeral = 0;
  allowedPodNumber = 0;
  allocScalar: Map<string, number> | undefined;
  /** Sum of the requests of the pods on the node. */
  reqCPU = 0;
  reqMemory = 0;
  reqEphemeral = 0;
  reqScalar: Map<string, number> | undefined;
  /** Same with the non-zero defaults (for scoring). */
  nonZeroCPU = 0;
  nonZeroMemory = 0;
  readonly pods: PodInfo[] = [];
  private readonly index = new Map<string, number>();
  /** Pods with any pod (anti-)affinity, and those with required anti-affinity. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** `protocol/port` → host IPs in use. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Bumped on every change; lets callers tell whether a node changed. */
  generation = 0;

  constructor(node?: Readonly<Node>) {
    if (node) this.setNode(node);
  }

  setNode(node: Readonly<Node>): void {
    this.node = node;
    this.name = node.metadata.name ?? '';
    this.labels = node.metadata.labels ?? NO_LABELS;
    this.taints = node.spec?.taints ?? NO_TAINTS;
    this.unschedulable = node.spec?.unschedulable === true;
    const a = node.status?.allocatable ?? {};
    this.allocCPU = q(a.cpu, true);
    this.allocMemory = q(a.memory, false);
    this.allocEphemeral = q(a['ephemeral-storage'], false);
    this.allowedPodNumber = q(a.pods, false);
    this.allocScalar = undefined;
    for (const k in a) {
      if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage' || k === 'pods') continue;
      this.allocScalar ??= new Map();
      this.allocScalar.set(k, q(a[k], false));
    }
    this.generation++;
  }

  hasPod(key: string): boolean {
    return this.index.has(key);
  }

  addPod(pi: PodInfo): void {
    if (this.index.has(pi.key)) this.removePod(pi.key);
    this.index.set(pi.key, this.pods.length);
    this.pods.push(pi);
    this.account(pi, 1);
  }

  /** Returns the removed PodInfo, if the pod was there. */
  removePod(key: string): PodInfo | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const pi = this.pods[i];
    const last = this.pods.pop() as PodInfo;
    if (last !== pi) {
      this.pods[i] = last;
      this.index.set(last.key, i);
    }
    this.index.delete(key);
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r: Readonly<Resources> = pi.requests;
    this.reqCPU += sign * r.milliCPU;
    this.reqMemory += sign * r.memory;
    this.reqEphemeral += sign * r.ephemeralStorage;
    if (r.scalar) {
      this.reqScalar ??= new Map();
      for (const [k, v] of r.scalar) this.reqScalar.set(k, (this.reqScalar.get(k) ?? 0) + sign * v);
    }
    this.nonZeroCPU += sign * pi.nonZeroCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    if (pi.hasAffinity) this.podsWithAffinity += sign;
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity += sign;
    for (const p of pi.hostPorts) this.port(p, sign);
    this.generation++;
  }

  private port(p: HostPort, sign: 1 | -1): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.usedPorts.get(k);
    if (!ips) {
      if (sign < 0) return;
      ips = new Map();
      this.usedPorts.set(k, ips);
    }
    const n = (ips.get(p.ip) ?? 0) + sign;
    if (n <= 0) ips.delete(p.ip);
    else ips.set(p.ip, n);
    if (ips.size === 0) this.usedPorts.delete(k);
  }

  /** Would `p` conflict with a host port in use (0.0.0.0 conflicts with every IP)? */
  portConflicts(p: HostPort): boolean {
    const ips = this.usedPorts.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === '0.0.0.0') return ips.size > 0;
    return ips.has(p.ip) || ips.has('0.0.0.0');
  }

  /** A deep-enough copy for preemption simulation (pods array and sums). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.node);
    for (const p of this.pods) c.addPod(p);
    return c;
  }
}
