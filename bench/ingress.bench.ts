// Ingress proxy throughput vs Debian's nginx as a reverse proxy, same backend, one run.
//
//   npx tsc -p tsconfig.json && node dist/bench/ingress.bench.js \
//     [--seconds 3] [--rounds 5] [--connections 50] [--client raw|node] [--workers 1]
//
// Processes (each its own event loop, all on 127.0.0.1):
//   backend   node:http, 200 + a 26-byte JSON body, keep-alive
//   ingress   IngressProxy with a table from buildRoutes over hand-made objects (the code the
//             controller runs, without the API server); `--workers N` runs N of them accepting
//             on one shared listening socket
//   nginx     /usr/sbin/nginx, worker_processes N (1 by default), upstream keepalive
//   load      closed loop: `--connections` keep-alive connections, one request in flight each.
//             `raw` (default) writes a prebuilt request and parses responses by hand: ~7 µs of
//             CPU per request. `node` is the http.Agent client of earlier runs: ~25 µs per
//             request, which capped nginx near the load generator's own limit and flattered the
//             ratio (RESULTS.md, 2026-11-26).
// The machine has 2 CPUs for all of these, so both proxies are measured alternately: after a
// warm-up, `--rounds` rounds of nginx then ingress (order flipped every round) of `--seconds`
// each. Reported per target: median requests/s over the rounds, latency percentiles of all
// rounds, and CPU time per request of each process (utime+stime from /proc). The headline
// ratio is the median of the per-round ratios (ingress / nginx requests/s).
// Prints a table and one `RESULT {...}` line.
import http from 'node:http';
import net from 'node:net';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { buildRoutes, IngressProxy } from '../src/ingress/index.js';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------
// Roles (child processes)

type ToChild = { cmd: 'load'; port: number; seconds: number; connections: number; client: 'raw' | 'node' } | { cmd: 'exit' };

interface LoadResult {
  requests: number;
  seconds: number;
  errors: number;
  /** Latency samples in ms (every request of the window). */
  latencies: Float64Array;
}

function runBackend(): void {
  const body = JSON.stringify({ hello: 'world', n: 42 });
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m: ToChild) => m.cmd === 'exit' && process.exit(0));
}

function runIngress(backendPort: number): void {
  const proxy = new IngressProxy();
  proxy.table = buildRoutes(
    [{ metadata: { name: 'bench', namespace: 'default' }, spec: { rules: [{ host: 'bench.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'b', port: { number: 80 } } } }] } }] } }],
    [{ metadata: { name: 'b', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }],
    [{ metadata: { name: 'b-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'b' } }, ports: [{ port: backendPort }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] }],
    [],
  );
  // The listening socket comes from the parent (shared by all ingress workers).
  process.on('message', (m: unknown, handle: unknown) => {
    if ((m as ToChild).cmd === 'exit') process.exit(0);
    if (handle) proxy.createServer().listen(handle as net.Server, () => process.send!({ ready: true }));
  });
  process.send!({ started: true });
}

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: k8ts-bench\r\nAccept: */*\r\n\r\n', 'latin1');

/** Closed-loop load on raw sockets: a prebuilt request, responses delimited by Content-Length. */
function rawLoad(port: number, seconds: number, connections: number): Promise<LoadResult> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let errors = 0;
    let measuring = false;
    let stopped = false;
    let requests = 0;
    const sockets = new Set<net.Socket>();
    const open = (): void => {
      if (stopped) return;
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
      sockets.add(s);
      let buf = '';
      let t0 = 0;
      let closing = false;
      const send = (): void => {
        t0 = performance.now();
        s.write(REQUEST);
      };
      s.on('connect', send);
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        for (;;) {
          const he = buf.indexOf('\r\n\r\n');
          if (he < 0) return;
          const head = buf.slice(0, he);
          const m = /\r\ncontent-length: *(\d+)/i.exec(head);
          if (!m) {
            errors++;
            s.destroy();
            return;
          }
          const end = he + 4 + Number(m[1]);
          if (buf.length < end) return;
          buf = buf.slice(end);
          if (measuring) {
            if (head.startsWith('HTTP/1.1 200')) {
              requests++;
              latencies.push(performance.now() - t0);
            } else errors++;
          }
          // nginx closes a client connection after keepalive_requests (1000): reconnect then.
          if (/\r\nconnection: *close/i.test(head)) closing = true;
          if (closing || stopped) s.end();
          else send();
        }
      });
      s.on('error', () => {
        if (measuring && !closing) errors++;
      });
      s.on('close', () => {
        sockets.delete(s);
        open();
      });
    };
    for (let i = 0; i < connections; i++) open();
    let start = 0;
    setTimeout(() => {
      measuring = true;
      start = performance.now();
      setTimeout(() => {
        measuring = false;
        stopped = true;
        const elapsed = (performance.now() - start) / 1000;
        for (const s of sockets) s.destroy();
        resolve({ requests, seconds: elapsed, errors, latencies: Float64Array.from(latencies) });
      }, seconds * 1000);
    }, 500);
  });
}

/** The load generator of the first version of this benchmark: http.request on a keep-alive Agent. */
async function nodeLoad(port: number, seconds: number, connections: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  let measuring = false;
  let requests = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: { host: 'bench.test' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (measuring) {
            if (res.statusCode === 200) {
              requests++;
              latencies.push(performance.now() - t0);
            } else errors++;
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
  await new Promise((r) => setTimeout(r, 500));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return { requests, seconds: elapsed, errors, latencies: Float64Array.from(latencies) };
}

function runLoad(): void {
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'exit') process.exit(0);
    const run = m.client === 'node' ? nodeLoad : rawLoad;
    void run(m.port, m.seconds, m.connections).then((r) => process.send!(r));
  });
  process.send!({ started: true });
}

// ---------------------------------------------------------------------------------------
// Coordinator

function child(role: string, ...args: string[]): { proc: ChildProcess; first: Promise<Record<string, unknown>> } {
  const proc = fork(SELF, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Record<string, unknown>));
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { proc, first };
}

/** Busy and total jiffies of the whole machine (all CPUs) from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total }; // minus idle and iowait
}

/** Involuntary context switches of a process (preempted while runnable); 0 if gone. */
function preemptions(pid: number): number {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU ticks (utime + stime) of a process; 0 if gone. */
function ticks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === ppid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

const TICK_US = 1e6 / 100; // USER_HZ

interface Window {
  rps: number;
  errors: number;
  latencies: Float64Array;
  /** CPU µs per request by role. */
  cpu: Record<string, number>;
  /** Involuntary context switches per 1000 requests, by role. */
  preempt: Record<string, number>;
  /** Busy CPUs of the whole machine (of cpus()). */
  busyCpus: number;
  /** Of that, CPUs not used by this benchmark's processes (other work on the machine, ksoftirqd). */
  foreignCpus: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      client: { type: 'string', default: 'raw' },
      workers: { type: 'string', default: '1' },
      role: { type: 'string' },
    },
    allowPositionals: true,
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const workers = Number(values.workers);
  const client = values.client === 'node' ? 'node' : 'raw';

  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ingress-bench-'));
  let nginx: ChildProcess | undefined;
  const shared = net.createServer();
  try {
    const backend = child('backend');
    procs.push(backend.proc);
    const backendPort = (await backend.first).port as number;

    // Ingress workers share one listening socket, handed over by this process.
    await new Promise<void>((r) => shared.listen(0, '127.0.0.1', r));
    const ingressPort = (shared.address() as AddressInfo).port;
    const ingress: ChildProcess[] = [];
    for (let i = 0; i < workers; i++) {
      const w = child('ingress', String(backendPort));
      procs.push(w.proc);
      ingress.push(w.proc);
      await w.first;
      const ready = new Promise((r) => w.proc.once('message', r));
      w.proc.send('listen', shared);
      await ready;
    }
    shared.close(); // the workers keep their copies

    const load = child('load');
    procs.push(load.proc);
    await load.first;

    const nginxPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; }
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
    nginx = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((r) => setTimeout(r, 500));
    const nginxWorkers = childrenOf(nginx.pid!);

    const roles: Record<string, number[]> = { backend: [backend.proc.pid!], load: [load.proc.pid!], ingress: ingress.map((p) => p.pid!), nginx: nginxWorkers };
    const window = async (port: number, secs: number): Promise<Window> => {
      const before = Object.fromEntries(Object.entries(roles).map(([k, pids]) => [k, pids.reduce((a, p) => a + ticks(p), 0)]));
      const m0 = machineJiffies();
      const beforeCs = Object.fromEntries(Object.entries(roles).map(([k, pids]) => [k, pids.reduce((a, p) => a + preemptions(p), 0)]));
      const done = new Promise<LoadResult>((r) => load.proc.once('message', (m) => r(m as LoadResult)));
      load.proc.send({ cmd: 'load', port, seconds: secs, connections, client } satisfies ToChild);
      const r = await done;
      const m1 = machineJiffies();
      const cpu: Record<string, number> = {};
      const preempt: Record<string, number> = {};
      // The window includes the load generator's 0.5 s ramp-up; scale to the measured part.
      const scale = r.seconds / (r.seconds + 0.5);
      for (const [k, pids] of Object.entries(roles)) {
        const after = pids.reduce((a, p) => a + ticks(p), 0);
        cpu[k] = r.requests ? (((after - before[k]) * TICK_US) / r.requests) * scale : NaN;
        const cs = pids.reduce((a, p) => a + preemptions(p), 0);
        preempt[k] = r.requests ? ((cs - beforeCs[k]) * 1000 * scale) / r.requests : NaN;
      }
      const busyCpus = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length;
      // Our processes' CPUs over the same window (the ramp-up included, like the machine figure).
      const windowUs = ((m1.total - m0.total) * TICK_US) / cpus().length;
      let ours = 0;
      for (const k of Object.keys(roles)) ours += (cpu[k] * r.requests) / scale;
      const foreignCpus = Math.max(0, busyCpus - ours / windowUs);
      return { rps: r.requests / r.seconds, errors: r.errors, latencies: r.latencies, cpu, preempt, busyCpus, foreignCpus };
    };

    // Warm-up (JIT, connection pools), not recorded.
    await window(nginxPort, 1);
    await window(ingressPort, 1);
    const direct = await window(backendPort, seconds);
    const runs: Record<'nginx' | 'ingress', Window[]> = { nginx: [], ingress: [] };
    const ratios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const order: ('nginx' | 'ingress')[] = i % 2 === 0 ? ['nginx', 'ingress'] : ['ingress', 'nginx'];
      for (const t of order) runs[t].push(await window(t === 'nginx' ? nginxPort : ingressPort, seconds));
      ratios.push(runs.ingress[i].rps / runs.nginx[i].rps);
    }

    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const summary = (ws: Window[]) => {
      const lat = Float64Array.from(ws.flatMap((w) => [...w.latencies])).sort();
      const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
      const cpu = (role: string) => median(ws.map((w) => w.cpu[role]));
      const pre = (role: string) => median(ws.map((w) => w.preempt[role]));
      return {
        rps: median(ws.map((w) => w.rps)),
        rpsByRound: ws.map((w) => Math.round(w.rps)),
        p50: q(0.5),
        p99: q(0.99),
        errors: ws.reduce((a, w) => a + w.errors, 0),
        busyCpus: median(ws.map((w) => w.busyCpus)),
        foreignCpus: median(ws.map((w) => w.foreignCpus)),
        cpuUsPerRequest: { proxy: cpu(ws === runs.nginx ? 'nginx' : 'ingress'), backend: cpu('backend'), load: cpu('load') },
        preemptionsPer1000: { proxy: pre(ws === runs.nginx ? 'nginx' : 'ingress'), backend: pre('backend'), load: pre('load') },
      };
    };
    const rows = {
      direct: { ...summary([direct]), cpuUsPerRequest: { proxy: 0, backend: direct.cpu.backend, load: direct.cpu.load }, preemptionsPer1000: { proxy: 0, backend: direct.preempt.backend, load: direct.preempt.load } },
      nginx: summary(runs.nginx),
      ingress: summary(runs.ingress),
    };
    const ratio = median(ratios);
    console.log(`cpus ${cpus().length}, ${connections} connections, ${client} client, ${workers} worker(s) each, ${rounds} rounds × ${seconds}s per target`);
    console.log('target    req/s (median)   p50 ms   p99 ms   errors | CPU µs/req: proxy backend load | preempted /1000 req: proxy backend load | CPUs busy, not ours');
    for (const [k, v] of Object.entries(rows)) {
      const c = v.cpuUsPerRequest;
      const p = v.preemptionsPer1000;
      console.log(
        `${k.padEnd(9)} ${v.rps.toFixed(0).padStart(14)} ${v.p50.toFixed(2).padStart(8)} ${v.p99.toFixed(2).padStart(8)} ${String(v.errors).padStart(8)} | ${c.proxy.toFixed(1).padStart(17)} ${c.backend.toFixed(1).padStart(7)} ${c.load.toFixed(1).padStart(4)} | ${p.proxy.toFixed(0).padStart(25)} ${p.backend.toFixed(0).padStart(7)} ${p.load.toFixed(0).padStart(4)} | ${v.busyCpus.toFixed(2).padStart(10)} ${v.foreignCpus.toFixed(2).padStart(8)}`,
      );
    }
    console.log(`per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`ingress / nginx requests/s (median of rounds): ${ratio.toFixed(2)} (target >= 0.8)`);
    console.log(`RESULT ${JSON.stringify({ cpus: cpus().length, connections, client, workers, rounds, seconds, ...rows, ratios, ratio })}`);
  } finally {
    nginx?.kill('SIGTERM');
    shared.close();
    for (const p of procs) if (p.connected) p.send({ cmd: 'exit' } satisfies ToChild);
    await new Promise((r) => setTimeout(r, 200));
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = process.argv.includes('--role') ? process.argv[process.argv.indexOf('--role') + 1] : undefined;
if (role === 'backend') runBackend();
else if (role === 'ingress') runIngress(Number(process.argv[process.argv.indexOf('--role') + 2]));
else if (role === 'load') runLoad();
else
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
