// Encryption at rest on against off (issue 14): two API servers of this build in one process
// (SQLite), one with an EncryptionConfiguration (Secrets under aescbc, identity second: what k8ts
// writes for a new cluster), one without. The admin client (loopback socket, keep-alive) sends
// batches of Secret creates (1 KiB of data each: encrypted on the way in), Secret GETs (served
// from the watch cache: decrypted once when the write came back through the storage watch) and
// ConfigMap creates (not encrypted: the control); batches alternate between the two servers for
// many rounds, so load and heap are shared alike. Reports per side the median ops/s and CPU time
// per request (client + server in this process), and the cost in percent. Then the
// transformers alone: µs per encrypt and decrypt of a 1 KiB Secret for each provider, and the
// time to start a server on 5,000 encrypted Secrets (every value decrypted to fill the cache).
//
//   node dist/bench/encryption.bench.js [--rounds 15] [--concurrency 4]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startApiServer, loadEncryptionConfig, type RunningApiServer, type EncryptionConfig } from '../src/apiserver/index.js';
import { SqliteStore } from '../src/storage/index.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, concurrency: { type: 'string', default: '4' } }, strict: true });
const ROUNDS = Number(args.rounds);
const CONC = Number(args.concurrency);
const SEED = 300;
const BATCH = { 'secret-create': 400, 'secret-get': 3000, 'configmap-create': 400 } as const;
type Mode = keyof typeof BATCH;
const MODES = Object.keys(BATCH) as Mode[];
const STARTUP_SECRETS = 5000;

setTimeout(() => {
  process.stderr.write('encryption.bench: hard time limit of 20 min reached\n');
  process.exit(2);
}, 20 * 60_000).unref();

const configText = (provider: string, bytes: number): string =>
  JSON.stringify({ kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources: [{ resources: ['secrets'], providers: [{ [provider]: { keys: [{ name: 'key1', secret: randomBytes(bytes).toString('base64') }] } }, { identity: {} }] }] });

interface Side {
  name: 'encryption-off' | 'encryption-on';
  api: RunningApiServer;
  store: SqliteStore;
  dir: string;
  agent: http.Agent;
  created: number;
  results: Record<Mode, { opsPerS: number[]; cpuUs: number[] }>;
}

function request(s: Side, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.request({ socketPath: join(s.dir, 'api.sock'), method, path, agent: s.agent, headers: body ? { 'content-type': 'application/json' } : {} }, (m) => {
      m.resume();
      m.on('end', () => resolve(m.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end(body);
  });
}

const DATA = { payload: randomBytes(768).toString('base64') }; // 1 KiB of base64
const secret = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data: DATA });
const configMap = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { payload: DATA.payload } });

async function startSide(name: Side['name'], dir: string, encryption?: EncryptionConfig): Promise<{ api: RunningApiServer; store: SqliteStore }> {
  const store = new SqliteStore(join(dir, 'state.db'));
  const api = await startApiServer({ store, dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCIDR: '10.43.0.0/16', nodePortRange: { from: 30000, to: 32767 }, loopbackSocket: join(dir, 'api.sock'), encryption });
  return { api, store };
}

async function side(name: Side['name'], encryption?: EncryptionConfig): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `k8ts-bench-encryption-${name}-`));
  const { api, store } = await startSide(name, dir, encryption);
  const s: Side = { name, api, store, dir, agent: new http.Agent({ keepAlive: true, maxSockets: CONC }), created: 0, results: { 'secret-create': { opsPerS: [], cpuUs: [] }, 'secret-get': { opsPerS: [], cpuUs: [] }, 'configmap-create': { opsPerS: [], cpuUs: [] } } };
  for (let i = 0; i < SEED; i++) {
    const code = await request(s, 'POST', '/api/v1/namespaces/default/secrets', secret(`seed-${i}`));
    if (code !== 201) throw new Error(`${name}: seeding: HTTP ${code}`);
  }
  return s;
}

async function batch(s: Side, mode: Mode): Promise<void> {
  const n = BATCH[mode];
  let next = 0;
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const code =
        mode === 'secret-get' ? await request(s, 'GET', `/api/v1/namespaces/default/secrets/seed-${i % SEED}`)
        : mode === 'secret-create' ? await request(s, 'POST', '/api/v1/namespaces/default/secrets', secret(`s-${s.created++}`))
        : await request(s, 'POST', '/api/v1/namespaces/default/configmaps', configMap(`c-${s.created++}`));
      if (code !== 200 && code !== 201) throw new Error(`${s.name}: ${mode}: HTTP ${code}`);
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(t0);
  s.results[mode].opsPerS.push((n / wall) * 1000);
  s.results[mode].cpuUs.push((cpu.user + cpu.system) / n);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** µs per toStorage and fromStorage of one 1 KiB Secret, per provider. */
async function micro(): Promise<Array<{ provider: string; encUs: number; decUs: number; storedBytes: number }>> {
  const plain = secret('micro');
  const key = '/registry/core/secrets/default/micro';
  const out = [];
  for (const [provider, bytes] of [['aescbc', 32], ['aesgcm', 32], ['secretbox', 32]] as const) {
    const t = (await loadEncryptionConfig(configText(provider, bytes))).transformerFor('', 'secrets')!;
    const N = 20_000;
    let stored = '';
    for (let i = 0; i < 2000; i++) t.fromStorage(t.toStorage(plain, key), key); // warm up
    let w = performance.now();
    for (let i = 0; i < N; i++) stored = t.toStorage(plain, key);
    const encUs = ((performance.now() - w) * 1000) / N;
    w = performance.now();
    for (let i = 0; i < N; i++) t.fromStorage(stored, key);
    const decUs = ((performance.now() - w) * 1000) / N;
    out.push({ provider, encUs, decUs, storedBytes: stored.length });
  }
  return out;
}

/** ms to start an API server (every watch cache filled) on STARTUP_SECRETS Secrets, with and without encryption. */
async function startup(encryption: EncryptionConfig): Promise<{ off: number; on: number }> {
  const res: { off: number; on: number } = { off: 0, on: 0 };
  for (const which of ['off', 'on'] as const) {
    const dir = mkdtempSync(join(tmpdir(), `k8ts-bench-encryption-startup-${which}-`));
    try {
      const enc = which === 'on' ? encryption : undefined;
      const first = await startSide(which === 'on' ? 'encryption-on' : 'encryption-off', dir, enc);
      const s: Side = { name: 'encryption-on', api: first.api, store: first.store, dir, agent: new http.Agent({ keepAlive: true, maxSockets: CONC }), created: 0, results: {} as Side['results'] };
      let next = 0;
      await Promise.all(Array.from({ length: CONC }, async () => {
        while (next < STARTUP_SECRETS) await request(s, 'POST', '/api/v1/namespaces/default/secrets', secret(`st-${next++}`));
      }));
      s.agent.destroy();
      await first.api.close();
      await first.store.close();
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const again = await startSide(s.name, dir, enc);
        times.push(performance.now() - t);
        await again.api.close();
        await again.store.close();
      }
      res[which] = median(times);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return res;
}

async function main(): Promise<void> {
  const sides: Side[] = [];
  const encryption = await loadEncryptionConfig(configText('aescbc', 32));
  try {
    sides.push(await side('encryption-off'), await side('encryption-on', encryption));
    for (const s of sides) for (const m of MODES) await batch(s, m); // warm-up round, not counted
    for (const s of sides) for (const m of MODES) s.results[m] = { opsPerS: [], cpuUs: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...sides].reverse() : sides;
      for (const m of MODES) for (const s of order) await batch(s, m);
    }
    console.log(`encryption at rest, Secrets under aescbc (${ROUNDS} rounds, concurrency ${CONC}, loopback socket, SQLite; medians)`);
    console.log('mode              side             ops/s   CPU µs/req');
    for (const m of MODES) {
      for (const s of sides) console.log(`${m.padEnd(17)} ${s.name.padEnd(15)} ${median(s.results[m].opsPerS).toFixed(0).padStart(6)}   ${median(s.results[m].cpuUs).toFixed(0).padStart(6)}`);
      const [off, on] = sides;
      const cost = (median(on.results[m].cpuUs) / median(off.results[m].cpuUs) - 1) * 100;
      const tput = (median(on.results[m].opsPerS) / median(off.results[m].opsPerS) - 1) * 100;
      console.log(`${m.padEnd(17)} cost: CPU ${cost >= 0 ? '+' : ''}${cost.toFixed(1)}% per request, throughput ${tput >= 0 ? '+' : ''}${tput.toFixed(1)}%`);
    }
  } finally {
    for (const s of sides) {
      s.agent.destroy();
      await s.api.close();
      await s.store.close();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
  console.log('\ntransformer alone, one 1 KiB Secret (µs per call):');
  for (const m of await micro()) console.log(`  ${m.provider.padEnd(10)} encrypt ${m.encUs.toFixed(1).padStart(5)}  decrypt ${m.decUs.toFixed(1).padStart(5)}  stored ${m.storedBytes} chars`);
  const st = await startup(encryption);
  console.log(`\nstart on ${STARTUP_SECRETS} Secrets (watch caches filled; median of 3): ${st.off.toFixed(0)} ms plain, ${st.on.toFixed(0)} ms encrypted (+${(st.on - st.off).toFixed(0)} ms)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
