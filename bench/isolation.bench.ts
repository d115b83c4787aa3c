// Issue 10's "API p99 at 100 writes/s while a controller spins": one `bin/k8ts server
// --runtime simulated` started with the test-only hook K8TS_TEST_SPIN_CONTROLLER=1
// (src/server/test-hooks.ts), loaded by an open loop of writes (alternating a ConfigMap create and
// an update of one of 100 pool ConfigMaps, issued on schedule whatever earlier ones are doing) and
// of GETs of the pool, in two phases on the same server:
//   1. reference: nothing spins;
//   2. spin: the ConfigMap `k8ts-test-spin` is created, the controllers' loop spins forever (once
//      /metrics reports it stalled), and the same load runs again.
// Latency is from issue to full response (keep-alive HTTPS, connections warmed first); the lateness
// of the generator itself is printed as a check. Server CPU (all threads) per phase from /proc.
//
//   node dist/bench/isolation.bench.js [--seconds 30] [--write-rate 100] [--get-rate 100] [--no-spin]
//                                      [--k8ts PATH] [--state-db PATH]
//
// --k8ts: the bin/k8ts to run (default this checkout's). --no-spin: the reference phase only (a
// build without the hook). --state-db: start the server on a copy of this state.db instead of an
// empty one, e.g. test/fixtures/restart-hang/state.db, on which a build from before its fix spins in
// the deployment controller from the start (its only phase is then called `spin (state.db)`;
// requests that get no answer in 10 s count as errors at 10 s). No real containers: no host lock.
import { Agent, request } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Creds } from '../test/helpers/http.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    'write-rate': { type: 'string', default: '100' },
    'get-rate': { type: 'string', default: '100' },
    'no-spin': { type: 'boolean', default: false },
    k8ts: { type: 'string' },
    'state-db': { type: 'string' },
  },
});
// The helpers read K8TS_BIN when first imported, hence the dynamic imports.
if (values.k8ts) process.env.K8TS_BIN = resolve(values.k8ts);
const { freePort, K8TS } = await import('../test/helpers/cluster.js');
const { credsFromKubeconfig } = await import('../test/helpers/http.js');
const { processTreeCpuSeconds } = await import('../test/helpers/writes.js');

const SECONDS = Number(values.seconds);
const WRITE_RATE = Number(values['write-rate']);
const GET_RATE = Number(values['get-rate']);
const POOL = 100;
const NS = 'default';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
const r2 = (x: number): number => Math.round(x * 100) / 100;

interface Res {
  status: number;
  body: string;
}
function call(creds: Creds, agent: Agent, method: string, path: string, body?: string): Promise<Res> {
  return new Promise((done, fail) => {
    const req = request(new URL(path, creds.server), { method, agent, headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', fail);
    req.end(body);
  });
}

const cm = (name: string, i: number): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'isolation-bench' } }, data: { i: String(i), pad: 'x'.repeat(200) } });

interface Series {
  ms: number[];
  lateMs: number[];
  errors: number;
  sample?: string;
}
interface PhaseFigures {
  phase: string;
  seconds: number;
  writes: { n: number; p50: number; p99: number; max: number; errors: number; sample?: string; generatorLateP99: number };
  gets: { n: number; p50: number; p99: number; max: number; errors: number; sample?: string; generatorLateP99: number };
  serverCpuPct: number;
  loadavg1: number;
}

/** An open loop: `fire(i)` is started every 1000/rate ms for `seconds`, on schedule. */
async function paced(rate: number, seconds: number, fire: (i: number) => Promise<Res>, ok: (r: Res) => boolean): Promise<Series> {
  const s: Series = { ms: [], lateMs: [], errors: 0 };
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const issued = performance.now();
    s.lateMs.push(issued - due);
    inflight.push(
      fire(i).then(
        (r) => {
          s.ms.push(performance.now() - issued);
          if (!ok(r)) {
            s.errors++;
            s.sample ??= `${r.status} ${r.body.slice(0, 160)}`;
          }
        },
        (e: Error) => {
          s.ms.push(performance.now() - issued);
          s.errors++;
          s.sample ??= e.message;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return s;
}

const summary = (s: Series): PhaseFigures['writes'] => ({ n: s.ms.length, p50: r2(pct(s.ms, 50)), p99: r2(pct(s.ms, 99)), max: r2(Math.max(...s.ms)), errors: s.errors, ...(s.sample ? { sample: s.sample } : {}), generatorLateP99: r2(pct(s.lateMs, 99)) });

interface Server {
  proc: ChildProcess;
  dataDir: string;
  port: number;
  /** Set once the server wrote its kubeconfig; a server frozen from the start never does. */
  kubeconfig?: string;
  log: string;
}
/** Starts `K8TS server` and waits (at most 15 s) for its kubeconfig, or only for it to listen. */
async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [K8TS, 'server', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--runtime', 'simulated'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_TEST_SPIN_CONTROLLER: '1' } });
  const s: Server = { proc, dataDir, port, log: '' };
  const onData = (d: Buffer): void => {
    s.log += d.toString();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const end = Date.now() + 15_000;
  while (Date.now() < end && proc.exitCode === null) {
    if (s.log.includes('kubeconfig written')) {
      s.kubeconfig = join(dataDir, 'kubeconfig.yaml');
      return s;
    }
    await sleep(20);
  }
  if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${s.log}`);
  if (!s.log.includes('listening on')) throw new Error(`server did not listen in 15 s:\n${s.log}`);
  return s;
}

/** Anonymous GET /livez at `rate`/s for `seconds` (no credentials needed): how many got any answer in 10 s. */
async function probeFrozen(port: number, rate: number, seconds: number): Promise<{ sent: number; answered: number; sample?: string }> {
  let answered = 0;
  let sample: string | undefined;
  const s = await paced(rate, seconds, () => new Promise<Res>((done, fail) => {
    // A connection per probe, so that probes time out on schedule instead of queueing for a socket.
    const req = request({ host: '127.0.0.1', port, path: '/livez', agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0, body: '' }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('GET /livez: no answer in 10 s')));
    req.on('error', (e) => {
      sample ??= e.message;
      fail(e);
    });
    req.end();
  }), () => {
    answered++;
    return true;
  });
  return { sent: s.ms.length, answered, sample };
}

let c: Server | undefined;
const agents: Agent[] = [];
const stop = async (): Promise<void> => {
  for (const a of agents) a.destroy();
  if (c) {
    const proc = c.proc;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await Promise.race([exited, sleep(15_000)]);
      clearTimeout(killer);
    }
    rmSync(c.dataDir, { recursive: true, force: true });
  }
  c = undefined;
};
process.on('SIGINT', () => void stop().finally(() => process.exit(130)));
const limit = setTimeout(() => {
  console.error('isolation.bench: time limit (5 min) reached');
  void stop().finally(() => process.exit(1));
}, 5 * 60_000);

try {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-isolation-'));
  if (values['state-db']) {
    copyFileSync(values['state-db'], join(dataDir, 'state.db'));
    chmodSync(join(dataDir, 'state.db'), 0o644);
  }
  c = await startServer(dataDir);
  if (!c.kubeconfig) {
    // Frozen before it wrote a kubeconfig: only anonymous probes are possible.
    console.error(`isolation.bench: the server listens on ${c.port} but wrote no kubeconfig in 15 s; probing GET /livez for ${SECONDS} s`);
    const pid = c.proc.pid!;
    const cpu0 = processTreeCpuSeconds(pid);
    const t0 = performance.now();
    const p = await probeFrozen(c.port, GET_RATE, SECONDS);
    const cpuPct = r2((100 * (processTreeCpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000));
    console.log(`k8ts ${K8TS} on ${values['state-db']}: no kubeconfig written (frozen while starting); GET /livez ${GET_RATE}/s for ${SECONDS} s: ${p.answered} of ${p.sent} answered within 10 s (${p.sample ?? 'no error'}); server CPU ${cpuPct} %`);
    console.log(`RESULT ${JSON.stringify({ bench: 'isolation', date: new Date().toISOString(), cpus: cpus().length, node: process.version, k8ts: K8TS, stateDb: values['state-db'], frozen: { probes: p.sent, answered: p.answered, sample: p.sample, serverCpuPct: cpuPct } })}`);
  } else await measureLive(c, c.kubeconfig);
} catch (e) {
  console.error(`isolation.bench failed: ${(e as Error).stack}`);
  process.exitCode = 1;
} finally {
  clearTimeout(limit);
  await stop();
}

/** The two phases on a server that answers. */
async function measureLive(c: Server, kubeconfig: string): Promise<void> {
  const creds = credsFromKubeconfig(kubeconfig);
  const agentOpts = { keepAlive: true, ca: creds.ca, cert: creds.cert, key: creds.key, maxSockets: 64 };
  const wAgent = new Agent(agentOpts);
  const gAgent = new Agent(agentOpts);
  agents.push(wAgent, gAgent);
  const base = `/api/v1/namespaces/${NS}/configmaps`;
  // A server frozen by a hot loop answers nothing: then the phase runs on an unprepared pool and
  // counts the failures.
  let setupError: string | undefined;
  try {
    for (let i = 0; i < POOL; i++) {
      const r = await call(creds, wAgent, 'POST', base, cm(`pool-${i}`, 0));
      if (r.status !== 201) throw new Error(`pool create: ${r.status} ${r.body}`);
    }
    // Warm the connections so TLS handshakes are not timed.
    await Promise.all(Array.from({ length: 16 }, (_, i) => call(creds, wAgent, 'GET', `${base}/pool-${i}`)));
    await Promise.all(Array.from({ length: 16 }, (_, i) => call(creds, gAgent, 'GET', `${base}/pool-${i}`)));
  } catch (e) {
    if (!values['state-db']) throw e;
    setupError = (e as Error).message;
    console.error(`isolation.bench: setup failed (${setupError}); measuring anyway`);
  }

  let created = 0;
  const runPhase = async (phase: string): Promise<PhaseFigures> => {
    console.error(`isolation.bench: phase ${phase}: ${WRITE_RATE} writes/s + ${GET_RATE} GETs/s for ${SECONDS} s`);
    const pid = c.proc.pid!;
    const cpu0 = processTreeCpuSeconds(pid);
    const t0 = performance.now();
    const [w, g] = await Promise.all([
      paced(WRITE_RATE, SECONDS, (i) => (i % 2 === 0 ? call(creds, wAgent, 'POST', base, cm(`w-${phase.replace(/\W+/g, '')}-${created++}`, i)) : call(creds, wAgent, 'PUT', `${base}/pool-${(i >> 1) % POOL}`, cm(`pool-${(i >> 1) % POOL}`, i))), (r) => r.status === 200 || r.status === 201),
      paced(GET_RATE, SECONDS, (i) => call(creds, gAgent, 'GET', `${base}/pool-${i % POOL}`), (r) => r.status === 200),
    ]);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = processTreeCpuSeconds(pid);
    return { phase, seconds: r2(elapsed), writes: summary(w), gets: summary(g), serverCpuPct: r2((100 * (cpu1 - cpu0)) / elapsed), loadavg1: r2(loadavg()[0]) };
  };
  const metricValue = (body: string, name: string, loop: string): number => Number(new RegExp(`^${name}\\{loop="${loop}"\\} (\\S+)`, 'm').exec(body)?.[1] ?? NaN);

  const phases: PhaseFigures[] = [await runPhase(values['state-db'] ? 'spin (state.db)' : 'reference')];
  let lag: Record<string, number> | undefined;
  if (!values['no-spin'] && !values['state-db']) {
    const r = await call(creds, wAgent, 'POST', base, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-spin' } }));
    if (r.status !== 201) throw new Error(`spin ConfigMap: ${r.status} ${r.body}`);
    // Bounded wait for the supervisor to report the controllers' loop stalled.
    const end = Date.now() + 20_000;
    for (;;) {
      const m = await call(creds, gAgent, 'GET', '/metrics');
      if (/k8ts_loop_stalled\{loop="controllers"\} 1/.test(m.body)) break;
      if (Date.now() > end) throw new Error('the controllers loop was not reported stalled within 20 s (a build without the spin hook?)');
      await sleep(200);
    }
    phases.push(await runPhase('spin'));
    const m = (await call(creds, gAgent, 'GET', '/metrics')).body;
    lag = Object.fromEntries(['apiserver', 'controllers', 'node'].map((l) => [l, r2(metricValue(m, 'k8ts_event_loop_lag_seconds', l))]));
  }
  console.log(`k8ts ${K8TS}; ${WRITE_RATE} writes/s (ConfigMap create / update alternating) + ${GET_RATE} GETs/s, ${SECONDS} s per phase, simulated runtime`);
  console.log('| phase | write p50 | write p99 | write max | GET p50 | GET p99 | GET max | errors | server CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of phases) console.log(`| ${p.phase} | ${p.writes.p50} ms | ${p.writes.p99} ms | ${p.writes.max} ms | ${p.gets.p50} ms | ${p.gets.p99} ms | ${p.gets.max} ms | ${p.writes.errors + p.gets.errors} | ${p.serverCpuPct} % |`);
  for (const p of phases) if (p.writes.sample || p.gets.sample) console.log(`  ${p.phase} error sample: ${p.writes.sample ?? p.gets.sample}`);
  if (setupError) console.log(`  setup (100 pool creates, connection warm-up) failed: ${setupError}`);
  if (lag) console.log(`event-loop lag after the spin phase (s): ${JSON.stringify(lag)}`);
  console.log(`RESULT ${JSON.stringify({ bench: 'isolation', date: new Date().toISOString(), cpus: cpus().length, node: process.version, k8ts: K8TS, stateDb: values['state-db'], setupError, writeRate: WRITE_RATE, getRate: GET_RATE, phases, lagSeconds: lag })}`);
}
