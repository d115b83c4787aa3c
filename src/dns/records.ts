// The record index: what the cluster zone contains, kept up to date from informer events so
// that answering a query is a Map lookup.
//
//   Service ─┐
//   EndpointSlice ─┼─▶ recordsForService / recordsForPod (pure) ─▶ RecordIndex.set(owner, entries)
//   Pod ─────┘
//   Namespace ──────▶ RecordIndex.setNamespace
//
// Each owner (`svc/<ns>/<name>`, `pod/<ns>/<name>`) contributes a set of named record sets;
// set() replaces everything the owner contributed before, so updates and deletes are the
// same operation. A name may have several owners (an endpoint IP in two services has two
// PTRs). Ancestors of every name up to the zone are counted as empty non-terminals; the
// answer side (answer.ts) uses them, with the namespaces, to tell NODATA from NXDOMAIN.
import type { DiscoveryV1EndpointPort, EndpointSlice, Pod, Service, ServicePort } from '../api/types/index.js';
import { reverseName } from './wire.js';
import { isIPv4, isIPv6 } from '../util/net.js';
export { LABEL_SERVICE_NAME } from '../api/well-known.js';

export interface SrvTarget {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface RecordSet {
  a?: string[];
  aaaa?: string[];
  srv?: SrvTarget[];
  ptr?: string[];
  cname?: string;
}

export interface NamedRecords {
  name: string;
  records: RecordSet;
}


/** `10.1.2.3` → `10-1-2-3`; `fd00::1` → `fd00--1` (as CoreDNS). */
export function dashedIP(ip: string): string {
  return isIPv4(ip) ? ip.replace(/\./g, '-') : ip.replace(/:/g, '-');
}

function addAddress(rs: RecordSet, ip: string): void {
  if (isIPv4(ip)) (rs.a ??= []).includes(ip) || rs.a.push(ip);
  else if (isIPv6(ip)) (rs.aaaa ??= []).includes(ip) || rs.aaaa.push(ip);
}

function isHeadless(svc: Readonly<Service>): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * The label an endpoint is published under, as CoreDNS's kubernetes plugin: its hostname when
 * the EndpointSlice gives a valid one (a StatefulSet pod, or a pod whose `subdomain` names the
 * service), else its dashed IP. One name per endpoint, never both.
 */
export function endpointLabel(hostname: string | null | undefined, ip: string): string {
  const h = hostname?.toLowerCase();
  return h && HOSTNAME_LABEL.test(h) ? h : dashedIP(ip);
}

const HOSTNAME_LABEL = /^[-a-z0-9]{1,63}$/;

/**
 * The records of one service (Kubernetes DNS specification 1.1.0, as CoreDNS serves it):
 * - ClusterIP: `<svc>` A/AAAA (cluster IPs), SRV per named port (target `<svc>`), PTR per cluster IP;
 * - headless: `<svc>` A/AAAA of the ready endpoints, SRV per named port and endpoint;
 * - both: `<endpoint>.<svc>` A/AAAA and a PTR per ready endpoint address, `<endpoint>` being
 *   `endpointLabel` (CoreDNS answers endpoint names under ClusterIP services too);
 * - ExternalName: CNAME.
 * Endpoints count when their `ready` condition is true or unset; the EndpointSlice controller
 * already marks endpoints ready for `publishNotReadyAddresses`, and terminating ones not ready.
 */
export function recordsForService(svc: Readonly<Service>, slices: readonly Readonly<EndpointSlice>[], zone: string): NamedRecords[] {
  const ns = svc.metadata.namespace ?? 'default';
  const base = `${svc.metadata.name}.${ns}.svc.${zone}`.toLowerCase();
  const spec = svc.spec ?? {};
  const out: NamedRecords[] = [];
  if (spec.type === 'ExternalName') {
    if (spec.externalName) out.push({ name: base, records: { cname: spec.externalName.replace(/\.$/, '').toLowerCase() } });
    return out;
  }
  const headless = isHeadless(svc);
  const baseRecords: RecordSet = {};
  if (!headless) {
    const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => isIPv4(ip) || isIPv6(ip));
    for (const ip of ips) addAddress(baseRecords, ip);
    if (ips.length > 0) {
      for (const p of spec.ports ?? []) {
        if (!p.name || !p.port) continue;
        // CoreDNS weighs each SRV answer by 100 / (records found before duplicates are merged).
        out.push({ name: srvName(p, base), records: { srv: [{ priority: 0, weight: Math.floor(100 / ips.length), port: p.port, target: base }] } });
      }
      for (const ip of ips) out.push({ name: reverseName(ip), records: { ptr: [base] } });
    }
  }
  const perName = new Map<string, RecordSet>();
  const srv = new Map<string, { targets: SrvTarget[]; found: number }>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const ep of slice.endpoints ?? []) {
      // A nil ready condition means ready (EndpointSlice API).
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIPv4(ip) && !isIPv6(ip)) continue;
        const host = `${endpointLabel(ep.hostname, ip)}.${base}`;
        let rs = perName.get(host);
        if (!rs) perName.set(host, (rs = {}));
        addAddress(rs, ip);
        out.push({ name: reverseName(ip), records: { ptr: [host] } });
        if (!headless) continue;
        addAddress(baseRecords, ip);
        for (const p of slice.ports ?? []) {
          if (!p.name || !p.port) continue;
          const n = srvName(p, base);
          let s = srv.get(n);
          if (!s) srv.set(n, (s = { targets: [], found: 0 }));
          s.found++;
          if (!s.targets.some((t) => t.target === host && t.port === p.port)) s.targets.push({ priority: 0, weight: 0, port: p.port, target: host });
        }
      }
    }
  }
  if (baseRecords.a || baseRecords.aaaa) out.push({ name: base, records: baseRecords });
  for (const [name, records] of perName) out.push({ name, records });
  for (const [name, s] of srv) {
    const w = Math.floor(100 / s.found);
    out.push({ name, records: { srv: s.targets.map((t) => ({ ...t, weight: w })) } });
  }
  return out;
}

function srvName(p: Readonly<ServicePort | DiscoveryV1EndpointPort>, base: string): string {
  return `_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`.toLowerCase();
}

/**
 * `<ip-dashed>.<ns>.pod.<zone>` for each pod IP. Pods on the host network have none, nor have
 * pods that finished (CoreDNS watches pods with `status.phase` not Succeeded, Failed or
 * Unknown: their IPs go back to the pool).
 */
export function recordsForPod(pod: Readonly<Pod>, zone: string): NamedRecords[] {
  if (pod.spec?.hostNetwork) return [];
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Unknown') return [];
  const ns = pod.metadata.namespace ?? 'default';
  const ips = new Set<string>();
  if (pod.status?.podIP) ips.add(pod.status.podIP);
  for (const p of pod.status?.podIPs ?? []) if (p.ip) ips.add(p.ip);
  const out: NamedRecords[] = [];
  for (const ip of ips) {
    const rs: RecordSet = {};
    addAddress(rs, ip);
    if (rs.a || rs.aaaa) out.push({ name: `${dashedIP(ip)}.${ns}.pod.${zone}`.toLowerCase(), records: rs });
  }
  return out;
}

export type Lookup =
  | { kind: 'found'; sets: readonly RecordSet[] }
  | { kind: 'empty-non-terminal' }
  | { kind: 'nxdomain' };

export class RecordIndex {
  private readonly byName = new Map<string, Map<string, RecordSet>>();
  private readonly byOwner = new Map<string, NamedRecords[]>();
  private readonly nonTerminals = new Map<string, number>();
  private readonly namespaces = new Set<string>();

  constructor(readonly zone: string) {}

  /** Records that a namespace exists (`present`) or no longer does. */
  setNamespace(name: string, present: boolean): void {
    if (present) this.namespaces.add(name.toLowerCase());
    else this.namespaces.delete(name.toLowerCase());
  }

  /**
   * Whether the namespace exists: known from the namespace informer, or implied by records
   * under `<ns>.svc` / `<ns>.pod` (a service or pod event may arrive before its namespace's).
   */
  hasNamespace(name: string): boolean {
    return this.namespaces.has(name) || this.nonTerminals.has(`${name}.svc.${this.zone}`) || this.nonTerminals.has(`${name}.pod.${this.zone}`);
  }

  /** Replaces all records of `owner` (an empty list removes it). */
  set(owner: string, entries: readonly NamedRecords[]): void {
    const old = this.byOwner.get(owner);
    if (old) {
      for (const e of old) {
        const m = this.byName.get(e.name);
        m?.delete(owner);
        if (m && m.size === 0) this.byName.delete(e.name);
        this.countAncestors(e.name, -1);
      }
    }
    if (entries.length === 0) { this.byOwner.delete(owner); return; }
    // Merge entries of the same name from one owner (e.g. several PTRs for one IP).
    const merged = new Map<string, RecordSet>();
    for (const e of entries) merged.set(e.name, mergeSets(merged.get(e.name), e.records));
    const list: NamedRecords[] = [];
    for (const [name, records] of merged) {
      let m = this.byName.get(name);
      if (!m) this.byName.set(name, (m = new Map()));
      m.set(owner, records);
      this.countAncestors(name, +1);
      list.push({ name, records });
    }
    this.byOwner.set(owner, list);
  }

  delete(owner: string): void {
    this.set(owner, []);
  }

  lookup(name: string): Lookup {
    const m = this.byName.get(name);
    if (m) return { kind: 'found', sets: [...m.values()] };
    if (this.nonTerminals.has(name)) return { kind: 'empty-non-terminal' };
    return { kind: 'nxdomain' };
  }

  get size(): number {
    return this.byName.size;
  }

  private countAncestors(name: string, delta: number): void {
    const suffix = name.endsWith(`.${this.zone}`) ? this.zone : name.endsWith('.in-addr.arpa') ? 'in-addr.arpa' : name.endsWith('.ip6.arpa') ? 'ip6.arpa' : undefined;
    if (!suffix) return;
    let n = name;
    for (;;) {
      const i = n.indexOf('.');
      if (i < 0) return;
      n = n.slice(i + 1);
      if (n === suffix || n.length <= suffix.length) return;
      const c = (this.nonTerminals.get(n) ?? 0) + delta;
      if (c <= 0) this.nonTerminals.delete(n);
      else this.nonTerminals.set(n, c);
    }
  }
}

function mergeSets(a: RecordSet | undefined, b: RecordSet): RecordSet {
  if (!a) return b;
  return {
    a: union(a.a, b.a), aaaa: union(a.aaaa, b.aaaa), ptr: union(a.ptr, b.ptr),
    srv: a.srv || b.srv ? [...(a.srv ?? []), ...(b.srv ?? [])] : undefined,
    cname: a.cname ?? b.cname,
  };
}

function union(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return [...new Set([...a, ...b])];
}
