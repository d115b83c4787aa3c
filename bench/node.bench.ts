// A cluster's start and idle cost, on machines made of network namespaces (test/helpers/hosts.ts):
//   1. start: from spawning `bin/k8ts start` (or `server` with --foreground) in host h0 to its node Ready
//      (read over the server's loopback socket) and to cluster DNS answering a query for
//      kubernetes.default.svc.cluster.local at the kube-dns ClusterIP (asked from inside h0);
//   2. idle: an agent joins from h1; after --idle-seconds (default 300) with no workload, RSS
//      and CPU (% of one core over a --window-seconds window) of the server (control plane and
//      its local node in one process) and of the agent alone.
//   node dist/bench/node.bench.js [--idle-seconds 300] [--window-seconds 60] [--runs 3] [--k8ts PATH]
// --k8ts: the bin/k8ts to run (default this checkout's), e.g. another checkout's build for a
// before/after comparison. Runs network namespaces: run it under `flock /tmp/k8ts-host.lock`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHosts, type Hosts } from '../test/helpers/hosts.js';
import { forceCleanupRuntime, cleanupCgroups } from '../test/helpers/node.js';

const { values } = parseArgs({ options: { 'idle-seconds': { type: 'string', default: '300' }, 'window-seconds': { type: 'string', default: '60' }, runs: { type: 'string', default: '3' }, foreground: { type: 'boolean', default: false }, k8ts: { type: 'string' } } });
const K8TS = resolve(values.k8ts ?? join(import.meta.dirname, '../../bin/k8ts'));
/** The checkout K8TS belongs to (bin/k8ts runs its dist/). */
const ROOT = dirname(dirname(K8TS));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function unixGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function nodeReady(dataDir: string, node: string): Promise<boolean> {
  const sock = join(dataDir, 'apiserver.sock');
  if (!existsSync(sock)) return false;
  try {
    const r = await unixGet(sock, `/api/v1/nodes/${node}`);
    if (r.status !== 200) return false;
    return (JSON.parse(r.body).status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  } catch {
    return false;
  }
}

// Runs inside the host: asks 10.43.0.10 every 10 ms until it answers, prints Date.now().
const DNS_POLL = `
const { Resolver } = require('node:dns').promises;
const r = new Resolver({ timeout: 200, tries: 1 });
r.setServers(['10.43.0.10']);
(async () => { for (;;) { try { const a = await r.resolve4('kubernetes.default.svc.cluster.local'); if (a.length) { console.log(Date.now()); process.exit(0); } } catch {} await new Promise((x) => setTimeout(x, 10)); } })();
setTimeout(() => process.exit(1), 60000);
`;

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}
const rssMB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The server's pid: `k8ts start` writes it to <data-dir>/server.pid, a foreground server is the child. */
function serverPid(dataDir: string, child: ChildProcess): number {
  const p = join(dataDir, 'server.pid');
  return existsSync(p) ? Number(readFileSync(p, 'utf8').trim()) : child.pid!;
}

let hosts: Hosts | undefined;
const dirs: string[] = [];
const children: ChildProcess[] = [];
function cleanup(): void {
  for (const d of dirs) {
    const pidFile = join(d, 'server.pid');
    if (existsSync(pidFile)) spawnSync('kill', [readFileSync(pidFile, 'utf8').trim()]);
  }
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  spawnSync('sleep', ['1']);
  for (const d of dirs) forceCleanupRuntime(d);
  hosts?.destroy();
  cleanupCgroups();
  for (const d of dirs) for (const p of [d, `${d}.log`]) rmSync(p, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

async function startOnce(): Promise<{ readyMs: number; dnsMs: number; server: ChildProcess; dataDir: string }> {
  hosts = createHosts('k8tsbn', 2);
  const h0 = hosts.hosts[0];
  const dataDir = mkdtempSync('/tmp/k8ts-bench-node-');
  dirs.push(dataDir);
  const useStart = !values.foreground && existsSync(join(ROOT, 'dist/src/cli/cluster.js'));
  const args = [useStart ? 'start' : 'server', '--data-dir', dataDir, '--node-name', h0.name, '--node-ip', h0.ip];
  const t0 = Date.now();
  const dns = hosts.spawn(h0, process.execPath, ['-e', DNS_POLL], { stdio: ['ignore', 'pipe', 'inherit'] });
  const log = openSync(`${dataDir}.log`, 'w');
  const server = hosts.spawn(h0, process.execPath, [K8TS, ...args], { stdio: ['ignore', log, log] });
  children.push(server, dns);
  let dnsAt = 0;
  dns.stdout!.on('data', (d: Buffer) => (dnsAt = Number(d.toString().trim())));
  let readyAt = 0;
  while (!readyAt && Date.now() - t0 < 60_000) {
    if (await nodeReady(dataDir, h0.name)) readyAt = Date.now();
    else await sleep(10);
  }
  await new Promise((r) => (dns.exitCode !== null ? r(undefined) : dns.once('exit', r)));
  if (!readyAt || !dnsAt) throw new Error(`start did not finish: ready ${readyAt}, dns ${dnsAt}`);
  return { readyMs: readyAt - t0, dnsMs: dnsAt - t0, server, dataDir };
}

async function stopServer(dataDir: string, server: ChildProcess): Promise<void> {
  const pid = serverPid(dataDir, server);
  spawnSync('kill', [String(pid)]);
  for (let i = 0; i < 100 && spawnSync('kill', ['-0', String(pid)]).status === 0; i++) await sleep(100);
  forceCleanupRuntime(dataDir);
  hosts?.destroy();
  hosts = undefined;
}

try {
  const runs: Array<{ readyMs: number; dnsMs: number }> = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const r = await startOnce();
    runs.push({ readyMs: r.readyMs, dnsMs: r.dnsMs });
    console.log(`start run ${i + 1}: node Ready ${r.readyMs} ms, DNS answering ${r.dnsMs} ms`);
    if (i < Number(values.runs) - 1) await stopServer(r.dataDir, r.server);
    else {
      // Idle: the last run's server stays, an agent joins from h1.
      const h1 = hosts!.hosts[1];
      const agentDir = mkdtempSync('/tmp/k8ts-bench-agent-');
      dirs.push(agentDir);
      const token = readFileSync(join(r.dataDir, 'node-token'), 'utf8').trim();
      const agent = hosts!.spawn(h1, process.execPath, [K8TS, 'agent', '--server', `https://${hosts!.hosts[0].ip}:6443`, '--token', token, '--data-dir', agentDir, '--node-name', h1.name, '--node-ip', h1.ip], { stdio: ['ignore', 'ignore', 'ignore'] });
      children.push(agent);
      const tJoin = Date.now();
      while (!(await nodeReady(r.dataDir, h1.name))) {
        if (Date.now() - tJoin > 60_000) throw new Error('agent did not become Ready');
        await sleep(20);
      }
      console.log(`agent joined and Ready in ${Date.now() - tJoin} ms`);
      const sPid = serverPid(r.dataDir, r.server);
      const idle = Number(values['idle-seconds']);
      const win = Number(values['window-seconds']);
      console.log(`idling ${idle} s, then measuring CPU over ${win} s ...`);
      await sleep(Math.max(0, idle - win) * 1000);
      const c0 = { s: cpuTicks(sPid), a: cpuTicks(agent.pid!) };
      await sleep(win * 1000);
      const c1 = { s: cpuTicks(sPid), a: cpuTicks(agent.pid!) };
      const pct = (d: number): number => +((100 * d) / CLK_TCK / win).toFixed(2);
      const result = {
        bench: 'node',
        startReadyMs: runs.map((x) => x.readyMs),
        startDnsMs: runs.map((x) => x.dnsMs),
        idleSeconds: idle,
        server: { rssMB: +rssMB(sPid).toFixed(1), cpuPct: pct(c1.s - c0.s) },
        agent: { rssMB: +rssMB(agent.pid!).toFixed(1), cpuPct: pct(c1.a - c0.a) },
      };
      // Where the memory is: per-loop heaps from the server's /metrics (builds with event loops split).
      const metrics = await unixGet(join(r.dataDir, 'apiserver.sock'), '/metrics').catch(() => ({ status: 0, body: '' }));
      const heapLines = metrics.status === 200 ? metrics.body.split('\n').filter((l) => /^(k8ts_loop_heap_bytes|nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes|process_resident_memory_bytes)[{ ]/.test(l)) : [];
      for (const l of heapLines) console.log(`  /metrics ${l}`);
      (result as Record<string, unknown>).k8ts = K8TS;
      (result as Record<string, unknown>).heapMetrics = heapLines;
      console.log(`server (control plane + its node): RSS ${result.server.rssMB} MB, CPU ${result.server.cpuPct} % of a core`);
      console.log(`agent alone:                       RSS ${result.agent.rssMB} MB, CPU ${result.agent.cpuPct} % of a core`);
      console.log('RESULT ' + JSON.stringify(result));
    }
  }
} finally {
  cleanup();
}
