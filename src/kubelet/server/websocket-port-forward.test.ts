import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { serveWebSocketPortForward } from './websocket-port-forward.js';

/** Just what the handler uses of a ws WebSocket. */
function fakeWebSocket(protocol: string): WebSocket & { sent: unknown[] } {
  const ws = new EventEmitter() as unknown as WebSocket & { sent: unknown[] };
  Object.assign(ws, { protocol, OPEN: 1, readyState: 1, sent: [], send: (d: unknown) => ws.sent.push(d), ping: () => undefined, close: () => undefined, terminate: () => undefined });
  return ws;
}

// Fuzz: a base64 frame's channel is its first character less '0'; a character below '0' gave a
// negative channel that passed the checks and indexed the per-port buffers with it, and the
// TypeError thrown from ws's 'message' event would end the kubelet.
test('base64 port-forward: frames whose channel character is below "0", or empty, are ignored', async () => {
  const backend = new PassThrough(); // an echo: what reaches the pod comes back to the client
  const ws = fakeWebSocket('v4.base64.channel.k8s.io');
  serveWebSocketPortForward(ws, [80], () => Promise.resolve(backend), 'ns/pod');
  for (const text of [' aGk=', '.aGk=', '\u0000aGk=', '']) ws.emit('message', Buffer.from(text, 'latin1'), false);
  ws.emit('message', Buffer.from('0aGk=', 'latin1'), false);
  await new Promise((r) => setImmediate(r));
  // Only the valid frame reached the pod: its echo is the one data frame after the two port frames.
  assert.deepEqual(ws.sent.slice(2), ['0aGk=']);
});
