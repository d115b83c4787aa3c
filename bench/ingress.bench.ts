// Ingress proxy throughput vs Debian's nginx as a reverse proxy, same backend, one run.
//
//   npx tsc -p tsconfig.json && node dist/bench/ingress.bench.js [--seconds 5] [--connections 50]
//
// Threads: the backend (node http, 200 + small JSON body) and the k8ts ingress proxy
// (IngressProxy with a table from buildRoutes over hand-made objects: the same code the
// controller runs, without the API server) each run in a worker thread; nginx runs as
// `/usr/sbin/nginx` with worker_processes 1 and upstream keepalive; the load generator
// (keep-alive agent, N concurrent loops) runs in the main thread. Everything on 127.0.0.1.
// Prints a table and one `RESULT {...}` line (ratio = ingress / nginx requests/s).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { buildRoutes, IngressProxy } from '../src/ingress/index.js';

interface Role {
  role: 'backend' | 'ingress';
  backendPort?: number;
}

async function runWorker(): Promise<void> {
  const d = workerData as Role;
  let server: http.Server;
  if (d.role === 'backend') {
    const body = JSON.stringify({ hello: 'world', n: 42 });
    server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  } else {
    const proxy = new IngressProxy();
    proxy.table = buildRoutes(
      [{ metadata: { name: 'bench', namespace: 'default' }, spec: { rules: [{ host: 'bench.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'b', port: { number: 80 } } } }] } }] } }],
      [{ metadata: { name: 'b', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }],
      [{ metadata: { name: 'b-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'b' } }, ports: [{ port: d.backendPort }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] }],
      [],
    );
    server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => proxy.handleRequest(req, res, 'http'));
  }
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as AddressInfo).port));
}

function startWorker(role: Role): Promise<{ port: number; worker: Worker }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: role });
  return new Promise((resolve, reject) => {
    worker.once('message', (port: number) => resolve({ port, worker }));
    worker.once('error', reject);
  });
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(port: number, seconds: number, connections: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  let errors = 0;
  let stop = false;
  let measuring = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: { host: 'bench.test' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (measuring) {
            if (res.statusCode === 200) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
            else errors++;
          }
          resolve();
        });
      });
      req.on('error', () => {
        if (measuring) errors++;
        resolve();
      });
      req.end();
    });
  const loop = async (): Promise<void> => {
    while (!stop) await one();
  };
  const loops = Array.from({ length: connections }, loop);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  measuring = true;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (Date.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { rps: lat.length / elapsed, p50: q(0.5), p99: q(0.99), errors };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' } } });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const backend = await startWorker({ role: 'backend' });
  const ingress = await startWorker({ role: 'ingress', backendPort: backend.port });
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ingress-bench-'));
  const nginxPort = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backend.port}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`,
  );
  const nginx = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const direct = await load(backend.port, seconds, connections);
    const viaNginx = await load(nginxPort, seconds, connections);
    const viaIngress = await load(ingress.port, seconds, connections);
    const rows = { direct, nginx: viaNginx, ingress: viaIngress };
    console.log(`cpus ${cpus().length}, ${connections} connections, ${seconds}s per target`);
    console.log('target    req/s      p50 ms   p99 ms   errors');
    for (const [k, v] of Object.entries(rows)) {
      console.log(`${k.padEnd(9)} ${v.rps.toFixed(0).padStart(8)} ${v.p50.toFixed(2).padStart(8)} ${v.p99.toFixed(2).padStart(8)} ${String(v.errors).padStart(8)}`);
    }
    const ratio = viaIngress.rps / viaNginx.rps;
    console.log(`ingress / nginx requests/s: ${ratio.toFixed(2)} (target >= 0.8)`);
    console.log(`RESULT ${JSON.stringify({ cpus: cpus().length, connections, seconds, ...rows, ratio })}`);
  } finally {
    nginx.kill('SIGTERM');
    await backend.worker.terminate();
    await ingress.worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  void runWorker();
}
