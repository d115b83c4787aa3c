// Node's HTTP server hands requests carrying `Connection: Upgrade` to 'upgrade' listeners
// with the raw socket instead of a response object — and with no listener, it keeps its
// HTTP parser on the socket, so a proxied WebSocket or SPDY connection could never take it
// over. `installUpgradeRouting` sends those requests through the normal pipeline
// (authentication, authorization, routing) with a response object bound to the socket,
// and remembers the socket so the kubelet proxy can take it over (`takeUpgradeSocket`).
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  res: ServerResponse;
  taken: boolean;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** What `installUpgradeRouting` needs of the API server (ApiServerCore fits). */
export interface UpgradeHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function installUpgradeRouting(server: HttpServer | HttpsServer, core: UpgradeHandler): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // A stream lives as long as its client wants: no idle deadline (limits/connection-guard.ts set one).
    (socket as Socket).setTimeout?.(0);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    const p: PendingUpgrade = { socket, head, res, taken: false };
    pending.set(req, p);
    res.on('finish', () => {
      if (p.taken) return;
      res.detachSocket(socket as Socket);
      socket.end();
    });
    void core.handle(req, res).finally(() => {
      if (!p.taken && !res.writableEnded) res.end();
    });
  });
}

/** True when the request asks for a protocol switch (WebSocket, SPDY). */
export function isUpgradeRequest(req: IncomingMessage): boolean {
  const conn = String(req.headers.connection ?? '').toLowerCase();
  return req.headers.upgrade !== undefined && conn.split(',').some((t) => t.trim() === 'upgrade');
}

/**
 * Takes the raw client socket of an upgrade request routed by `installUpgradeRouting`;
 * nothing else may write to the response afterwards. Undefined if the request did not come
 * through the upgrade route (no raw socket is available then).
 */
export function takeUpgradeSocket(req: IncomingMessage): { socket: Duplex; head: Buffer } | undefined {
  const p = pending.get(req);
  if (!p || p.taken) return undefined;
  p.taken = true;
  p.res.detachSocket(p.socket as Socket);
  return { socket: p.socket, head: p.head };
}
