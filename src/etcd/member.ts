// The embedded etcd member (k3s's --cluster-init): /usr/bin/etcd (Debian etcd-server 3.4) as a
// child of the server, supervised.
//
//   start() ──spawn──▶ starting ──/health ok──▶ running ──exit (not asked)──▶ restart after backoff
//                                                  └──stop()──▶ SIGTERM (SIGKILL after 10 s) ──▶ stopped
//
// Layout: <data-dir>/etcd/data (the member's own data dir), <data-dir>/etcd/member.json
// (its name and URLs, kept so a restart is the same member), TLS in <data-dir>/tls/etcd/.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdirPrivate, writePrivateFile } from '../util/secure-fs.js';
import { request } from 'node:https';
import { join } from 'node:path';
import { logger } from '../util/log.js';
import type { EtcdTlsPaths } from './etcd-certs.js';

const log = logger('etcd');

export const ETCD_BIN = process.env.K8TS_ETCD_BIN ?? '/usr/bin/etcd';
export const DEFAULT_ETCD_CLIENT_PORT = 2379;
export const DEFAULT_ETCD_PEER_PORT = 2380;

export interface MemberIdentity {
  name: string;
  clientURL: string;
  peerURL: string;
}

export interface MemberOptions {
  dataDir: string;
  identity: MemberIdentity;
  tls: EtcdTlsPaths;
  /** `new` for --cluster-init, `existing` when joining (with the cluster's member list). */
  initialCluster: { state: 'new' | 'existing'; members: string };
}

export function memberDataDir(dataDir: string): string {
  return join(dataDir, 'etcd', 'data');
}

/** Does this data dir already hold an etcd member (a restart, not a first start)? */
export function hasMemberData(dataDir: string): boolean {
  return existsSync(join(memberDataDir(dataDir), 'member'));
}

/** The member's identity: read from <data-dir>/etcd/member.json, or made (name = node name + random suffix, as k3s does). */
export function memberIdentity(dataDir: string, nodeName: string, ip: string, clientPort: number, peerPort: number): MemberIdentity {
  const path = join(dataDir, 'etcd', 'member.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as MemberIdentity;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const id: MemberIdentity = { name: `${nodeName}-${randomBytes(4).toString('hex')}`, clientURL: `https://${host}:${clientPort}`, peerURL: `https://${host}:${peerPort}` };
  mkdirPrivate(join(dataDir, 'etcd'));
  writePrivateFile(path, JSON.stringify(id, null, 2) + '\n', 0o600);
  return id;
}

/** etcd's command line for the member. Pure. */
export function memberArgs(o: MemberOptions): string[] {
  const { identity: id, tls } = o;
  const clientPort = new URL(id.clientURL).port;
  const listenClient = new URL(id.clientURL).hostname === '127.0.0.1' ? id.clientURL : `${id.clientURL},https://127.0.0.1:${clientPort}`;
  return [
    '--name', id.name,
    '--data-dir', memberDataDir(o.dataDir),
    '--listen-client-urls', listenClient,
    '--advertise-client-urls', id.clientURL,
    '--listen-peer-urls', id.peerURL,
    '--initial-advertise-peer-urls', id.peerURL,
    '--initial-cluster', o.initialCluster.members,
    '--initial-cluster-state', o.initialCluster.state,
    '--cert-file', tls.memberCert,
    '--key-file', tls.memberKey,
    '--trusted-ca-file', tls.caFile,
    '--client-cert-auth',
    '--peer-cert-file', tls.memberCert,
    '--peer-key-file', tls.memberKey,
    '--peer-trusted-ca-file', tls.caFile,
    '--peer-client-cert-auth',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

/** GET /health on the member's client URL with the client certificate; true when etcd says healthy. */
export function memberHealthy(clientURL: string, tls: EtcdTlsPaths, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(new URL('/health', clientURL), {
      ca: readFileSync(tls.caFile),
      cert: readFileSync(tls.clientCert),
      key: readFileSync(tls.clientKey),
      timeout: timeoutMs,
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

export class EtcdMember {
  private child?: ChildProcess;
  private stopping = false;
  private backoffMs = 1000;
  private tail = '';
  private restarts = 0;

  constructor(private readonly o: MemberOptions) {}

  get name(): string {
    return this.o.identity.name;
  }

  /** How often the supervisor restarted the member (for tests and logs). */
  get restartCount(): number {
    return this.restarts;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts etcd and resolves once the member is up (its process listens and answers; health
   * may wait for a quorum, so `waitHealthy` is separate). Rejects with one line when etcd exits.
   */
  async start(): Promise<void> {
    if (!existsSync(ETCD_BIN)) throw new Error(`${ETCD_BIN} not found: install Debian's etcd-server package (apt-get install etcd-server)`);
    mkdirPrivate(memberDataDir(this.o.dataDir));
    await this.reapStale();
    this.spawnOnce();
    // Give a broken configuration (bad flags, ports in use) the chance to fail here.
    await new Promise<void>((resolve, reject) => {
      const c = this.child!;
      const onExit = (code: number | null): void => {
        clearTimeout(t);
        reject(new Error(`etcd exited (${code}) at start: ${lastLine(this.tail)}`));
      };
      const t = setTimeout(() => {
        c.removeListener('exit', onExit);
        resolve();
      }, 1000);
      c.once('exit', onExit);
    });
  }

  /** Resolves once /health says true, or rejects after `timeoutMs` with what etcd last said. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await memberHealthy(this.o.identity.clientURL, this.o.tls)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`etcd member ${this.name} is not healthy after ${timeoutMs / 1000} s (${lastLine(this.tail) || 'no output'}): is a quorum of members up?`);
  }

  private get pidFile(): string {
    return join(this.o.dataDir, 'etcd', 'etcd.pid');
  }

  /**
   * A server killed with -9 leaves its etcd child running (holding the ports and the data).
   * The pid file names it; it is ended if it is still that etcd (its command line names our
   * data dir), so the new server's member takes over.
   */
  private async reapStale(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return; // gone
    }
    if (!Number.isInteger(pid) || pid <= 1 || !cmdline.includes(memberDataDir(this.o.dataDir))) return;
    log.warn(`etcd member ${this.name} from a previous run (pid ${pid}) is still running; stopping it`);
    const gone = (): boolean => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!gone()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      for (let i = 0; i < 50 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private spawnOnce(): void {
    const child = spawn(ETCD_BIN, memberArgs(this.o), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (child.pid) writePrivateFile(this.pidFile, `${child.pid}\n`, 0o600);
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopping) return;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(30_000, delay * 2);
      log.warn(`etcd member ${this.name} exited (${signal ?? code}): ${lastLine(this.tail)}; restarting in ${delay / 1000} s`);
      setTimeout(() => {
        if (this.stopping) return;
        this.restarts++;
        this.spawnOnce();
        // A member that stays up for a minute has recovered: the next failure restarts fast again.
        setTimeout(() => {
          if (this.child === child || this.child) this.backoffMs = 1000;
        }, 60_000).unref();
      }, delay).unref();
    });
  }

  /** SIGTERM, SIGKILL after 10 s; resolves when etcd is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const killer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    const j = JSON.parse(last) as { msg?: string; error?: string };
    return [j.msg, j.error].filter(Boolean).join(': ');
  } catch {
    return last.slice(0, 300);
  }
}
