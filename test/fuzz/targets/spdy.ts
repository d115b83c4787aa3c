// SPDY/3.1 as kubectl's exec and port-forward speak it (src/util/spdy, the kubelet's
// port-forward stream handler): a server session gets frames (valid ones with random fields,
// header blocks compressed or garbage, corrupted bytes) in random splits. Oracle: nothing
// throws out of receive(), nothing escapes asynchronously, the session either serves or
// fails with a protocol error (onError, GOAWAY) — never anything else.
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { SpdySession } from '../../../src/util/spdy/index.js';
import { encodeFrame, SpdyProtocolError, type SpdyFrame } from '../../../src/util/spdy/frames.js';
import { HeaderDeflater, encodeHeaderBlock, decodeHeaderBlock } from '../../../src/util/spdy/header-block.js';
import { portForwardStreamHandler } from '../../../src/kubelet/server/port-forward.js';
import { assertNoEscapes, decodeOrFail, settle, trapEscapes, type FuzzTarget } from '../target.js';
import { hostileString, mutatedBytes } from '../arbitraries.js';

const streamId = fc.oneof(fc.constantFrom(1, 3, 5, 2, 0, 0x7fffffff), fc.nat(0x7fffffff));
const headers = fc.oneof(
  fc.record({ streamtype: fc.constantFrom('data', 'error', 'stdin', 'stdout', 'resize', 'bogus'), port: fc.constantFrom('80', '0', '65536', 'x', ''), requestid: fc.constantFrom('0', '1', '') }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);
type Block = { headers: Record<string, string> } | { raw: Uint8Array };
const block: fc.Arbitrary<Block> = fc.oneof({ weight: 4, arbitrary: headers.map((h) => ({ headers: h })) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((raw) => ({ raw })) });
const frameSpec = fc.oneof(
  fc.record({ t: fc.constant('syn_stream' as const), streamId, associatedId: streamId, priority: fc.nat(7), fin: fc.boolean(), unidirectional: fc.boolean(), block }),
  fc.record({ t: fc.constant('headers' as const), streamId, fin: fc.boolean(), block }),
  fc.record({ t: fc.constant('syn_reply' as const), streamId, fin: fc.boolean(), block }),
  fc.record({ t: fc.constant('data' as const), streamId, fin: fc.boolean(), data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ t: fc.constant('rst_stream' as const), streamId, status: fc.nat(12) }),
  fc.record({ t: fc.constant('settings' as const), entries: fc.array(fc.record({ flags: fc.nat(255), id: fc.nat(0xffffff), value: fc.nat() }), { maxLength: 3 }) }),
  fc.record({ t: fc.constant('ping' as const), id: fc.nat() }),
  fc.record({ t: fc.constant('goaway' as const), lastGoodStreamId: streamId, status: fc.nat(3) }),
  fc.record({ t: fc.constant('window_update' as const), streamId, delta: fc.nat(0x7fffffff) }),
  fc.record({ t: fc.constant('unknown' as const), frameType: fc.integer({ min: 10, max: 0xffff }), flags: fc.nat(255), payload: fc.uint8Array({ maxLength: 16 }) }),
);
type Spec = typeof frameSpec extends fc.Arbitrary<infer T> ? T : never;

/** Frames in order, each header block compressed on the one zlib stream of the connection. */
function encodeAll(specs: readonly Spec[]): Buffer {
  const deflater = new HeaderDeflater();
  const hb = (b: Block): Buffer => ('headers' in b ? deflater.compress(b.headers) : Buffer.from(b.raw));
  return Buffer.concat(
    specs.map((s): Buffer => {
      let f: SpdyFrame;
      switch (s.t) {
        case 'syn_stream': f = { type: 'syn_stream', streamId: s.streamId, associatedId: s.associatedId, priority: s.priority, fin: s.fin, unidirectional: s.unidirectional, headerBlock: hb(s.block) }; break;
        case 'headers': f = { type: 'headers', streamId: s.streamId, fin: s.fin, headerBlock: hb(s.block) }; break;
        case 'syn_reply': f = { type: 'syn_reply', streamId: s.streamId, fin: s.fin, headerBlock: hb(s.block) }; break;
        case 'data': f = { type: 'data', streamId: s.streamId, fin: s.fin, data: Buffer.from(s.data) }; break;
        case 'unknown': f = { type: 'unknown', frameType: s.frameType, flags: s.flags, payload: Buffer.from(s.payload) }; break;
        default: { const { t, ...rest } = s; f = { type: t, ...rest } as SpdyFrame; }
      }
      return encodeFrame(f);
    }),
  );
}

export const spdyInput = fc.record({
  bytes: fc.oneof({ weight: 4, arbitrary: fc.array(frameSpec, { maxLength: 8 }).map(encodeAll) }, { weight: 2, arbitrary: mutatedBytes(fc.array(frameSpec, { maxLength: 6 }).map(encodeAll)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) }),
  splits: fc.array(fc.nat(), { maxLength: 4 }),
  rawBlock: fc.uint8Array({ maxLength: 64 }),
});

export const spdyTarget: FuzzTarget = {
  name: 'spdy',
  about: 'SPDY/3.1 frames in random splits into a server session running the kubelet port-forward handler: serve or protocol error, nothing escapes',
  weight: 2,
  open: () => {
    const release = trapEscapes();
    return {
      property: fc.asyncProperty(spdyInput, async ({ bytes, splits, rawBlock }) => {
        decodeOrFail(() => decodeHeaderBlock(Buffer.from(rawBlock)), SpdyProtocolError);
        decodeOrFail(() => decodeHeaderBlock(encodeHeaderBlock({ a: 'b' })), SpdyProtocolError);
        const echo = (): Promise<PassThrough> => Promise.resolve(new PassThrough());
        const session = new SpdySession({
          isServer: true,
          send: () => true,
          close: () => undefined,
          onStream: portForwardStreamHandler(echo, 'k8ts-fuzz/pod'),
          onError: () => undefined,
        });
        const cuts = [...new Set(splits.map((s) => (bytes.length ? s % bytes.length : 0)))].sort((a, b) => a - b);
        let at = 0;
        for (const c of [...cuts, bytes.length]) {
          session.receive(bytes.subarray(at, c));
          at = c;
          await settle();
        }
        await settle();
        session.transportClosed();
        await settle();
        assertNoEscapes();
        return true;
      }),
      close: release,
    };
  },
};
