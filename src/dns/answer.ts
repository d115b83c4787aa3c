// Authoritative answers for the cluster zone and reverse lookups, from the RecordIndex. Pure.
//
// Outcomes (as CoreDNS's kubernetes plugin):
//   name known, type present      → NOERROR, records (+ A/AAAA of SRV targets as additionals)
//   name known, type absent       → NOERROR/NODATA, SOA in authority
//   `svc.<zone>`, `pod.<zone>`    → NODATA
//   `<ns>.svc|pod.<zone>`         → NODATA if the namespace exists, else NXDOMAIN
//   anything else in the zone     → NXDOMAIN, SOA in authority (names under a namespace that does
//                                    not exist, unknown services, endpoints, pods, `_tcp.<svc>`…)
//   `dns-version.<zone>` TXT      → the schema version (1.1.0)
//   `<a-b-c-d>.<ns>.pod.<zone>`   → with pods `insecure`: the address, if the namespace exists
//   CNAME (ExternalName)          → CNAME, chased inside the zone; `chase` says what the
//                                    server must still resolve upstream
//   reverse names                 → PTR answers for addresses we know; every other reverse
//                                    question is forwarded (CoreDNS `fallthrough in-addr.arpa ip6.arpa`)
//   anything else                 → forward
import { CLASS_IN, RCODE, TYPE, type ResourceRecord } from './wire.js';
import { isIPv4, isIPv6 } from '../util/net.js';
import type { RecordIndex, RecordSet } from './records.js';

export const DEFAULT_TTL = 5;
/** Kubernetes DNS schema version, published as `dns-version.<zone>` TXT (TTL as CoreDNS). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const SCHEMA_TTL = 28800;

export interface ZoneOptions {
  zone: string;
  /** Address of the DNS service itself, published as `ns.dns.<zone>`. */
  dnsIP?: string;
  ttl?: number;
  /** CoreDNS `pods`: `verified` (records from the pod informer, the default), `insecure`, `disabled`. */
  pods?: 'verified' | 'insecure' | 'disabled';
}

export type Answer =
  | { kind: 'authoritative'; rcode: number; answers: ResourceRecord[]; authorities: ResourceRecord[]; additionals: ResourceRecord[]; chase?: string }
  | { kind: 'forward' };

export function soaRecord(o: ZoneOptions): ResourceRecord {
  const ttl = o.ttl ?? DEFAULT_TTL;
  return {
    name: o.zone, type: TYPE.SOA, class: CLASS_IN, ttl,
    data: { kind: 'SOA', mname: `ns.dns.${o.zone}`, rname: `hostmaster.${o.zone}`, serial: Math.floor(Date.now() / 1000) >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}

export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

function isReverse(name: string): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');
}

export function answerQuery(index: RecordIndex, name: string, qtype: number, o: ZoneOptions): Answer {
  const ttl = o.ttl ?? DEFAULT_TTL;
  const reverse = isReverse(name);
  if (!isInZone(name, o.zone) && !reverse) return { kind: 'forward' };
  const answers: ResourceRecord[] = [];
  const additionals: ResourceRecord[] = [];
  const done = (rcode: number, chase?: string): Answer => ({
    kind: 'authoritative', rcode, answers, additionals, chase,
    authorities: answers.length === 0 ? [soaRecord(o)] : [],
  });

  if (name === o.zone) {
    if (qtype === TYPE.SOA || qtype === TYPE.ANY) answers.push(soaRecord(o));
    if ((qtype === TYPE.NS || qtype === TYPE.ANY) && o.dnsIP) {
      answers.push({ name, type: TYPE.NS, class: CLASS_IN, ttl, data: { kind: 'NAME', target: `ns.dns.${o.zone}` } });
      additionals.push({ name: `ns.dns.${o.zone}`, type: TYPE.A, class: CLASS_IN, ttl, data: { kind: 'A', address: o.dnsIP } });
    }
    return done(RCODE.NOERROR);
  }
  if (o.dnsIP && name === `ns.dns.${o.zone}`) {
    if (qtype === TYPE.A || qtype === TYPE.ANY) answers.push({ name, type: TYPE.A, class: CLASS_IN, ttl, data: { kind: 'A', address: o.dnsIP } });
    return done(RCODE.NOERROR);
  }

  if (name === `dns-version.${o.zone}`) {
    // CoreDNS answers this name for TXT only; other types find no service: NXDOMAIN.
    if (qtype !== TYPE.TXT) return done(RCODE.NXDOMAIN);
    answers.push({ name, type: TYPE.TXT, class: CLASS_IN, ttl: SCHEMA_TTL, data: { kind: 'TXT', texts: [DNS_SCHEMA_VERSION] } });
    return done(RCODE.NOERROR);
  }

  if (reverse) {
    const found = index.lookup(name);
    if (qtype !== TYPE.PTR || found.kind !== 'found') return { kind: 'forward' };
    for (const s of found.sets) addRecords(index, name, qtype, s, ttl, answers, additionals);
    if (answers.length === 0) return { kind: 'forward' };
    return done(RCODE.NOERROR);
  }

  let current = name;
  for (let hops = 0; hops < 8; hops++) {
    const found = index.lookup(current);
    if (found.kind !== 'found') {
      if (hops > 0) return done(RCODE.NOERROR);
      const miss = missingName(index, name, qtype, o, ttl);
      if (miss.answers) answers.push(...miss.answers);
      return done(miss.rcode);
    }
    const cname = found.sets.find((s) => s.cname)?.cname;
    if (cname && qtype !== TYPE.CNAME) {
      answers.push({ name: current, type: TYPE.CNAME, class: CLASS_IN, ttl, data: { kind: 'NAME', target: cname } });
      if (!isInZone(cname, o.zone)) return done(RCODE.NOERROR, cname);
      current = cname;
      continue;
    }
    for (const s of found.sets) addRecords(index, current, qtype, s, ttl, answers, additionals);
    return done(RCODE.NOERROR);
  }
  return done(RCODE.SERVFAIL);
}

/**
 * A name of the zone with no records, read as CoreDNS's parseRequest does:
 * `[endpoint|_port._proto.]<svc|pod>.<ns>.<svc|pod>.<zone>`.
 */
function missingName(index: RecordIndex, name: string, qtype: number, o: ZoneOptions, ttl: number): { rcode: number; answers?: ResourceRecord[] } {
  const labels = name.slice(0, -(o.zone.length + 1)).split('.');
  const kind = labels[labels.length - 1];
  if (kind !== 'svc' && kind !== 'pod') return { rcode: RCODE.NXDOMAIN };
  if (labels.length === 1) return { rcode: RCODE.NOERROR };
  const ns = labels[labels.length - 2];
  const pods = o.pods ?? 'verified';
  if (!index.hasNamespace(ns)) return { rcode: RCODE.NXDOMAIN };
  if (labels.length === 2) return { rcode: kind === 'pod' && pods === 'disabled' ? RCODE.NXDOMAIN : RCODE.NOERROR };
  if (kind === 'pod' && pods === 'insecure' && labels.length === 3) {
    const ip = insecurePodIP(labels[0]);
    if (!ip) return { rcode: RCODE.NXDOMAIN };
    const v4 = isIPv4(ip);
    const answers: ResourceRecord[] = [];
    if (v4 && (qtype === TYPE.A || qtype === TYPE.ANY)) answers.push({ name, type: TYPE.A, class: CLASS_IN, ttl, data: { kind: 'A', address: ip } });
    if (!v4 && (qtype === TYPE.AAAA || qtype === TYPE.ANY)) answers.push({ name, type: TYPE.AAAA, class: CLASS_IN, ttl, data: { kind: 'AAAA', address: ip } });
    return { rcode: RCODE.NOERROR, answers };
  }
  return { rcode: RCODE.NXDOMAIN };
}

/**
 * CoreDNS `pods insecure`: a label with exactly three dashes and no `--` is an IPv4 address
 * (`10-42-0-7`), anything else is read as IPv6 with dashes for colons (`fd00--7`).
 */
export function insecurePodIP(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  if (dashes === 3 && !label.includes('--')) {
    const ip = label.replace(/-/g, '.');
    return isIPv4(ip) ? ip : undefined; // node:net's reading: no leading zeros
  }
  const ip = label.replace(/-/g, ':');
  return isIPv6(ip) ? ip : undefined;
}

function addRecords(index: RecordIndex, name: string, qtype: number, s: RecordSet, ttl: number, answers: ResourceRecord[], additionals: ResourceRecord[]): void {
  const any = qtype === TYPE.ANY;
  if (any || qtype === TYPE.A) for (const address of s.a ?? []) answers.push({ name, type: TYPE.A, class: CLASS_IN, ttl, data: { kind: 'A', address } });
  if (any || qtype === TYPE.AAAA) for (const address of s.aaaa ?? []) answers.push({ name, type: TYPE.AAAA, class: CLASS_IN, ttl, data: { kind: 'AAAA', address } });
  if (any || qtype === TYPE.PTR) for (const target of s.ptr ?? []) answers.push({ name, type: TYPE.PTR, class: CLASS_IN, ttl, data: { kind: 'NAME', target } });
  if (qtype === TYPE.CNAME && s.cname) answers.push({ name, type: TYPE.CNAME, class: CLASS_IN, ttl, data: { kind: 'NAME', target: s.cname } });
  if (any || qtype === TYPE.SRV) {
    for (const t of s.srv ?? []) {
      answers.push({ name, type: TYPE.SRV, class: CLASS_IN, ttl, data: { kind: 'SRV', ...t } });
      const target = index.lookup(t.target);
      if (target.kind !== 'found') continue;
      for (const ts of target.sets) {
        for (const address of ts.a ?? []) if (!additionals.some((r) => r.name === t.target && r.data.kind === 'A' && r.data.address === address)) additionals.push({ name: t.target, type: TYPE.A, class: CLASS_IN, ttl, data: { kind: 'A', address } });
        for (const address of ts.aaaa ?? []) if (!additionals.some((r) => r.name === t.target && r.data.kind === 'AAAA' && r.data.address === address)) additionals.push({ name: t.target, type: TYPE.AAAA, class: CLASS_IN, ttl, data: { kind: 'AAAA', address } });
      }
    }
  }
}
