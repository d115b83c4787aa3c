// The cluster DNS server: UDP and TCP listeners in front of the record index (cluster zone,
// reverse zones) and the forwarder (everything else).
//
//   packet ─source allowed? (else REFUSED)─decode─▶ one question? ─▶ answerQuery(index) ─authoritative─▶ encode (TC if too big for UDP)
//      │ malformed: FORMERR              │ forward
//      │ (or dropped if < 12 bytes)      ▼
//                                   Forwarder.forward ─▶ relay bytes (SERVFAIL if no upstream answered)
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { EndpointSlice, KObject, Pod, Service } from '../api/types/index.js';
import { R, isDeletedFinalStateUnknown, type EventHandler } from '../client/index.js';
import type { SharedInformerFactory } from '../client/informers/index.js';
import {
  CLASS_IN, decodeHeaderOnly, decodeMessage, encodeMessage, MAX_UDP_PLAIN, OPCODE_QUERY, RCODE, TYPE,
  type DnsMessage, type ResourceRecord,
} from './wire.js';
import { LABEL_SERVICE_NAME, RecordIndex, recordsForPod, recordsForService } from './records.js';
import { answerQuery, type ZoneOptions } from './answer.js';
import { Forwarder, parseUpstream } from './forwarder.js';
import { cidrContains, isIP, isIPv4, parseIPv4Cidr, type IPv4Cidr } from '../util/net.js';

export interface ClusterDnsOptions {
  informers: Pick<SharedInformerFactory, 'informerFor'>;
  listen: Array<{ address: string; port: number }>;
  clusterDomain: string;
  /** `ip` or `ip:port` ( `[v6]:port` ). Use upstreamsFromResolvConf for the host's. */
  upstream: string[];
  signal: AbortSignal;
  /** The DNS service address, published as `ns.dns.<zone>`; default 10.43.0.10. */
  dnsIP?: string;
  ttl?: number;
  /** `verified` (default): pod names only for pods that exist; `insecure`: any well-formed dashed IP. */
  pods?: 'verified' | 'insecure' | 'disabled';
  forwardTimeoutMs?: number;
  /**
   * Who may query: IPv4 CIDRs (`10.42.0.0/16`) or single addresses of either family. Unset:
   * anyone. `k8ts server` passes the pod network (cluster CIDR), the node's own addresses
   * (host-network pods, the node itself) and loopback; a query from elsewhere gets REFUSED
   * (never forwarded), and a malformed packet from elsewhere no answer at all.
   */
  allowedSources?: string[];
}

export interface ClusterDns {
  /** Resolves once the informers have synced and the index holds the cluster's records. */
  ready: Promise<void>;
  /** Bound addresses (port 0 resolved). */
  addresses: Array<{ address: string; port: number; protocol: 'udp' | 'tcp' }>;
  index: RecordIndex;
  /** Resolves when every listener is closed (after the signal aborts). */
  closed: Promise<void>;
}

const EDNS_PAYLOAD = 1232;

export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  const zone = o.clusterDomain.replace(/\.$/, '').toLowerCase();
  const index = new RecordIndex(zone);
  const podMode = o.pods ?? 'verified';
  const zoneOpts: ZoneOptions = { zone, dnsIP: o.dnsIP ?? '10.43.0.10', ttl: o.ttl, pods: podMode };
  const forwarder = new Forwarder({ upstreams: o.upstream.map(parseUpstream), timeoutMs: o.forwardTimeoutMs });
  let synced = false;
  const ready = watchCluster(o, index, zone, podMode).then(() => { synced = true; });
  ready.catch(() => undefined);

  const allowed = o.allowedSources ? sourceFilter(o.allowedSources) : () => true;

  const handle = async (packet: Buffer, udp: boolean, from: string): Promise<Buffer | undefined> => {
    const permitted = allowed(from);
    let msg: DnsMessage;
    try {
      msg = decodeMessage(packet);
    } catch {
      const h = decodeHeaderOnly(packet);
      if (!h || h.qr || !permitted) return undefined;
      return encodeMessage({ header: { ...h, qr: true, aa: false, tc: false, ra: true, rcode: RCODE.FORMERR }, questions: [], answers: [], authorities: [], additionals: [] });
    }
    if (msg.header.qr) return undefined;
    const opt = msg.additionals.find((r) => r.type === TYPE.OPT);
    const limit = !udp ? 0xffff : opt ? Math.max(MAX_UDP_PLAIN, Math.min(opt.class, 0xffff)) : MAX_UDP_PLAIN;
    const reply = (rcode: number, answers: ResourceRecord[] = [], authorities: ResourceRecord[] = [], additionals: ResourceRecord[] = [], aa = false): Buffer => {
      const out: DnsMessage = {
        header: { id: msg.header.id, qr: true, opcode: msg.header.opcode, aa, tc: false, rd: msg.header.rd, ra: true, rcode },
        questions: msg.questions.slice(0, 1), answers, authorities, additionals: opt ? [...additionals, optRecord()] : additionals,
      };
      let bytes = encodeMessage(out);
      if (bytes.length > limit) bytes = encodeMessage({ ...out, header: { ...out.header, tc: true }, answers: [], authorities: [], additionals: opt ? [optRecord()] : [] });
      return bytes;
    };
    if (!permitted) return reply(RCODE.REFUSED);
    if (msg.header.opcode !== OPCODE_QUERY) return reply(RCODE.NOTIMP);
    if (msg.questions.length !== 1) return reply(RCODE.FORMERR);
    const q = msg.questions[0];
    if (q.class !== CLASS_IN && q.class !== 255) return reply(RCODE.REFUSED);

    const ans = answerQuery(index, q.name, q.type, zoneOpts);
    if (ans.kind === 'forward') {
      const dnssecOk = !!opt && (opt.ttl & 0x8000) !== 0;
      const res = await forwarder.forward(packet, q, dnssecOk);
      if (!res) return reply(RCODE.SERVFAIL);
      if (res.length > limit) return truncateRelayed(res, msg, limit);
      return res;
    }
    if (!synced && ans.rcode === RCODE.NXDOMAIN) return reply(RCODE.SERVFAIL);
    const answers = [...ans.answers];
    if (ans.chase && (q.type === TYPE.A || q.type === TYPE.AAAA)) answers.push(...await chaseExternal(forwarder, ans.chase, q.type));
    return reply(ans.rcode, answers, ans.authorities, ans.additionals, true);
  };

  const addresses: ClusterDns['addresses'] = [];
  const closers: Array<() => Promise<void>> = [];
  for (const l of o.listen) {
    const { udp, tcp, port } = await bindPair(l.address, l.port, handle);
    addresses.push({ address: l.address, port, protocol: 'udp' }, { address: l.address, port, protocol: 'tcp' });
    closers.push(() => new Promise<void>((r) => udp.close(() => r())), () => new Promise<void>((r) => tcp.close(() => r())));
  }
  const closed = new Promise<void>((resolve) => {
    const stop = (): void => { void Promise.all(closers.map((c) => c())).then(() => resolve()); };
    if (o.signal.aborted) stop();
    else o.signal.addEventListener('abort', stop, { once: true });
  });
  return { ready, addresses, index, closed };
}

/**
 * UDP and TCP on one port. Port 0 lets the kernel pick the UDP port; another process may hold
 * that number for TCP, so a pick whose TCP side is taken is given back and another one tried.
 */
async function bindPair(address: string, wanted: number, handle: Handler): Promise<{ udp: Socket; tcp: Server; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(address, wanted, handle);
    const port = udp.address().port;
    try {
      return { udp, tcp: await listenTcp(address, port, handle), port };
    } catch (e) {
      await new Promise<void>((r) => udp.close(() => r()));
      if (wanted !== 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw e;
    }
  }
}

function optRecord(): ResourceRecord {
  return { name: '', type: TYPE.OPT, class: EDNS_PAYLOAD, ttl: 0, data: { kind: 'RAW', bytes: new Uint8Array(0) } };
}

/** An upstream answer that does not fit the client's UDP limit: header + question, TC set. */
function truncateRelayed(res: Buffer, query: DnsMessage, limit: number): Buffer {
  const flags = res.readUInt16BE(2);
  const out = encodeMessage({
    header: { id: query.header.id, qr: true, opcode: 0, aa: (flags & 0x400) !== 0, tc: true, rd: query.header.rd, ra: true, rcode: flags & 0xf },
    questions: query.questions.slice(0, 1), answers: [], authorities: [], additionals: [],
  });
  return out.length <= limit ? out : out.subarray(0, 12);
}

/** Resolves an ExternalName target outside the zone; an empty list when that fails. */
async function chaseExternal(forwarder: Forwarder, name: string, type: number): Promise<ResourceRecord[]> {
  const query = encodeMessage({
    header: { id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
    questions: [{ name, type, class: CLASS_IN }], answers: [], authorities: [], additionals: [],
  });
  const res = await forwarder.forward(query, { name, type, class: CLASS_IN });
  if (!res) return [];
  try {
    // Only records we can re-encode safely (A, AAAA, CNAME).
    return decodeMessage(res).answers.filter((r) => r.type === TYPE.A || r.type === TYPE.AAAA || r.type === TYPE.CNAME).map(({ ttlOffset: _, ...r }) => r);
  } catch {
    return [];
  }
}

/**
 * A predicate over source addresses from IPv4 CIDRs and single addresses. An IPv4-mapped
 * IPv6 source (`::ffff:10.42.0.7`, from a dual-stack socket) counts as its IPv4 address.
 */
export function sourceFilter(allowed: readonly string[]): (from: string) => boolean {
  const cidrs: IPv4Cidr[] = [];
  const singles = new Set<string>();
  for (const a of allowed) {
    if (a.includes('/')) cidrs.push(parseIPv4Cidr(a)); // throws InvalidCidrError
    else if (isIP(a)) singles.add(a.toLowerCase());
    else throw new Error(`allowed DNS source ${JSON.stringify(a)} is neither an IPv4 CIDR nor an IP address`);
  }
  return (from) => {
    const ip = from.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return singles.has(ip) || (isIPv4(ip) && cidrs.some((c) => cidrContains(c, ip)));
  };
}

type Handler = (p: Buffer, udp: boolean, from: string) => Promise<Buffer | undefined>;

function bindUdp(address: string, port: number, handle: Handler): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    sock.once('error', reject);
    sock.on('message', (msg, rinfo) => {
      handle(msg, true, rinfo.address).then((res) => { if (res) sock.send(res, rinfo.port, rinfo.address); }, () => undefined);
    });
    sock.bind(port, address, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

function listenTcp(address: string, port: number, handle: Handler): Promise<Server> {
  return new Promise((resolve, reject) => {
    const conns = new Set<TcpSocket>();
    const server = createServer((sock) => {
      conns.add(sock);
      sock.on('close', () => conns.delete(sock));
      sock.setTimeout(10_000, () => sock.destroy());
      sock.on('error', () => undefined);
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const packet = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          handle(Buffer.from(packet), false, sock.remoteAddress ?? '').then((res) => {
            if (!res || sock.destroyed) return;
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(res.length);
            sock.write(Buffer.concat([prefix, res]));
          }, () => undefined);
        }
      });
    });
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      const close = server.close.bind(server);
      // Closing also drops idle client connections, so shutdown does not wait 10 s.
      server.close = ((cb?: (err?: Error) => void) => { for (const c of conns) c.destroy(); return close(cb); }) as typeof server.close;
      resolve(server);
    });
  });
}

// ------------------------------------------------------------------------------- informers

async function watchCluster(o: ClusterDnsOptions, index: RecordIndex, zone: string, podMode: string): Promise<void> {
  const svcInf = o.informers.informerFor<Service>(R.services);
  const sliceInf = o.informers.informerFor<EndpointSlice>(R.endpointslices);
  const rebuild = (ns: string, name: string): void => {
    const owner = `svc/${ns}/${name}`;
    const svc = svcInf.lister.get(ns, name);
    if (!svc) { index.delete(owner); return; }
    const slices = sliceInf.lister.list(ns, (s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name);
    index.set(owner, recordsForService(svc, slices, zone));
  };
  const unwrap = (x: Readonly<KObject> | { obj: Readonly<KObject> }): Readonly<KObject> => (isDeletedFinalStateUnknown<KObject>(x) ? x.obj : x as Readonly<KObject>);
  const onService: EventHandler = {
    onAdd: (s) => rebuild(s.metadata.namespace ?? '', s.metadata.name ?? ''),
    onUpdate: (a, b) => { if (a.metadata.resourceVersion !== b.metadata.resourceVersion) rebuild(b.metadata.namespace ?? '', b.metadata.name ?? ''); },
    onDelete: (x) => { const s = unwrap(x); rebuild(s.metadata.namespace ?? '', s.metadata.name ?? ''); },
  };
  const sliceOwner = (s: Readonly<KObject>): void => {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svc) rebuild(s.metadata.namespace ?? '', svc);
  };
  const onSlice: EventHandler = {
    onAdd: sliceOwner,
    onUpdate: (a, b) => {
      if (a.metadata.resourceVersion === b.metadata.resourceVersion) return;
      if (a.metadata.labels?.[LABEL_SERVICE_NAME] !== b.metadata.labels?.[LABEL_SERVICE_NAME]) sliceOwner(a);
      sliceOwner(b);
    },
    onDelete: (x) => sliceOwner(unwrap(x)),
  };
  // Namespaces, as CoreDNS watches them: names under a namespace that does not exist are
  // NXDOMAIN, `<ns>.svc.<zone>` of one that does is NODATA.
  const nsInf = o.informers.informerFor(R.namespaces);
  const setNamespace = (x: Readonly<KObject> | { obj: Readonly<KObject> }, present: boolean): void => {
    const n = unwrap(x);
    if (n.metadata.name) index.setNamespace(n.metadata.name, present);
  };
  const subs = [
    svcInf.addEventHandler(onService), sliceInf.addEventHandler(onSlice),
    nsInf.addEventHandler({ onAdd: (n) => setNamespace(n, true), onUpdate: (_a, b) => setNamespace(b, true), onDelete: (x) => setNamespace(x, false) }),
  ];
  const waits = [svcInf.whenSynced(), sliceInf.whenSynced(), nsInf.whenSynced()];
  if (podMode === 'verified') {
    const podInf = o.informers.informerFor<Pod>(R.pods);
    const setPod = (p: Readonly<Pod>): void => index.set(`pod/${p.metadata.namespace}/${p.metadata.name}`, recordsForPod(p, zone));
    subs.push(podInf.addEventHandler({
      onAdd: setPod,
      onUpdate: (_a, b) => setPod(b),
      onDelete: (x) => { const p = unwrap(x); index.delete(`pod/${p.metadata.namespace}/${p.metadata.name}`); },
    }));
    waits.push(podInf.whenSynced());
  }
  o.signal.addEventListener('abort', () => { for (const s of subs) s.dispose(); }, { once: true });
  await Promise.all(waits);
}
