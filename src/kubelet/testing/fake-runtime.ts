// An in-memory RuntimeService + ImageService for kubelet tests. Nothing runs: containers
// change state when the test says so (exitContainer), or as `behavior` dictates when they
// start. Time comes from the injected clock, so startedAt/finishedAt are deterministic.
//
//   createContainer ─▶ created ─startContainer─▶ running ─exitContainer/stop─▶ exited
//                                                  └─ behavior 'exit' (now, or afterMs later)
import { PassThrough, Duplex } from 'node:stream';
import type {
  ContainerConfig, ContainerStatus, ExecResult, ImageInfo, ImageService, ImageSpec, PodSandboxConfig, PodSandboxStatus,
  PullAuth, RuntimeService, StreamSession, ImageConfig,
} from '../../runtime/types.js';
import { realClock, type Clock } from '../../client/controller-types.js';
import { timerClockOf, type TimerClock } from '../../client/workqueue/index.js';
import { fnv1a } from '../../util/hash.js';
import { ERR_RUNTIME_FAKE } from '../../util/error-codes.js';

export type FakeBehavior =
  | { kind: 'run' }
  /** Exits with `exitCode` at start (or `afterMs` later); `reason` defaults to Completed/Error. */
  | { kind: 'exit'; exitCode: number; reason?: string; afterMs?: number };

export interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
}

export interface FakeRuntimeOptions {
  clock?: Clock;
  /** First three octets of pod IPs (default 10.42.0). */
  ipPrefix?: string;
}

export class FakeRuntimeError extends Error {
  readonly code = ERR_RUNTIME_FAKE;
}

export class FakeRuntime implements RuntimeService, ImageService {
  readonly name = 'fake';
  readonly sandboxes = new Map<string, PodSandboxStatus>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, ImageInfo>();
  /** Every call, e.g. `startContainer web` or `pullImage docker.io/library/nginx:1.25`. */
  readonly calls: string[] = [];
  /** Decides what a container does when started (default: keeps running). */
  behavior: (config: ContainerConfig, sandbox: PodSandboxStatus) => FakeBehavior = () => ({ kind: 'run' });
  /** Answers execSync (probes, hooks); default exit 0. */
  execHandler: (c: FakeContainer, cmd: string[]) => ExecResult | Promise<ExecResult> = () => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
  /** Answers portForward; default refuses. */
  portForwardHandler?: (sandbox: PodSandboxStatus, port: number) => Promise<Duplex>;
  /** Exit code a stopped container reports (SIGTERM honoured). */
  stopExitCode = 0;
  /** Pull failures by ref: the next pulls throw this error until removed. */
  readonly pullErrors = new Map<string, Error>();
  /** Sandbox IP to hand out next (otherwise sequential). */
  nextSandboxIP?: string;

  private readonly clock: TimerClock;
  private seq = 0;
  private ipSeq = 2;
  private readonly ipPrefix: string;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.clock = timerClockOf(opts.clock ?? realClock);
    this.ipPrefix = opts.ipPrefix ?? '10.42.0';
  }

  // ---- test controls ----

  /** Registers an image as present. */
  addImage(ref: string, config: ImageConfig = { Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['serve'], Env: ['PATH=/usr/bin:/bin'] }, sizeBytes = 1000): ImageInfo {
    const info: ImageInfo = { id: `sha256:${hex(ref)}`, repoTags: [ref], repoDigests: [`${ref.replace(/:[^:/]+$/, '')}@sha256:${hex('d' + ref)}`], sizeBytes, config };
    this.images.set(ref, info);
    return info;
  }

  /** Latest container (highest attempt) named `name` in the sandbox of pod `podUid`. */
  find(podUid: string, name: string): FakeContainer | undefined {
    let best: FakeContainer | undefined;
    for (const c of this.containers.values()) {
      const sb = this.sandboxes.get(c.status.sandboxId);
      if (sb?.config.uid !== podUid || c.status.name !== name) continue;
      if (!best || c.status.attempt > best.status.attempt || (c.status.attempt === best.status.attempt && c.status.createdAt > best.status.createdAt)) best = c;
    }
    return best;
  }

  /** Makes a running container exit (a crash, an OOM kill with reason 'OOMKilled'...). */
  exitContainer(id: string, exitCode: number, reason?: string): void {
    const c = this.containers.get(id);
    if (!c || c.status.state !== 'running') return;
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.finishedAt = this.clock.now();
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    c.status.pid = undefined;
  }

  countCalls(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }

  // ---- RuntimeService ----

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: 'runc', runtimeVersion: '1.1.5-fake' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = this.newId('sb');
    this.calls.push(`runPodSandbox ${config.namespace}/${config.name}`);
    const ip = config.hostNetwork ? '' : (this.nextSandboxIP ?? `${this.ipPrefix}.${this.ipSeq++}`);
    this.nextSandboxIP = undefined;
    this.sandboxes.set(id, { id, state: 'ready', createdAt: this.clock.now(), ip, netnsPath: config.hostNetwork ? '' : `/var/run/netns/${id}`, config: structuredClone(config) });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${this.sandboxes.get(id)?.config.name ?? id}`);
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.status.sandboxId === id) this.exitContainer(c.status.id, 137);
    sb.state = 'notready';
  }

  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${this.sandboxes.get(id)?.config.name ?? id}`);
    for (const [cid, c] of this.containers) if (c.status.sandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const s = this.sandboxes.get(id);
    return s && structuredClone(s);
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => structuredClone(s));
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new FakeRuntimeError(`sandbox ${sandboxId} not found`);
    const id = this.newId('c');
    this.calls.push(`createContainer ${config.name}`);
    const info = this.images.get(config.image) ?? [...this.images.values()].find((i) => i.id === config.image);
    this.containers.set(id, {
      config: structuredClone(config),
      status: {
        id, sandboxId, name: config.name, attempt: config.attempt, state: 'created', image: config.image, imageRef: info?.id ?? config.image,
        createdAt: this.clock.now(), logPath: config.logPath, labels: { ...config.labels },
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new FakeRuntimeError(`container ${id} not found`);
    this.calls.push(`startContainer ${c.config.name}`);
    c.status.state = 'running';
    c.status.startedAt = this.clock.now();
    c.status.pid = 1000 + this.seq;
    const sb = this.sandboxes.get(c.status.sandboxId)!;
    const b = this.behavior(c.config, sb);
    if (b.kind === 'exit') {
      if (b.afterMs && b.afterMs > 0) this.clock.setTimer(() => this.exitContainer(id, b.exitCode, b.reason), b.afterMs);
      else this.exitContainer(id, b.exitCode, b.reason);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    this.calls.push(`stopContainer ${c?.config.name ?? id} ${timeoutSeconds}`);
    if (!c) return;
    if (c.status.state === 'running') this.exitContainer(id, this.stopExitCode);
    else if (c.status.state === 'created') {
      c.status.state = 'exited';
      c.status.exitCode = 0;
      c.status.finishedAt = this.clock.now();
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push(`removeContainer ${this.containers.get(id)?.config.name ?? id}`);
    this.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && structuredClone(c.status);
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => !filter?.sandboxId || c.status.sandboxId === filter.sandboxId).map((c) => structuredClone(c.status));
  }

  async execSync(id: string, cmd: string[], _timeoutSeconds: number): Promise<ExecResult> {
    const c = this.containers.get(id);
    if (!c || c.status.state !== 'running') throw new FakeRuntimeError(`container ${id} is not running`);
    this.calls.push(`execSync ${c.config.name} ${cmd.join(' ')}`);
    return this.execHandler(c, cmd);
  }

  async exec(id: string, cmd: string[], _opts: { tty: boolean; stdin: boolean }): Promise<StreamSession> {
    const r = await this.execSync(id, cmd, 0);
    return session(r);
  }

  async attach(id: string, _opts: { stdin: boolean; tty: boolean }): Promise<StreamSession> {
    if (!this.containers.has(id)) throw new FakeRuntimeError(`container ${id} not found`);
    return session({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb || !this.portForwardHandler) throw new FakeRuntimeError(`connection refused: ${sandboxId}:${port}`);
    return this.portForwardHandler(sb, port);
  }

  // ---- ImageService ----

  async pullImage(image: ImageSpec, _auth?: PullAuth): Promise<ImageInfo> {
    this.calls.push(`pullImage ${image.ref}`);
    const err = this.pullErrors.get(image.ref);
    if (err) throw err;
    return this.images.get(image.ref) ?? this.addImage(image.ref);
  }

  async imageStatus(image: ImageSpec): Promise<ImageInfo | undefined> {
    return this.images.get(image.ref);
  }

  async listImages(): Promise<ImageInfo[]> {
    return [...this.images.values()];
  }

  async removeImage(image: ImageSpec): Promise<void> {
    this.images.delete(image.ref);
  }

  private newId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(16).padStart(6, '0')}${'0'.repeat(10)}`;
  }
}

function hex(s: string): string {
  const h = fnv1a(new TextEncoder().encode(s));
  return h.toString(16).padStart(8, '0').repeat(8);
}

function session(r: ExecResult): StreamSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end(r.stdout);
  stderr.end(r.stderr);
  return { stdout, stderr, exit: Promise.resolve(r.exitCode), kill: () => {} };
}
