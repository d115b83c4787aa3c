// Protobuf responses against JSON (issue 12): what client-go asks for must cost no more than JSON.
//
//   node dist/bench/protobuf.bench.js [--pods 10000] [--quick]
//
// Part 1, in process: encoding a stored pod (cold, as when it enters the cache), a watch event
// from the cached encoding (what each event costs once, for all watchers), and assembling a
// LIST of N pods from cached encodings.
// Part 2, end to end against `k8ts server` (memory datastore, controllers off): GET/s with 16
// keep-alive clients, LIST of N pods (ms, MB), and WATCH fan-out (events delivered/s to 50
// watchers while one writer patches a pod), each in JSON and in protobuf.
import https from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEnvelope, encodeListParts, encodeMessageBytes, encodeWatchFrame, splitWatchFrames } from '../src/api/schema/index.js';
import { startServer, type Credentials } from './api/server-process.js';
import { newAgent } from './api/http.js';
import { podManifest } from './api/pods.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const PODS = Number(args[args.indexOf('--pods') + 1] ?? 0) || (QUICK ? 1000 : 10_000);
const PHASE_MS = QUICK ? 500 : 3000;
const POD = 'k8s.io.api.core.v1.Pod';
const PB = 'application/vnd.kubernetes.protobuf';
const JSON_T = 'application/json';

type Fmt = 'json' | 'protobuf';
const accept = (f: Fmt): string => (f === 'json' ? JSON_T : `${PB}, ${JSON_T}`);

function perSec(ms: number, n: number): number {
  return Math.round((n * 1000) / ms);
}

/** Runs fn repeatedly for about `ms`; returns ops/s. */
function rate(ms: number, fn: () => void): number {
  for (let i = 0; i < 3000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    t = performance.now();
  }
  return perSec(t - t0, n);
}

function get(agent: https.Agent, creds: Credentials, method: string, path: string, fmt: Fmt, body?: string, contentType = JSON_T): Promise<{ status: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Accept: accept(fmt) };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = https.request({ agent, host: creds.host, port: creds.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes < 1 << 20) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function closedLoop(ms: number, clients: number, op: () => Promise<void>): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      await op();
      n++;
    }
  }));
  return perSec(performance.now() - t0, n);
}

/** Opens a watch counting events (JSON lines or protobuf frames). */
function openWatch(creds: Credentials, path: string, fmt: Fmt, onEvent: () => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: creds.host, port: creds.port, ca: creds.ca, cert: creds.cert, key: creds.key, agent: false, method: 'GET', path, headers: { Accept: accept(fmt) } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch ${path}: ${res.statusCode}`));
      let rest: Uint8Array = Buffer.alloc(0);
      res.on('data', (c: Buffer) => {
        if (fmt === 'json') {
          for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) onEvent();
        } else {
          const buf = rest.length ? Buffer.concat([rest, c]) : c;
          const s = splitWatchFrames(buf);
          for (let i = 0; i < s.frames.length; i++) onEvent();
          rest = Buffer.from(s.rest);
        }
      });
      res.on('error', () => {});
      resolve(() => req.destroy());
    });
    req.on('error', () => {});
    req.end();
  });
}

async function main(): Promise<void> {
  console.log(`# protobuf vs JSON (${QUICK ? 'quick' : 'full'}; ${PODS} pods)`);
  const server = await startServer(ROOT, 'memory', 30_000, ['--runtime', 'simulated', '--disable', 'controllers,scheduler,agent']);
  const creds = server.creds;
  let agent = newAgent(creds, 64);
  try {
    await get(agent, creds, 'POST', '/api/v1/namespaces', 'json', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb' } }));
    // Seed pods (32 writers).
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < PODS) {
        const i = next++;
        const r = await get(agent, creds, 'POST', '/api/v1/namespaces/pb/pods', 'json', JSON.stringify(podManifest(`p${i}`, 'pb')));
        if (r.status !== 201) throw new Error(`seed: ${r.status} ${r.body.toString().slice(0, 200)}`);
      }
    }));
    console.log(`seeded ${PODS} pods in ${Math.round(performance.now() - t0)} ms`);
    const stored = JSON.parse((await get(agent, creds, 'GET', '/api/v1/namespaces/pb/pods/p0', 'json')).body.toString()) as Record<string, unknown>;

    // ---- part 1: in process ----
    const json = JSON.stringify(stored);
    const pb = encodeMessageBytes(POD, stored);
    const env = encodeEnvelope('v1', 'Pod', pb);
    console.log(`\n## encode in process (one stored pod: JSON ${json.length} B, protobuf ${env.length} B)`);
    console.log('| what | JSON ops/s | protobuf ops/s |\n|---|---|---|');
    for (let round = 0; round < (QUICK ? 1 : 2); round++) {
      const j = rate(PHASE_MS / 3, () => JSON.stringify(stored));
      const p = rate(PHASE_MS / 3, () => encodeMessageBytes(POD, stored, 1024, json));
      const p0 = rate(PHASE_MS / 3, () => encodeMessageBytes(POD, stored));
      console.log(`| encode a stored pod, as the watch cache does (round ${round + 1}) | ${j} | ${p} |`);
      console.log(`| encode a stored pod without its cached JSON (round ${round + 1}) | ${j} | ${p0} |`);
    }
    const jw = rate(PHASE_MS / 3, () => Buffer.from(`{"type":"MODIFIED","object":${json}}\n`));
    const pw = rate(PHASE_MS / 3, () => encodeWatchFrame('MODIFIED', encodeEnvelope('v1', 'Pod', pb)));
    console.log(`| watch event from the cached encoding | ${jw} | ${pw} |`);
    const jsons = Array.from({ length: PODS }, () => json);
    const pbs = Array.from({ length: PODS }, () => pb);
    const lj = rate(PHASE_MS / 3, () => Buffer.from(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[${jsons.join(',')}]}`)) ;
    const lp = rate(PHASE_MS / 3, () => Buffer.concat(encodeListParts('v1', 'PodList', { resourceVersion: '1' }, pbs)));
    console.log(`| LIST body of ${PODS} pods from cached encodings | ${lj} | ${lp} |`);

    // ---- part 2: end to end ----
    // Fresh connections: the server closes keep-alive sockets left idle during part 1.
    agent.destroy();
    agent = newAgent(creds, 64);
    console.log(`\n## end to end (k8ts server, memory datastore; ${PODS} pods)`);
    console.log('| phase | JSON | protobuf |\n|---|---|---|');
    const getRate: Record<Fmt, number> = { json: 0, protobuf: 0 };
    for (const fmt of ['json', 'protobuf', 'json', 'protobuf'] as Fmt[]) {
      let i = 0;
      const r = await closedLoop(PHASE_MS, 16, async () => {
        const res = await get(agent, creds, 'GET', `/api/v1/namespaces/pb/pods/p${i++ % PODS}`, fmt);
        if (res.status !== 200) throw new Error(`GET ${res.status}`);
      });
      getRate[fmt] = Math.max(getRate[fmt], r);
    }
    console.log(`| GET pod, req/s (16 clients, best of 2) | ${getRate.json} | ${getRate.protobuf} |`);

    const list: Record<Fmt, { ms: number; mb: number }> = { json: { ms: Infinity, mb: 0 }, protobuf: { ms: Infinity, mb: 0 } };
    for (let rep = 0; rep < (QUICK ? 2 : 5); rep++) {
      for (const fmt of ['json', 'protobuf'] as Fmt[]) {
        const t = performance.now();
        const res = await get(agent, creds, 'GET', '/api/v1/namespaces/pb/pods', fmt);
        const ms = performance.now() - t;
        if (res.status !== 200) throw new Error(`LIST ${res.status}`);
        if (ms < list[fmt].ms) list[fmt] = { ms, mb: res.bytes / 1e6 };
      }
    }
    console.log(`| LIST ${PODS} pods, ms (best of ${QUICK ? 2 : 5}) | ${list.json.ms.toFixed(0)} | ${list.protobuf.ms.toFixed(0)} |`);
    console.log(`| LIST ${PODS} pods, MB | ${list.json.mb.toFixed(1)} | ${list.protobuf.mb.toFixed(1)} |`);
    const listRate: Record<Fmt, number> = { json: 0, protobuf: 0 };
    for (const fmt of ['json', 'protobuf'] as Fmt[]) {
      listRate[fmt] = await closedLoop(PHASE_MS, 4, async () => {
        const res = await get(agent, creds, 'GET', '/api/v1/namespaces/pb/pods?limit=100', fmt);
        if (res.status !== 200) throw new Error(`LIST ${res.status}`);
      });
    }
    console.log(`| LIST pages of 100 pods, req/s (4 clients) | ${listRate.json} | ${listRate.protobuf} |`);

    const WATCHERS = QUICK ? 10 : 50;
    const EVENTS = QUICK ? 200 : 1000;
    const watchRate: Record<Fmt, number> = { json: 0, protobuf: 0 };
    for (const fmt of ['json', 'protobuf'] as Fmt[]) {
      const rv = (JSON.parse((await get(agent, creds, 'GET', '/api/v1/namespaces/pb/pods/p1', 'json')).body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      let seen = 0;
      const target = WATCHERS * EVENTS;
      let done!: () => void;
      const all = new Promise<void>((r) => (done = r));
      const closers = await Promise.all(Array.from({ length: WATCHERS }, () => openWatch(creds, `/api/v1/namespaces/pb/pods?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dp1`, fmt, () => {
        if (++seen === target) done();
      })));
      const t = performance.now();
      for (let i = 0; i < EVENTS; i++) {
        const r = await get(agent, creds, 'PATCH', '/api/v1/namespaces/pb/pods/p1', 'json', JSON.stringify({ metadata: { annotations: { 'bench/seq': `${fmt}-${i}` } } }), 'application/merge-patch+json');
        if (r.status !== 200) throw new Error(`PATCH ${r.status}`);
      }
      const timeout = new Promise<void>((_, rej) => setTimeout(() => rej(new Error(`watch ${fmt}: ${seen}/${target} events after 60 s`)), 60_000).unref());
      await Promise.race([all, timeout]);
      watchRate[fmt] = perSec(performance.now() - t, target);
      for (const c of closers) c();
    }
    console.log(`| WATCH fan-out, events delivered/s (${WATCHERS} watchers, ${EVENTS} patches) | ${watchRate.json} | ${watchRate.protobuf} |`);
  } finally {
    agent.destroy();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
