// WebSocket exec and port-forward as the kubelet serves them (v4/v5.channel.k8s.io,
// v4.base64.channel.k8s.io and SPDY/3.1 tunnelled in WebSocket messages): a real `ws` server on 127.0.0.1 hands each connection to the
// kubelet's websocketIO (exec/attach, with a resize callback) or serveWebSocketPortForward
// (two ports, echo backends) or attachWebSocket (SPDY port-forward); the client writes raw frames: valid masked frames of any
// opcode with channel-prefixed or random payloads, fragmented or not, and corrupted bytes.
// Oracle: no error escapes (in the kubelet it would end the process), and the server keeps
// accepting connections.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { websocketIO } from '../../../src/kubelet/server/remote-command.js';
import { serveWebSocketPortForward } from '../../../src/kubelet/server/websocket-port-forward.js';
import { portForwardStreamHandler } from '../../../src/kubelet/server/port-forward.js';
import { attachWebSocket } from '../../../src/util/spdy/index.js';
import { assertNoEscapes, settle, trapEscapes, type FuzzTarget } from '../target.js';
import { mutatedBytes } from '../arbitraries.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'] as const;

/** One client frame: FIN, opcode, masked payload (clients must mask). */
function frame(fin: boolean, opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, 0x80 | len]) : Buffer.from([0, 0x80 | 126, len >> 8, len & 0xff]);
  head[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

const channelPayload = fc.oneof(
  fc.tuple(fc.constantFrom(0, 1, 2, 3, 4, 5, 255), fc.uint8Array({ maxLength: 40 })).map(([c, b]) => Buffer.concat([Buffer.from([c]), b])),
  fc.tuple(fc.constantFrom(4), fc.jsonValue()).map(([c, v]) => Buffer.concat([Buffer.from([c]), Buffer.from(JSON.stringify(v) ?? '')])),
  fc.record({ Width: fc.oneof(fc.integer(), fc.double()), Height: fc.oneof(fc.integer(), fc.double()) }).map((r) => Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify(r))])),
  fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'latin1')),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);
const frameSpec = fc.record({ fin: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), opcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 2, arbitrary: fc.constantFrom(0, 8, 9, 10) }, { weight: 1, arbitrary: fc.nat(15) }), payload: channelPayload });
const frames = fc.array(frameSpec, { maxLength: 6 }).map((fs) => Buffer.concat(fs.map((f) => frame(f.fin, f.opcode, f.payload))));

export const wsInput = fc.record({
  protocol: fc.constantFrom(...PROTOCOLS),
  mode: fc.constantFrom<'exec' | 'pf' | 'spdy'>('exec', 'pf', 'spdy'),
  bytes: fc.oneof({ weight: 4, arbitrary: frames }, { weight: 1, arbitrary: mutatedBytes(frames) }),
});

export const websocketTarget: FuzzTarget = {
  name: 'websocket',
  about: 'raw WebSocket frames into the kubelet exec (websocketIO) and port-forward handlers over a real ws server: nothing escapes, the server keeps serving',
  weight: 2,
  open: async () => {
    const release = trapEscapes();
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (p) => [...p][0] ?? false });
    const server: Server = createServer((_req, res) => res.end());
    let mode: 'exec' | 'pf' | 'spdy' = 'exec';
    wss.on('connection', (ws: WebSocket) => {
      if (mode === 'spdy') {
        attachWebSocket(ws, { isServer: true, onStream: portForwardStreamHandler(() => Promise.resolve(new PassThrough()), 'k8ts-fuzz/pod') });
        return;
      }
      if (mode === 'pf') {
        serveWebSocketPortForward(ws, [80, 81], () => Promise.resolve(new PassThrough()), 'k8ts-fuzz/pod');
        return;
      }
      const io = websocketIO(ws, { kind: 'exec', command: ['sh'], stdin: true, stdout: true, stderr: true, tty: true } as never);
      io.onResize(() => undefined);
      io.stdin?.resume();
      ws.on('error', () => ws.terminate());
    });
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const session = (protocol: string, bytes: Buffer): Promise<boolean> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port });
        let upgraded = false;
        const timer = setTimeout(() => { s.destroy(); reject(new Error('no 101 from the WebSocket server within 3 s')); }, 3000);
        s.on('error', () => undefined);
        s.on('data', (d: Buffer) => {
          if (upgraded) return;
          upgraded = d.toString('latin1').startsWith('HTTP/1.1 101');
          if (!upgraded) { s.destroy(); return; }
          clearTimeout(timer);
          s.write(bytes);
          setTimeout(() => s.end(), 5);
        });
        s.on('close', () => { clearTimeout(timer); resolve(upgraded); });
        s.write(`GET /exec HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
      });
    return {
      property: fc.asyncProperty(wsInput, async ({ protocol, mode: m, bytes }) => {
        mode = m;
        assert.ok(await session(protocol, bytes), 'the WebSocket server stopped upgrading connections');
        await settle();
        assertNoEscapes();
        return true;
      }),
      close: async () => {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
        release();
      },
    };
  },
};
