// DNS packets (src/dns/wire.ts) three ways:
//  - dns-wire: random and corrupted packets decode to a message or DnsFormatError; what
//    decodes encodes again and decodes to the same message.
//  - dns-differential: node's own resolver (c-ares) is the oracle. Each run asks a real
//    dns.Resolver for a random name and type; a UDP socket on 127.0.0.1 decodes the query with
//    wire.ts (it must be the question asked) and answers random records encoded by wire.ts
//    (compressed or not); what node resolves must be those records.
//  - dns-server: the real cluster DNS server (startClusterDns over an in-process API server)
//    gets random and corrupted packets over UDP and TCP; it must keep answering node's
//    resolver for a known Service name.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { setMaxListeners } from 'node:events';
import { decodeMessage, encodeMessage, parseIPv6, DnsFormatError, TYPE, CLASS_IN, RCODE, type DnsMessage, type ResourceRecord } from '../../../src/dns/wire.js';
import { startClusterDns } from '../../../src/dns/server.js';
import { startFakeUpstream, buildQuery } from '../../../src/dns/testing/dns-client.js';
import { startTestApi } from '../../../src/testing/test-api.js';
import { R } from '../../../src/client/resources.js';
import { bounded } from '../../../src/testing/bounded.js';
import { decodeOrFail, type FuzzTarget } from '../target.js';
import { mutatedBytes } from '../arbitraries.js';

// No IDNA-looking labels (`xn--`, `ab--`): node converts names with toASCII before asking.
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/).filter((l) => l.slice(2, 4) !== '--');
const dnsName = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.ipV6();
const u16 = fc.nat(0xffff);
const ttl = fc.nat(0x7fffffff);

type Ask = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'SRV' | 'TXT' | 'PTR';
const txtString = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 255 }));

function recordsFor(ask: Ask, name: string): fc.Arbitrary<ResourceRecord[]> {
  const rr = (type: number, data: fc.Arbitrary<ResourceRecord['data']>): fc.Arbitrary<ResourceRecord> => fc.record({ name: fc.constant(name), type: fc.constant(type), class: fc.constant(CLASS_IN), ttl, data });
  switch (ask) {
    case 'A': return fc.array(rr(TYPE.A, ipv4.map((address) => ({ kind: 'A' as const, address }))), { minLength: 1, maxLength: 6 });
    case 'AAAA': return fc.array(rr(TYPE.AAAA, ipv6.map((address) => ({ kind: 'AAAA' as const, address }))), { minLength: 1, maxLength: 6 });
    case 'CNAME': return rr(TYPE.CNAME, dnsName.map((target) => ({ kind: 'NAME' as const, target }))).map((r) => [r]);
    case 'PTR': return fc.array(rr(TYPE.PTR, dnsName.map((target) => ({ kind: 'NAME' as const, target }))), { minLength: 1, maxLength: 4 });
    case 'MX': return fc.array(rr(TYPE.MX, fc.record({ kind: fc.constant('MX' as const), preference: u16, exchange: dnsName })), { minLength: 1, maxLength: 4 });
    case 'SRV': return fc.array(rr(TYPE.SRV, fc.record({ kind: fc.constant('SRV' as const), priority: u16, weight: u16, port: u16, target: dnsName })), { minLength: 1, maxLength: 4 });
    case 'TXT': return fc.array(rr(TYPE.TXT, fc.array(txtString, { minLength: 1, maxLength: 4 }).map((texts) => ({ kind: 'TXT' as const, texts }))), { minLength: 1, maxLength: 3 });
  }
}

export const differentialInput = fc
  .record({ ask: fc.constantFrom<Ask>('A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'PTR'), name: dnsName, compress: fc.boolean(), upper: fc.boolean() })
  .chain((q) => fc.record({ q: fc.constant(q), records: recordsFor(q.ask, q.name) }));

function resolveWith(r: Resolver, ask: Ask, name: string): Promise<unknown> {
  switch (ask) {
    case 'A': return r.resolve4(name);
    case 'AAAA': return r.resolve6(name);
    case 'CNAME': return r.resolveCname(name);
    case 'PTR': return r.resolvePtr(name);
    case 'MX': return r.resolveMx(name);
    case 'SRV': return r.resolveSrv(name);
    case 'TXT': return r.resolveTxt(name);
  }
}

/** What node should resolve from `records`, in node's shapes (addresses compared as bytes). */
function expected(ask: Ask, records: readonly ResourceRecord[]): unknown {
  return records.map((r) => {
    const d = r.data;
    switch (d.kind) {
      case 'A': return d.address;
      case 'AAAA': return Buffer.from(parseIPv6(d.address)).toString('hex');
      case 'NAME': return d.target;
      case 'MX': return { exchange: d.exchange, priority: d.preference };
      case 'SRV': return { name: d.target, port: d.port, priority: d.priority, weight: d.weight };
      case 'TXT': return d.texts;
      default: throw new Error(`unexpected record for ${ask}`);
    }
  });
}

function normalize(ask: Ask, got: unknown): unknown {
  if (ask === 'AAAA') return (got as string[]).map((a) => Buffer.from(parseIPv6(a)).toString('hex'));
  return got;
}

async function udpServer(onQuery: (q: Buffer, reply: (b: Buffer) => void) => void): Promise<{ sock: Socket; port: number }> {
  const sock = createSocket('udp4');
  sock.on('message', (m, rinfo) => onQuery(m, (b) => sock.send(b, rinfo.port, rinfo.address)));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { sock, port: sock.address().port };
}

export const dnsWireTarget: FuzzTarget = {
  name: 'dns-wire',
  about: 'random/corrupted DNS packets: a message or DnsFormatError; decode(encode(decode(p))) equals decode(p)',
  weight: 1,
  open: () => {
    const valid = fc.record({ name: dnsName, type: fc.constantFrom(...Object.values(TYPE)), edns: fc.option(fc.integer({ min: 512, max: 4096 })) }).map((q) => buildQuery(q.name, q.type, { edns: q.edns ?? undefined }));
    const packet = fc.oneof(mutatedBytes(valid), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)), differentialInput.chain(({ q, records }) => mutatedBytes(fc.constant(encodeMessage(answerFor(q.name, TYPE[q.ask], 1, records), { compress: q.compress })))));
    return {
      property: fc.property(packet, (p) => {
        const m = decodeOrFail(() => decodeMessage(p), DnsFormatError);
        if (m instanceof Error) return true;
        const again = decodeOrFail(() => encodeMessage(m), DnsFormatError);
        if (again instanceof Error) return true; // a decoded name that is not encodable (e.g. empty label) is refused, not crashed on
        assert.deepEqual(strip(decodeMessage(again)), strip(m));
        return true;
      }),
    };
  },
};

function strip(m: DnsMessage): DnsMessage {
  const s = (rs: ResourceRecord[]): ResourceRecord[] => rs.map(({ ttlOffset: _o, ...r }) => r);
  return { ...m, answers: s(m.answers), authorities: s(m.authorities), additionals: s(m.additionals) };
}

function answerFor(name: string, type: number, id: number, answers: ResourceRecord[]): DnsMessage {
  return { header: { id, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: RCODE.NOERROR }, questions: [{ name, type, class: CLASS_IN }], answers, authorities: [], additionals: [] };
}

export const dnsDifferentialTarget: FuzzTarget = {
  name: 'dns-differential',
  about: "node's dns.Resolver (c-ares) asks, wire.ts decodes the query and encodes random records, node must resolve exactly those",
  weight: 2,
  open: async () => {
    let current: { name: string; type: number; records: ResourceRecord[]; compress: boolean; problem?: string } | undefined;
    const { sock, port } = await udpServer((packet, reply) => {
      const c = current;
      if (!c) return;
      let q: DnsMessage;
      try {
        q = decodeMessage(packet);
      } catch (e) {
        c.problem = `wire.ts could not decode node's query: ${(e as Error).message} (${packet.toString('hex')})`;
        return;
      }
      const asked = q.questions[0];
      if (q.questions.length !== 1 || asked.name !== c.name.toLowerCase() || asked.type !== c.type) {
        c.problem = `wire.ts decoded node's query as ${JSON.stringify(q.questions)}, expected ${c.name} type ${c.type}`;
      }
      reply(encodeMessage({ ...answerFor(asked?.name ?? c.name, c.type, q.header.id, c.records) }, { compress: c.compress }));
    });
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    return {
      property: fc.asyncProperty(differentialInput, async ({ q, records }) => {
        const name = q.upper ? q.name.toUpperCase() : q.name;
        current = { name, type: TYPE[q.ask], records: records.map((r) => ({ ...r, name })), compress: q.compress };
        let got: unknown;
        try {
          got = await resolveWith(resolver, q.ask, name);
        } catch (e) {
          throw new Error(`node could not resolve what wire.ts encoded: ${(e as Error).message}${current.problem ? `; ${current.problem}` : ''}`);
        }
        assert.equal(current.problem, undefined, current.problem);
        assert.deepEqual(normalize(q.ask, got), expected(q.ask, records));
        return true;
      }),
      close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
    };
  },
};

export const dnsServerTarget: FuzzTarget = {
  name: 'dns-server',
  about: "the cluster DNS server gets random/corrupted packets over UDP and TCP and keeps answering node's resolver",
  weight: 1,
  open: async () => {
    const api = await startTestApi();
    const upstream = await startFakeUpstream((q) => ({ answers: [{ name: q.questions[0]?.name ?? '', type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: 'A', address: '192.0.2.1' } }] }));
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const dns = await startClusterDns({ informers: api.informers, listen: [{ address: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstream: [`127.0.0.1:${upstream.port}`], signal: abort.signal, forwardTimeoutMs: 500 });
    const port = dns.addresses[0].port;
    await bounded(dns.ready, 20_000, 'cluster DNS ready');
    const svc = (await api.client.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'k8ts-fuzz-dns' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } })) as unknown as { spec: { clusterIP: string } };
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const known = 'k8ts-fuzz-dns.default.svc.cluster.local';
    const alive = async (): Promise<void> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          assert.deepEqual(await resolver.resolve4(known), [svc.spec.clusterIP]);
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the DNS server stopped answering ${known}: ${(e as Error).message}`);
        }
      }
    };
    await alive();
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const query = fc.record({ name: fc.oneof(dnsName, dnsName.map((n) => `${n}.svc.cluster.local`), fc.constantFrom(known, 'cluster.local', '1.0.43.10.in-addr.arpa', '_http._tcp.k8ts-fuzz-dns.default.svc.cluster.local')), type: fc.constantFrom(...Object.values(TYPE), 0, 65535) });
    const packet = fc.oneof(mutatedBytes(query.map((q) => buildQuery(q.name, q.type))), fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)), query.map((q) => buildQuery(q.name, q.type)));
    let n = 0;
    return {
      property: fc.asyncProperty(packet, fc.boolean(), async (p, tcp) => {
        if (tcp) {
          await new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port });
            const len = Buffer.alloc(2);
            len.writeUInt16BE(p.length);
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            s.on('data', () => s.destroy());
            s.setTimeout(100, () => s.destroy());
            s.write(Buffer.concat([len, p]));
          });
        } else {
          client.send(p, port, '127.0.0.1');
        }
        if (++n % 25 === 0) await alive();
        return true;
      }),
      finish: alive,
      close: async () => {
        client.close();
        abort.abort();
        await bounded(dns.closed, 10_000, 'closing the DNS server');
        await upstream.close();
        await api.stop();
      },
    };
  },
};
