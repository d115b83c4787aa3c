import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeflate, constants as zc } from 'node:zlib';
import {
  SPDY3_DICTIONARY,
  encodeFrame,
  FrameReader,
  HeaderDeflater,
  HeaderInflater,
  encodeHeaderBlock,
  decodeHeaderBlock,
  SpdySession,
  type SpdyFrame,
  type SpdyStream,
} from './index.js';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('dictionary: 1423 bytes, pinned Adler-32, starts and ends as the spec', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.deepEqual([...SPDY3_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, ...Buffer.from('options')]);
  assert.equal(SPDY3_DICTIONARY.subarray(-6).toString(), 'enq=0.');
  // The DICTID kubectl's (Go) zlib writer announces; kubectl's SYN_STREAMs only inflate with it.
  assert.equal(adler32(SPDY3_DICTIONARY).toString(16), 'e3c6a7c2');
});

test('frames: every type round-trips, fed whole and byte by byte', () => {
  const frames: SpdyFrame[] = [
    { type: 'data', streamId: 5, fin: true, data: Buffer.from('hello') },
    { type: 'data', streamId: 7, fin: false, data: Buffer.alloc(0) },
    { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, fin: false, unidirectional: true, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'syn_reply', streamId: 1, fin: true, headerBlock: Buffer.from([4, 5]) },
    { type: 'headers', streamId: 3, fin: false, headerBlock: Buffer.from([6]) },
    { type: 'rst_stream', streamId: 9, status: 5 },
    { type: 'settings', entries: [{ flags: 1, id: 7, value: 65536 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goaway', lastGoodStreamId: 11, status: 0 },
    { type: 'window_update', streamId: 1, delta: 1000 },
  ];
  const wire = Buffer.concat(frames.map(encodeFrame));
  assert.deepEqual(new FrameReader().push(wire), frames);
  const r = new FrameReader();
  const out: SpdyFrame[] = [];
  for (const b of wire) out.push(...r.push(Buffer.from([b])));
  assert.deepEqual(out, frames);
  assert.equal(r.pending, 0);
  // control bit, version 3, type
  assert.deepEqual([...encodeFrame({ type: 'ping', id: 1 }).subarray(0, 4)], [0x80, 0x03, 0x00, 0x06]);
});

test('header blocks: our stored-block deflater round-trips through a dictionary inflater, block after block', async () => {
  const d = new HeaderDeflater();
  const inf = new HeaderInflater();
  const a = d.compress({ streamtype: 'error', port: '80', requestid: '0' });
  assert.deepEqual([...a.subarray(0, 2)], [0x78, 0x01]);
  assert.deepEqual([...a.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
  assert.deepEqual(await inf.decode(a), { streamtype: 'error', port: '80', requestid: '0' });
  const b = d.compress({ streamtype: 'data', port: '80', requestid: '0' });
  assert.notEqual(b[0], 0x78);
  assert.deepEqual(await inf.decode(b), { streamtype: 'data', port: '80', requestid: '0' });
  const big = { x: 'v'.repeat(70000) };
  assert.deepEqual(await inf.decode(d.compress(big)), big);
  inf.close();
});

test('header blocks: a Go-like client (zlib with the dictionary, sync flush per block) decodes', async () => {
  const def = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  const chunks: Buffer[] = [];
  def.on('data', (c: Buffer) => chunks.push(c));
  const flushBlock = (raw: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      def.write(raw);
      def.flush(zc.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0))));
    });
  const inf = new HeaderInflater();
  const h1 = { streamtype: 'stdout', 'user-agent': 'kubectl' };
  const b1 = await flushBlock(encodeHeaderBlock(h1));
  assert.ok(b1[1] & 0x20, 'FDICT set');
  assert.equal(b1.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
  assert.deepEqual(await inf.decode(b1), h1);
  const h2 = { streamtype: 'stderr', 'user-agent': 'kubectl' };
  assert.deepEqual(await inf.decode(await flushBlock(encodeHeaderBlock(h2))), h2);
  def.destroy();
  inf.close();
});

test('header blocks: repeated names join with NUL', () => {
  const raw = encodeHeaderBlock({ a: 'x\0y', B: 'z' });
  assert.deepEqual(decodeHeaderBlock(raw), { a: 'x\0y', b: 'z' });
});

function pairOfSessions(onServerStream: (s: SpdyStream) => void): { client: SpdySession; server: SpdySession } {
  let client!: SpdySession;
  let server!: SpdySession;
  // Deliver asynchronously and in odd splits, as a socket would.
  const deliver = (to: () => SpdySession) => (b: Buffer): boolean => {
    const copy = Buffer.from(b);
    setImmediate(() => {
      for (let i = 0; i < copy.length; i += 3) to().receive(copy.subarray(i, i + 3));
    });
    return true;
  };
  client = new SpdySession({ isServer: false, send: deliver(() => server), close: () => setImmediate(() => server.transportClosed()) });
  server = new SpdySession({ isServer: true, send: deliver(() => client), close: () => setImmediate(() => client.transportClosed()), onStream: onServerStream });
  return { client, server };
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

test('session: streams open, carry data both ways, half-close, and pings are answered', async () => {
  const seen: Array<Record<string, string>> = [];
  const { client, server } = pairOfSessions((s) => {
    seen.push(s.headers);
    s.reply({ ok: 'yes' });
    // echo upper-cased, FIN after the client's FIN
    s.on('data', (c: Buffer) => s.write(c.toString().toUpperCase()));
    s.on('end', () => s.end());
  });
  const st = client.openStream({ streamtype: 'data', requestid: '0' });
  assert.deepEqual(await st.replyReceived, { ok: 'yes' });
  const got = readAll(st);
  st.write('hello ');
  st.end('world');
  assert.equal(await got, 'HELLO WORLD');
  assert.deepEqual(seen, [{ streamtype: 'data', requestid: '0' }]);
  await client.ping();
  // the server side forgot the finished stream
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.streamCount, 0);
  client.close();
  await new Promise<void>((r) => server.onClose(r));
});

test('session: RST_STREAM from the peer ends the stream; session close aborts open streams', async () => {
  let serverStream: SpdyStream | undefined;
  const { client, server } = pairOfSessions((s) => {
    serverStream = s;
    s.reply();
  });
  const st = client.openStream({ streamtype: 'error' });
  await st.replyReceived;
  const closed = new Promise<void>((r) => serverStream!.once('close', () => r()));
  st.rst();
  await closed;
  assert.equal(serverStream!.isReset, true);
  const st2 = client.openStream({ streamtype: 'data' });
  await st2.replyReceived;
  const closed2 = new Promise<void>((r) => st2.once('close', () => r()));
  server.close();
  await closed2;
  assert.equal(client.isClosed, true);
});
