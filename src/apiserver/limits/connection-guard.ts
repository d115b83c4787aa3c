// Limits on the HTTPS listener's connections: a cap on how many are open, and a deadline for a
// new connection's first request. Node's own headersTimeout starts only with a request's first
// byte, so a client that connects and sends nothing would otherwise hold a socket forever.
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ApiLimits } from './limits.js';

export function guardConnections(server: Server, limits: Readonly<Pick<ApiLimits, 'maxConnections' | 'headersTimeoutMs'>>): void {
  // Past the cap, Node closes new connections at once (they never reach TLS).
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  if (!(limits.headersTimeoutMs > 0)) return;
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
  });
  // The first request ends the idle deadline; from then on Node's keep-alive and request
  // timeouts apply (and a watch or stream may be quiet for as long as it lasts).
  const started = (req: { socket: { timeout?: number; setTimeout(ms: number): unknown } }): void => {
    if (req.socket.timeout === limits.headersTimeoutMs) req.socket.setTimeout(0);
  };
  // Only 'request': an 'upgrade' listener would change how Node treats upgrade requests when
  // the kubelet proxy is not installed; its own route (upgrade-routing.ts) clears the deadline.
  server.prependListener('request', started);
}
