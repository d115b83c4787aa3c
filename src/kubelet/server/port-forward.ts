// port-forward: SPDY/3.1, carried either directly on the upgraded socket
// (`X-Stream-Protocol-Version: portforward.k8s.io`) or tunnelled through a WebSocket
// (`SPDY/3.1+portforward.k8s.io`). Per forwarded connection the client opens two streams
// with the same `requestid` and `port`:
//
//   error (client half-closes at once) ◀── error text, then FIN, if forwarding fails
//   data  ◀──▶ bytes of one TCP connection to the port inside the pod's network namespace
//
// When the pod side closes: FIN on data, then FIN on error. kubectl 1.32 exits with "lost
// connection to pod" after any error text (kubectl-compat §8.3).
import type { Duplex } from 'node:stream';
import type { SpdyStream } from '../../util/spdy/index.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_WS_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export type Dialer = (port: number) => Promise<Duplex>;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  started: boolean;
}

/** The `onStream` handler of a port-forward session. */
export function portForwardStreamHandler(dial: Dialer, describe: string): (s: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (s) => {
    const type = s.headers['streamtype'];
    const requestId = s.headers['requestid'] ?? '';
    if (type !== 'error' && type !== 'data') {
      s.rst();
      return;
    }
    s.reply();
    s.on('error', () => undefined);
    let pair = pairs.get(requestId);
    if (!pair) pairs.set(requestId, (pair = { started: false }));
    if (pair[type]) {
      s.rst();
      return;
    }
    pair[type] = s;
    if (type === 'error') s.resume(); // the client sends nothing useful on it
    if (pair.error && pair.data && !pair.started) {
      pair.started = true;
      pairs.delete(requestId);
      void forward(dial, describe, pair.data, pair.error, s.headers['port'] ?? '');
    }
  };
}

async function forward(dial: Dialer, describe: string, data: SpdyStream, error: SpdyStream, portHeader: string): Promise<void> {
  const fail = (msg: string): void => {
    if (!error.destroyed && !error.writableEnded) error.end(msg);
    if (!data.destroyed && !data.writableEnded) data.end();
  };
  const port = Number(portHeader);
  if (!/^\d+$/.test(portHeader) || port < 1 || port > 65535) {
    fail(`invalid port header "${portHeader}"`);
    return;
  }
  let conn: Duplex;
  try {
    conn = await dial(port);
  } catch (e) {
    fail(`error forwarding port ${port} to pod ${describe}: ${(e as Error).message}`);
    return;
  }
  if (data.destroyed) {
    conn.destroy();
    return;
  }
  let failed = false;
  conn.on('error', (e: Error) => {
    failed = true;
    fail(`error forwarding port ${port} to pod ${describe}: ${e.message}`);
  });
  // client → pod
  data.on('data', (c: Buffer) => {
    if (!conn.write(c)) data.pause();
  });
  conn.on('drain', () => data.resume());
  data.on('end', () => conn.end());
  data.on('close', () => {
    // A reset (RST_STREAM) or a lost session ends the pod connection too.
    if (data.isReset) conn.destroy();
  });
  // pod → client
  conn.on('data', (c: Buffer) => {
    if (!data.destroyed && !data.write(c)) conn.pause();
  });
  data.on('drain', () => conn.resume());
  conn.on('end', () => {
    if (!data.destroyed && !data.writableEnded) data.end();
    if (!error.destroyed && !error.writableEnded) error.end();
  });
  conn.on('close', () => {
    if (failed) return;
    if (!data.destroyed && !data.writableEnded) data.end();
    if (!error.destroyed && !error.writableEnded) error.end();
  });
}
