// Authoritative answers for the cluster zone and reverse lookups, from the RecordIndex. Pure.
//
// Outcomes (as CoreDNS's kubernetes plugin):
//   name known, type present      → NOERROR, records (+ A/AAAA of SRV targets as additionals)
//   name known, type absent       → NOERROR/NODATA, SOA in authority
//   empty non-terminal            → NOERROR/NODATA, SOA in authority
//   unknown name in the zone      → NXDOMAIN, SOA in authority
//   CNAME (ExternalName)          → CNAME, chased inside the zone; `chase` says what the
//                                    server must still resolve upstream
//   reverse name we do not know   → forward (CoreDNS `fallthrough in-addr.arpa ip6.arpa`)
//   anything else                 → forward
import { CLASS_IN, RCODE, TYPE, type ResourceRecord } from './wire.js';
import type { RecordIndex, RecordSet } from './records.js';

export const DEFAULT_TTL = 5;

export interface ZoneOptions {
  zone: string;
  /** Address of the DNS service itself, published as `ns.dns.<zone>`. */
  dnsIP?: string;
  ttl?: number;
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

  let current = name;
  for (let hops = 0; hops < 8; hops++) {
    const found = index.lookup(current);
    if (found.kind === 'nxdomain') {
      if (reverse && hops === 0) return { kind: 'forward' };
      return done(hops === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR);
    }
    if (found.kind === 'empty-non-terminal') return done(RCODE.NOERROR);
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
