// A bare WebSocket client for tests: the `ws` client refuses the subprotocol kubectl uses for
// port-forward (`SPDY/3.1+portforward.k8s.io` is not an RFC 7230 token), Go's does not.
// Binary messages only; answers pings; masks what it sends as clients must.
import { randomBytes, createHash } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface RawWebSocket {
  protocol: string;
  send(payload: Buffer): void;
  close(): void;
  onMessage(cb: (payload: Buffer) => void): void;
  onClose(cb: () => void): void;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

export function openRawWebSocket(o: { port: number; path: string; protocol: string; ca: string; cert: string; key: string }): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const sock: TLSSocket = tlsConnect({ host: '127.0.0.1', port: o.port, ca: o.ca, cert: o.cert, key: o.key }, () => {
      sock.write(
        `GET ${o.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: ${o.protocol}\r\n\r\n`,
      );
    });
    sock.on('error', reject);
    let buf = Buffer.alloc(0);
    let open = false;
    let onMessage: (b: Buffer) => void = () => undefined;
    const closeCbs: Array<() => void> = [];
    sock.on('close', () => closeCbs.forEach((cb) => cb()));
    const parseFrames = (): void => {
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const opcode = buf[0] & 0x0f;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 2 || opcode === 0) onMessage(Buffer.from(payload));
        else if (opcode === 9) sock.write(frame(10, payload));
        else if (opcode === 8) sock.end();
      }
    };
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(head.split('\r\n')[0]));
          sock.destroy();
          return;
        }
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        if (!head.includes(accept)) return reject(new Error('bad Sec-WebSocket-Accept'));
        open = true;
        const protocol = /sec-websocket-protocol: *([^\r\n]*)/i.exec(head)?.[1] ?? '';
        resolve({
          protocol,
          send: (p) => sock.write(frame(2, p)),
          close: () => {
            sock.write(frame(8, Buffer.from([0x03, 0xe8])));
            sock.end();
          },
          onMessage: (cb) => (onMessage = cb),
          onClose: (cb) => closeCbs.push(cb),
        });
      }
      parseFrames();
    });
  });
}
