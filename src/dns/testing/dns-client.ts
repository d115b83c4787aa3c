// A small DNS client and a fake upstream server for tests and the benchmark (127.0.0.1 only).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { CLASS_IN, decodeMessage, encodeMessage, TYPE, type DnsMessage, type ResourceRecord } from '../wire.js';

let nextId = 1;

export function buildQuery(name: string, type: number, opts: { edns?: number; id?: number } = {}): Buffer {
  const additionals: ResourceRecord[] = opts.edns ? [{ name: '', type: TYPE.OPT, class: opts.edns, ttl: 0, data: { kind: 'RAW', bytes: new Uint8Array(0) } }] : [];
  return encodeMessage({
    header: { id: opts.id ?? (nextId++ & 0xffff), qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
    questions: [{ name, type, class: CLASS_IN }], answers: [], authorities: [], additionals,
  });
}

export function queryUdp(port: number, name: string, type: number, opts: { edns?: number } = {}): Promise<DnsMessage> {
  return sendUdp(port, buildQuery(name, type, opts)).then(decodeMessage);
}

export function sendUdp(port: number, packet: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error('udp timeout')); }, timeoutMs);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m); });
    sock.send(packet, port, '127.0.0.1');
  });
}

export function queryTcp(port: number, name: string, type: number): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const q = buildQuery(name, type);
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('connect', () => { const l = Buffer.alloc(2); l.writeUInt16BE(q.length); sock.write(Buffer.concat([l, q])); });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { sock.destroy(); resolve(decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0)))); }
    });
  });
}

/** A fake upstream on 127.0.0.1 (UDP and TCP on one port): answers from `answer`, counts queries. */
export async function startFakeUpstream(answer: (q: DnsMessage, tcp: boolean) => Partial<DnsMessage> & { tc?: boolean }): Promise<{ port: number; queries: { udp: number; tcp: number }; close(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const queries = { udp: 0, tcp: 0 };
  const respond = (packet: Buffer, tcp: boolean): Buffer => {
    const q = decodeMessage(packet);
    const a = answer(q, tcp);
    return encodeMessage({
      header: { ...q.header, qr: true, ra: true, tc: a.tc ?? false, rcode: a.header?.rcode ?? 0 },
      questions: q.questions, answers: a.answers ?? [], authorities: a.authorities ?? [], additionals: a.additionals ?? [],
    });
  };
  const udp = createSocket('udp4');
  udp.on('message', (m, r) => { queries.udp++; udp.send(respond(m, false), r.port, r.address); });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const tcp = createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        queries.tcp++;
        const res = respond(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
        const l = Buffer.alloc(2); l.writeUInt16BE(res.length);
        s.end(Buffer.concat([l, res]));
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return { port, queries, close: () => new Promise<void>((r) => { udp.close(); tcp.close(() => r()); }) };
}
