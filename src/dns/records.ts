// The record index: what the cluster zone contains, kept up to date from informer events so
// that answering a query is a Map lookup.
//
//   Service ─┐
//   EndpointSlice ─┼─▶ recordsForService / recordsForPod (pure) ─▶ RecordIndex.set(owner, entries)
//   Pod ─────┘
//
// Each owner (`svc/<ns>/<name>`, `pod/<ns>/<name>`) contributes a set of named record sets;
// set() replaces everything the owner contributed before, so updates and deletes are the
// same operation. A name may have several owners (an endpoint IP in two headless services
// has two PTRs). Ancestors of every name up to the zone are counted as empty non-terminals,
// so `default.svc.cluster.local` answers NODATA rather than NXDOMAIN while it has services.
import type { KObject } from '../api/types.js';
import { isIPv4, isIPv6, reverseName } from './wire.js';

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

// Narrow views of the API objects we read (untrusted shapes; everything optional).
interface ServicePortView { name?: string; port?: number; protocol?: string }
interface ServiceView extends KObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; externalName?: string; ports?: ServicePortView[]; publishNotReadyAddresses?: boolean };
}
interface SliceEndpointView { addresses?: string[]; conditions?: { ready?: boolean | null }; hostname?: string }
interface EndpointSliceView extends KObject {
  addressType?: string;
  endpoints?: SliceEndpointView[] | null;
  ports?: ServicePortView[] | null;
}
interface PodView extends KObject {
  spec?: { hostNetwork?: boolean };
  status?: { podIP?: string; podIPs?: Array<{ ip?: string }> };
}

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

/** `10.1.2.3` → `10-1-2-3`; `fd00::1` → `fd00--1` (as CoreDNS). */
export function dashedIP(ip: string): string {
  return isIPv4(ip) ? ip.replace(/\./g, '-') : ip.replace(/:/g, '-');
}

function addAddress(rs: RecordSet, ip: string): void {
  if (isIPv4(ip)) (rs.a ??= []).includes(ip) || rs.a.push(ip);
  else if (isIPv6(ip)) (rs.aaaa ??= []).includes(ip) || rs.aaaa.push(ip);
}

function isHeadless(svc: ServiceView): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * The records of one service (Kubernetes DNS specification, schema version 1.1.0):
 * ClusterIP → A/AAAA + SRV per named port + PTR; headless → A/AAAA of ready endpoints,
 * per-endpoint names (hostname, else dashed IP), SRV per named port and endpoint, PTR per
 * endpoint; ExternalName → CNAME.
 */
export function recordsForService(svc: Readonly<ServiceView>, slices: readonly Readonly<EndpointSliceView>[], zone: string): NamedRecords[] {
  const ns = svc.metadata.namespace ?? 'default';
  const base = `${svc.metadata.name}.${ns}.svc.${zone}`.toLowerCase();
  const spec = svc.spec ?? {};
  const out: NamedRecords[] = [];
  if (spec.type === 'ExternalName') {
    if (spec.externalName) out.push({ name: base, records: { cname: spec.externalName.replace(/\.$/, '').toLowerCase() } });
    return out;
  }
  if (!isHeadless(svc)) {
    const rs: RecordSet = {};
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    for (const ip of ips) addAddress(rs, ip);
    if (!rs.a && !rs.aaaa) return out;
    out.push({ name: base, records: rs });
    for (const p of spec.ports ?? []) {
      if (!p.name || !p.port) continue;
      out.push({ name: srvName(p, base), records: { srv: [{ priority: 0, weight: 100, port: p.port, target: base }] } });
    }
    for (const ip of ips) if (isIPv4(ip) || isIPv6(ip)) out.push({ name: reverseName(ip), records: { ptr: [base] } });
    return out;
  }
  // Headless: endpoints from the service's EndpointSlices.
  const all: RecordSet = {};
  const perName = new Map<string, RecordSet>();
  const srv = new Map<string, SrvTarget[]>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const ep of slice.endpoints ?? []) {
      // A nil ready condition means ready (EndpointSlice API).
      const ready = ep.conditions?.ready !== false;
      if (!ready && !spec.publishNotReadyAddresses) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIPv4(ip) && !isIPv6(ip)) continue;
        addAddress(all, ip);
        const host = `${(ep.hostname || dashedIP(ip)).toLowerCase()}.${base}`;
        let rs = perName.get(host);
        if (!rs) perName.set(host, (rs = {}));
        addAddress(rs, ip);
        out.push({ name: reverseName(ip), records: { ptr: [host] } });
        for (const p of slice.ports ?? []) {
          if (!p.name || !p.port) continue;
          const n = srvName(p, base);
          const list = srv.get(n) ?? [];
          if (!list.some((t) => t.target === host && t.port === p.port)) list.push({ priority: 0, weight: 0, port: p.port, target: host });
          srv.set(n, list);
        }
      }
    }
  }
  if (all.a || all.aaaa) out.push({ name: base, records: all });
  for (const [name, records] of perName) out.push({ name, records });
  for (const [name, list] of srv) {
    // CoreDNS spreads weight evenly: 100 / number of targets.
    const w = Math.floor(100 / list.length);
    out.push({ name, records: { srv: list.map((t) => ({ ...t, weight: w })) } });
  }
  return out;
}

function srvName(p: ServicePortView, base: string): string {
  return `_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`.toLowerCase();
}

/** `<ip-dashed>.<ns>.pod.<zone>` for each pod IP (pods on the host network have none). */
export function recordsForPod(pod: Readonly<PodView>, zone: string): NamedRecords[] {
  if (pod.spec?.hostNetwork) return [];
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

  constructor(readonly zone: string) {}

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
