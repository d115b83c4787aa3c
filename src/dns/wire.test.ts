import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_IN, decodeMessage, DnsFormatError, encodeMessage, formatIPv6, parseIPv6, reverseName, TYPE, type DnsMessage } from './wire.js';

const sample: DnsMessage = {
  header: { id: 4242, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 0 },
  questions: [{ name: '_http._tcp.web.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN }],
  answers: [
    { name: '_http._tcp.web.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN, ttl: 5, data: { kind: 'SRV', priority: 0, weight: 100, port: 80, target: 'web-0.web.default.svc.cluster.local' } },
    { name: 'web.default.svc.cluster.local', type: TYPE.CNAME, class: CLASS_IN, ttl: 5, data: { kind: 'NAME', target: 'example.com' } },
    { name: 'x.default.svc.cluster.local', type: TYPE.TXT, class: CLASS_IN, ttl: 5, data: { kind: 'TXT', texts: ['hello', 'world'] } },
    { name: 'v6.default.svc.cluster.local', type: TYPE.AAAA, class: CLASS_IN, ttl: 5, data: { kind: 'AAAA', address: 'fd00::1' } },
  ],
  authorities: [{ name: 'cluster.local', type: TYPE.SOA, class: CLASS_IN, ttl: 5, data: { kind: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } }],
  additionals: [
    { name: 'web-0.web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 5, data: { kind: 'A', address: '10.42.0.7' } },
    { name: '', type: TYPE.OPT, class: 1232, ttl: 0, data: { kind: 'RAW', bytes: new Uint8Array(0) } },
  ],
};

function strip(m: DnsMessage): DnsMessage {
  const s = (rs: DnsMessage['answers']) => rs.map(({ ttlOffset: _, ...r }) => r);
  return { ...m, answers: s(m.answers), authorities: s(m.authorities), additionals: s(m.additionals) };
}

test('round trip with and without name compression', () => {
  const compressed = encodeMessage(sample);
  const plain = encodeMessage(sample, { compress: false });
  assert.ok(compressed.length < plain.length, 'compression shrinks the message');
  assert.deepEqual(strip(decodeMessage(compressed)), sample);
  assert.deepEqual(strip(decodeMessage(plain)), sample);
});

test('decodes compression pointers and lower-cases names', () => {
  // Hand-built: question "Foo.Example" then an answer whose name is a pointer to offset 12.
  const hdr = [0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
  const q = [3, ...Buffer.from('Foo'), 7, ...Buffer.from('Example'), 0, 0, 1, 0, 1];
  const a = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4];
  // A second answer: "www" + pointer to "example" (offset 16).
  const b = [3, ...Buffer.from('www'), 0xc0, 16, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 5, 6, 7, 8];
  const buf = Uint8Array.from([...hdr.slice(0, 6), 0, 2, 0, 0, 0, 0, ...q, ...a, ...b]);
  const m = decodeMessage(buf);
  assert.equal(m.questions[0].name, 'foo.example');
  assert.equal(m.answers[0].name, 'foo.example');
  assert.equal(m.answers[1].name, 'www.example');
  assert.deepEqual(m.answers[1].data, { kind: 'A', address: '5.6.7.8' });
});

test('malformed packets are rejected with DnsFormatError, never a crash', () => {
  const good = encodeMessage(sample);
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeMessage(good.subarray(0, n)), DnsFormatError, `truncated at ${n}`);
  // Pointer loop / forward pointer.
  const loop = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  assert.throws(() => decodeMessage(loop), DnsFormatError);
  const fwd = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 1, 0, 1]);
  assert.throws(() => decodeMessage(fwd), DnsFormatError);
  // Reserved label type, counts beyond data, bad A length.
  assert.throws(() => decodeMessage(Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 1, 0, 1])), DnsFormatError);
  assert.throws(() => decodeMessage(Uint8Array.from([0, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0])), DnsFormatError);
  // Random garbage: only DnsFormatError (or success).
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 4; k++) b[rnd() % b.length] = rnd();
    try { decodeMessage(b); } catch (e) { assert.ok(e instanceof DnsFormatError, String(e)); }
  }
});

test('IPv6 text forms and reverse names', () => {
  assert.equal(formatIPv6(parseIPv6('fd00:0:0:0:0:0:0:1')), 'fd00::1');
  assert.equal(formatIPv6(parseIPv6('::ffff:10.0.0.1')), '::ffff:a00:1');
  assert.equal(formatIPv6(parseIPv6('2001:db8::')), '2001:db8::');
  assert.throws(() => parseIPv6('1::2::3'), DnsFormatError);
  assert.equal(reverseName('10.43.0.10'), '10.0.43.10.in-addr.arpa');
  assert.ok(reverseName('fd00::1').startsWith('1.0.0.0.0.0.0.0'));
  assert.ok(reverseName('fd00::1').endsWith('0.0.d.f.ip6.arpa'));
});
