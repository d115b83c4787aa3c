// Binding a SpdySession to its two carriers: a raw socket (plain SPDY after an HTTP
// Upgrade) and a WebSocket whose binary messages concatenate into the SPDY byte stream
// (`SPDY/3.1+portforward.k8s.io`; message boundaries are arbitrary).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdySession, type SpdySessionOptions } from './session.js';

type Handlers = Pick<SpdySessionOptions, 'isServer' | 'onStream' | 'onError'>;

export function attachSocket(socket: Duplex, h: Handlers, head?: Buffer): SpdySession {
  const session = new SpdySession({
    ...h,
    send: (b) => !socket.destroyed && socket.write(b),
    close: () => {
      if (!socket.destroyed) socket.end();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  });
  socket.on('data', (b: Buffer) => session.receive(b));
  socket.on('drain', () => session.drained());
  socket.on('end', () => session.transportClosed());
  socket.on('close', () => session.transportClosed());
  socket.on('error', () => session.transportClosed());
  if (head?.length) session.receive(head);
  return session;
}

const WS_HIGH_WATER = 1024 * 1024;

export function attachWebSocket(ws: WebSocket, h: Handlers): SpdySession {
  let drainTimer: NodeJS.Timeout | undefined;
  const session = new SpdySession({
    ...h,
    send: (b) => {
      if (ws.readyState !== ws.OPEN) return true;
      ws.send(b, { binary: true });
      if (ws.bufferedAmount <= WS_HIGH_WATER) return true;
      // ws has no 'drain' event; poll the buffered amount until it is low again.
      drainTimer ??= setInterval(() => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= WS_HIGH_WATER) {
          clearInterval(drainTimer);
          drainTimer = undefined;
          session.drained();
        }
      }, 5);
      return false;
    },
    close: () => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    session.receive(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.on('close', () => {
    if (drainTimer) clearInterval(drainTimer);
    session.transportClosed();
  });
  ws.on('error', () => session.transportClosed());
  return session;
}
