// A real single-member etcd (Debian etcd-server, /usr/bin/etcd) for tests: random free
// ports on 127.0.0.1, a temporary data dir, killed and removed by stop().

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = process.env.K8TS_ETCD_BIN ?? '/usr/bin/etcd';

export function haveEtcd(): boolean {
  return existsSync(ETCD_BIN);
}

export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface TestEtcd {
  /** etcd://127.0.0.1:PORT */
  spec: string;
  clientUrl: string;
  dataDir: string;
  /** Output of the process so far (for failure messages). */
  output(): string;
  /** SIGKILL and wait for exit (data dir stays). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data dir. */
  restart(): Promise<void>;
  /** Kills it and removes the data dir. */
  stop(): Promise<void>;
}

export async function startTestEtcd(opts: { dataDir?: string } = {}): Promise<TestEtcd> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-test-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  let out = '';
  const launch = async (): Promise<void> => {
    out = '';
    child = spawn(ETCD_BIN, [
      '--name', 'k8ts-test',
      '--data-dir', join(dataDir, 'member'),
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `k8ts-test=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--logger', 'zap',
      '--log-level', 'warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A test process that ends (even by a timeout) takes its etcd with it.
    const reap = (): void => void child?.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${out.slice(-2000)}`);
      try {
        const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within 15 s: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    spec: `etcd://127.0.0.1:${clientPort}`,
    clientUrl,
    dataDir,
    output: () => out,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestEtcdCluster {
  /** etcd://h:p,h:p,… */
  spec: string;
  clientUrls: string[];
  /** SIGKILL member i (data stays); restartMember(i) brings it back on the same ports and data. */
  killMember(i: number): Promise<void>;
  restartMember(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** The index of the member that leads, asked of each member (v3 HTTP gateway's maintenance status). */
export async function etcdLeaderIndex(clientUrls: readonly string[]): Promise<number> {
  for (let i = 0; i < clientUrls.length; i++) {
    const res = await fetch(`${clientUrls[i]}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) });
    const st = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (st.leader && st.leader === st.header?.member_id) return i;
  }
  throw new Error('no etcd member says it leads');
}

/** `n` plain-HTTP members on 127.0.0.1, random ports, one temp dir; for benchmarks and tests. */
export async function startTestEtcdCluster(n: number): Promise<TestEtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-test-etcd-cluster-'));
  const ports = await Promise.all(Array.from({ length: n }, async () => ({ client: await freePort(), peer: await freePort() })));
  const names = ports.map((_, i) => `k8ts-test-${i}`);
  const initial = ports.map((p, i) => `${names[i]}=http://127.0.0.1:${p.peer}`).join(',');
  const children: Array<ChildProcess | undefined> = [];
  const outs: string[] = ports.map(() => '');
  const launch = (i: number): void => {
    const p = ports[i]!;
    const c = spawn(ETCD_BIN, [
      '--name', names[i]!,
      '--data-dir', join(dir, names[i]!),
      '--listen-client-urls', `http://127.0.0.1:${p.client}`,
      '--advertise-client-urls', `http://127.0.0.1:${p.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${p.peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
      '--initial-cluster', initial,
      '--initial-cluster-state', 'new',
      '--logger', 'zap',
      '--log-level', 'warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const reap = (): void => void c.kill('SIGKILL');
    process.once('exit', reap);
    c.once('exit', () => process.removeListener('exit', reap));
    c.stdout!.on('data', (d: Buffer) => (outs[i] = (outs[i] + d.toString()).slice(-4000)));
    c.stderr!.on('data', (d: Buffer) => (outs[i] = (outs[i] + d.toString()).slice(-4000)));
    children[i] = c;
  };
  const healthy = async (i: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${ports[i]!.client}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${i} not healthy within 30 s: ${outs[i]!.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async (i: number): Promise<void> => {
    const c = children[i];
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  ports.forEach((_, i) => launch(i));
  await Promise.all(ports.map((_, i) => healthy(i)));
  return {
    spec: `etcd://${ports.map((p) => `127.0.0.1:${p.client}`).join(',')}`,
    clientUrls: ports.map((p) => `http://127.0.0.1:${p.client}`),
    killMember: kill,
    restartMember: async (i) => {
      launch(i);
      await healthy(i);
    },
    stop: async () => {
      await Promise.all(ports.map((_, i) => kill(i)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
