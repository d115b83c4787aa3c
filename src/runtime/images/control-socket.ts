// The image service's control socket (like containerd's): `k8ts image load|ls|rm` talk to
// the running agent through `<data-dir>/images.sock`, so the store has one writer. Without a
// running agent the CLI opens the store itself.
//
//   POST   /load    {"path": "/abs/archive.tar", "name"?: "repo"}  → ImageInfo[]
//   GET    /images                                                  → ImageInfo[]
//   DELETE /images?ref=<reference>                                  → {}
import { createServer, request, type Server } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import type { ImageInfo } from '../types.js';
import type { OciImageService } from './image-service.js';

export async function serveImageControl(images: OciImageService, socketPath: string): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer(async (req, res) => {
    const send = (code: number, body: unknown): void => {
      const b = Buffer.from(JSON.stringify(body));
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': b.length });
      res.end(b);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      if (req.method === 'GET' && url.pathname === '/images') return send(200, await images.listImages());
      if (req.method === 'DELETE' && url.pathname === '/images') {
        await images.removeImage({ ref: url.searchParams.get('ref') ?? '' });
        return send(200, {});
      }
      if (req.method === 'POST' && url.pathname === '/load') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { path?: string; name?: string };
        if (!body.path) return send(400, { error: 'path is required' });
        return send(200, await images.loadArchive(body.path, { name: body.name }));
      }
      send(404, { error: `no route ${req.method} ${url.pathname}` });
    } catch (e) {
      send(500, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  server.on('close', () => rmSync(socketPath, { force: true }));
  return server;
}

/** A call to a running agent's control socket; undefined when no agent listens there. */
export function callImageControl<T>(socketPath: string, method: string, path: string, body?: unknown): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { error: text };
        }
        if ((res.statusCode ?? 500) >= 300) reject(new Error((parsed as { error?: string }).error ?? `status ${res.statusCode}`));
        else resolve(parsed as T);
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(undefined);
      else reject(e);
    });
    req.end(payload);
  });
}

export type { ImageInfo };
