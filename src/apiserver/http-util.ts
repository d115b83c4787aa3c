import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeK8sProtobufObject, PROTOBUF_MEDIA_TYPE } from '../api/schema/index.js';
import { prefersProtobuf } from './negotiate.js';
import { StatusError, requestEntityTooLarge, internalError, isStatusError, type Status } from '../api/status.js';

/** Upstream's limit for a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limit) {
      req.resume();
      reject(requestEntityTooLarge(`Request entity too large: limit is ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(requestEntityTooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    // A connection that closes mid-body settles the read (and frees what the request holds).
    // Its socket is watched, not the request: once a response was sent (a 504, a 413) Node no
    // longer ends the request when the socket closes.
    const socket = req.socket;
    const onClose = (): void => {
      if (!failed && !req.complete) {
        failed = true;
        reject(Object.assign(new Error('the client closed the connection before sending the whole body'), { code: 'ECONNRESET' }));
      }
    };
    socket?.once('close', onClose);
    req.on('end', () => {
      socket?.off('close', onClose);
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      socket?.off('close', onClose);
      if (!failed) reject(e);
    });
  });
}

export function writeJson(res: ServerResponse, code: number, body: unknown, headers?: Record<string, string>): void {
  writeRaw(res, code, typeof body === 'string' ? body : JSON.stringify(body), 'application/json', headers);
}

export function writeRaw(res: ServerResponse, code: number, body: string | Buffer, contentType: string, headers?: Record<string, string>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': buf.length, 'Cache-Control': 'no-cache, private', ...headers });
  res.end(buf);
}

export function toStatusError(err: unknown): StatusError {
  return isStatusError(err) ? err : internalError(err);
}

export function writeStatus(res: ServerResponse, err: unknown): void {
  const se = toStatusError(err);
  const s: Status = se.status;
  const headers: Record<string, string> = {};
  if (s.code === 429 && s.details?.retryAfterSeconds) headers['Retry-After'] = String(s.details.retryAfterSeconds);
  // A client that prefers protobuf (client-go) gets its Status as protobuf, as upstream answers.
  const pb = prefersProtobuf(res.req?.headers.accept) ? encodeK8sProtobufObject(s as unknown as Record<string, unknown>) : undefined;
  if (pb) writeRaw(res, s.code, pb, PROTOBUF_MEDIA_TYPE, headers);
  else writeJson(res, s.code, s, headers);
}
