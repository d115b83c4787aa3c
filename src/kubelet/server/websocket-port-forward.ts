// port-forward over the WebSocket channel protocol (upstream kubelet
// cri/streaming/portforward/websocket.go), which the official JavaScript and Python clients
// speak — kubectl 1.32 tunnels SPDY instead (port-forward.ts). The ports come from the
// query (`port`, repeatable, comma-separated); each gets two channels:
//
//   channel 2i    data ◀──▶ bytes of one TCP connection to ports[i] in the pod's netns
//   channel 2i+1  error ──▶ text, if forwarding fails
//
// Each frame is [channel byte][payload] (binary, v4.channel.k8s.io) or one digit and base64
// (text, v4.base64.channel.k8s.io). The server opens every channel by sending the port as two
// little-endian bytes; the WebSocket closes once every forwarded connection has closed.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { badRequest } from '../../api/status.js';
import type { Dialer } from './port-forward.js';
import { closeSeparately } from './remote-command.js';

export const PORT_FORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'] as const;

/** The forwarded ports of a WebSocket port-forward request, as upstream's NewV4Options. */
export function portForwardPorts(q: URLSearchParams): number[] {
  const values = q.getAll('port');
  if (values.length === 0) throw badRequest('query parameter "port" is required');
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') throw badRequest('query parameter "port" cannot be empty');
    for (const p of v.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!(n <= 65535)) throw badRequest(`unable to parse "${v}" as a port`);
      if (n < 1) throw badRequest(`port "${v}" must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

export function serveWebSocketPortForward(ws: WebSocket, ports: readonly number[], dial: Dialer, describe: string): void {
  const base64 = ws.protocol === 'v4.base64.channel.k8s.io';
  const send = (channel: number, payload: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String.fromCharCode(48 + channel) + payload.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
  };
  const conns: Array<Duplex | undefined> = [];
  const early: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const closed = (): void => {
    if (--open === 0) closeSeparately(ws);
  };
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    const fail = (e: unknown): void => send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${describe}: ${(e as Error).message ?? String(e)}`));
    dial(port).then(
      (sock) => {
        if (ws.readyState !== ws.OPEN) {
          sock.destroy();
          return;
        }
        conns[i] = sock;
        for (const b of early[i]) sock.write(b);
        early[i] = [];
        // The pod side ending is the normal end; an error after it (the runtime's stream may
        // report a premature close then) is not the client's business.
        let ended = false;
        sock.on('data', (d: Buffer) => send(2 * i, d));
        sock.once('end', () => {
          ended = true;
          sock.end();
        });
        sock.on('error', (e: unknown) => {
          if (!ended) fail(e);
        });
        sock.once('close', closed);
      },
      (e: unknown) => {
        fail(e);
        closed();
      },
    );
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let channel: number;
    let payload: Buffer;
    if (base64 && !isBinary) {
      const s = data.toString('latin1');
      channel = s.charCodeAt(0) - 48;
      payload = Buffer.from(s.slice(1), 'base64');
    } else {
      if (data.length === 0) return;
      channel = data[0];
      payload = Buffer.from(data.subarray(1));
    }
    // Only data channels carry bytes from the client. A base64 frame's channel is its first
    // character less '0', so anything below '0' is negative (or NaN for an empty frame).
    if (!(channel >= 0) || channel % 2 !== 0 || channel / 2 >= ports.length || payload.length === 0) return;
    const sock = conns[channel / 2];
    if (sock) sock.write(payload);
    else early[channel / 2].push(payload);
  });
  ws.on('error', () => ws.terminate());
  ws.once('close', () => {
    for (const s of conns) s?.destroy();
  });
}
