// Answers of the streaming server outside the streams themselves: Status errors on a normal
// response or on a raw socket (an upgrade we refuse), and the query flags.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { internalError, isStatusError, type Status } from '../../api/status.js';

export function toStatus(err: unknown): Status {
  return (isStatusError(err) ? err : internalError(err)).status;
}

export function writeStatusResponse(res: ServerResponse, err: unknown): void {
  const s = toStatus(err);
  const body = JSON.stringify(s);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(s.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

/** Refuses an upgrade on the raw socket with a Status body, then closes the connection. */
export function writeStatusToSocket(socket: Duplex, err: unknown): void {
  const s = toStatus(err);
  const body = JSON.stringify(s);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-cache, private\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Query flags as upstream parses them (strconv.ParseBool subset). */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't';
}

