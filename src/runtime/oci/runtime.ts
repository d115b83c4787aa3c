// OciRuntime: the RuntimeService on runc + conmon + overlayfs + a PodNetwork.
//
//   runPodSandbox:  unshare --net/--ipc/--uts (persisted) ─┬─▶ network.setup ─▶ hosts file
//                   resolv.conf, hostname files ─────────────┘
//                   (first: the pod cgroup made ready by the cgroup driver, cgroup-driver.ts)
//   createContainer: layers ─▶ overlay mount ─▶ config.json (buildOciSpec) ─▶ conmon → runc create
//   startContainer:  runc start           stop: runc kill TERM … KILL      remove: runc delete, umount
//
// Everything is on disk under `root`, so a restarted agent re-adopts sandboxes and containers
// (conmon keeps supervising; nothing is restarted):
//   <root>/sandboxes/<id>.json, <root>/sandboxes/<id>/{hosts,resolv.conf,hostname,ipc,uts}
//   <root>/containers/<id>/{meta.json,config.json,rootfs,upper,work,pid,conmon.pid,conmon.log,oom}
//   <root>/exits/<id>  (conmon: exit code)   <root>/runc (runc --root)   <root>/socks (conmon)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type {
  ContainerConfig,
  ContainerState,
  ContainerStatus,
  ExecResult,
  ImageConfig,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeService,
  SandboxState,
  StreamSession,
} from '../types.js';
import { RuntimeError, isEnoent, isRecord, readJson, run, writeFileAtomic } from '../network/exec.js';
import type { PodNetwork } from '../network/types.js';
import { createCgroupDriver, type CgroupDriver, type CgroupStats } from './cgroup-driver.js';
import { conmonCreate } from './conmon.js';
import { createPodNamespaces, isMountPoint, releaseNamespaceFiles, renderHostsFile, sanitizeHostname } from './sandbox-files.js';
import { buildOciSpec, resolveImageUser, type ResolvedUser } from './spec.js';
import { attachByLog, execStream, execSync, netnsConnect, type RuncTarget } from './streams.js';
import { ERR_RUNTIME_COMMAND, ERR_RUNTIME_INVALID, ERR_RUNTIME_NOT_FOUND } from '../../util/error-codes.js';

/** Unpacked image layers for a container root: the image service implements this. */
export interface RootfsProvider {
  /** Layer directories, top-most first (overlayfs lowerdir order), plus the image config. */
  layersFor(imageRef: string): Promise<{ imageId: string; layers: string[]; config?: ImageConfig }>;
}

export interface OciRuntimeOptions {
  /** State directory, e.g. `<data-dir>/runtime`. */
  root: string;
  runcPath?: string;
  conmonPath?: string;
  tiniPath?: string;
  rootfs: RootfsProvider;
  network: PodNetwork;
  /** Parent of pod cgroups when a sandbox config has no cgroupParent (default `/k8ts`). */
  cgroupRoot?: string;
  /** The cgroup driver (default: detected over /sys/fs/cgroup on first use). */
  cgroups?: CgroupDriver;
  /** Prefix of netns names (default `k8ts`): `/var/run/netns/<prefix>-<sandbox id[:12]>`. */
  namePrefix?: string;
  /** conmon --log-size-max (default 10 MiB). */
  logSizeMax?: number;
}

interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: number;
  state: SandboxState;
  ip: string;
  netnsPath: string;
  ipcNsPath: string;
  utsNsPath: string;
  cgroupParent: string;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  imageId: string;
  createdAt: number;
  startedAt?: number;
  cgroupsPath: string;
  stopSignal?: string;
  /** Settled once the container has exited, so it survives cgroup removal. */
  oomKilled?: boolean;
}

function isSandboxRecord(v: unknown): v is SandboxRecord {
  return isRecord(v) && typeof v.id === 'string' && isRecord(v.config) && typeof v.netnsPath === 'string';
}
function isContainerRecord(v: unknown): v is ContainerRecord {
  return isRecord(v) && typeof v.id === 'string' && typeof v.sandboxId === 'string' && isRecord(v.config);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OciRuntime implements RuntimeService {
  readonly name = 'oci';
  readonly runcPath: string;
  readonly conmonPath: string;
  readonly tiniPath: string;
  readonly cgroupRoot: string;
  readonly prefix: string;
  private readonly dirs: { sandboxes: string; containers: string; exits: string; runc: string; socks: string };
  private ready: Promise<void> | undefined;
  private detectedCgroups: CgroupDriver | undefined;

  constructor(private readonly opts: OciRuntimeOptions) {
    this.runcPath = opts.runcPath ?? '/usr/sbin/runc';
    this.conmonPath = opts.conmonPath ?? '/usr/bin/conmon';
    this.tiniPath = opts.tiniPath ?? '/usr/bin/tini-static';
    this.cgroupRoot = opts.cgroupRoot ?? '/k8ts';
    this.prefix = opts.namePrefix ?? 'k8ts';
    const r = opts.root;
    this.dirs = { sandboxes: join(r, 'sandboxes'), containers: join(r, 'containers'), exits: join(r, 'exits'), runc: join(r, 'runc'), socks: join(r, 'socks') };
  }

  /** The cgroup driver: v1 (and hybrid) or v2, by the host's hierarchy. */
  get cgroups(): CgroupDriver {
    return this.opts.cgroups ?? (this.detectedCgroups ??= createCgroupDriver());
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      for (const d of Object.values(this.dirs)) await mkdir(d, { recursive: true });
    })();
    return this.ready;
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const r = await run(this.runcPath, ['--version']);
    const m = /runc version (\S+)/.exec(r.stdout);
    return { runtimeName: 'runc', runtimeVersion: m?.[1] ?? 'unknown' };
  }

  // ───────────────────────────── sandboxes ─────────────────────────────

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await this.init();
    const id = randomBytes(16).toString('hex');
    const dir = join(this.dirs.sandboxes, id);
    await mkdir(dir, { recursive: true });
    const hostNetwork = config.hostNetwork;
    const rec: SandboxRecord = {
      id,
      config,
      createdAt: Date.now(),
      state: 'notready',
      ip: '',
      netnsPath: hostNetwork ? '' : `/var/run/netns/${this.prefix}-${id.slice(0, 12)}`,
      ipcNsPath: join(dir, 'ipc'),
      // Host-network pods keep the node's UTS namespace (their hostname is the node's), as upstream.
      utsNsPath: hostNetwork ? '' : join(dir, 'uts'),
      cgroupParent: config.cgroupParent || `${this.cgroupRoot}/pod${config.uid}`,
    };
    await this.saveSandbox(rec); // first, so a failure halfway is cleaned up by removePodSandbox
    try {
      // v2: the pod cgroup and its ancestors with the controllers enabled, before any container.
      await this.cgroups.ensurePodCgroup(rec.cgroupParent);
      const hostname = hostNetwork ? (await readFile('/proc/sys/kernel/hostname', 'utf8')).trim() : sanitizeHostname(config.hostname || config.name);
      await Promise.all([
        createPodNamespaces(rec.ipcNsPath, rec.utsNsPath || undefined, hostname, rec.netnsPath || undefined),
        config.resolvConf !== undefined ? writeFile(join(dir, 'resolv.conf'), config.resolvConf) : copyFile('/etc/resolv.conf', join(dir, 'resolv.conf')),
        writeFile(join(dir, 'hostname'), hostname + '\n'),
      ]);
      if (rec.netnsPath) {
        const net = await this.opts.network.setup({ sandboxId: id, netnsPath: rec.netnsPath, portMappings: config.portMappings, podName: config.name, podNamespace: config.namespace });
        rec.ip = net.ip;
      }
      if (config.hostsFile !== undefined) await writeFile(join(dir, 'hosts'), config.hostsFile);
      else if (hostNetwork) await copyFile('/etc/hosts', join(dir, 'hosts'));
      else await writeFile(join(dir, 'hosts'), renderHostsFile(rec.ip, hostname));
      rec.state = 'ready';
      await this.saveSandbox(rec);
      return id;
    } catch (e) {
      await this.removePodSandbox(id).catch(() => undefined);
      throw e;
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    const rec = await this.loadSandbox(id);
    if (!rec) return; // CRI: stopping an unknown sandbox is not an error
    for (const c of await this.containerRecords(id)) await this.stopContainer(c.id, 0);
    if (rec.netnsPath) {
      await this.opts.network.teardown(id);
      // Stop runs again on remove: spawn `ip netns del` only while the namespace is there.
      if (await access(rec.netnsPath).then(() => true, () => false)) await run('ip', ['netns', 'del', rec.netnsPath.split('/').pop()!], { allowFailure: true });
    }
    if (rec.state !== 'notready') {
      rec.state = 'notready';
      await this.saveSandbox(rec);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const rec = await this.loadSandbox(id);
    if (!rec) return;
    await this.stopPodSandbox(id);
    for (const c of await this.containerRecords(id)) await this.removeContainer(c.id);
    await releaseNamespaceFiles([rec.ipcNsPath, rec.utsNsPath]);
    await rm(join(this.dirs.sandboxes, id), { recursive: true, force: true });
    await rm(join(this.dirs.sandboxes, `${id}.json`), { force: true });
    await this.forgetSandbox(id);
    // The pod cgroup is shared by the pod's sandbox attempts: remove it with the last one.
    const others = (await this.sandboxRecords()).filter((s) => s.cgroupParent === rec.cgroupParent);
    if (!others.length) await this.cgroups.remove(rec.cgroupParent);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const rec = await this.loadSandbox(id);
    return rec && (await toSandboxStatus(rec));
  }

  async listPodSandboxes(filter?: { podUid?: string }): Promise<PodSandboxStatus[]> {
    let recs = await this.sandboxRecords();
    // Before the status (one access() per sandbox): a pod's sync must not cost O(sandboxes on the node).
    if (filter?.podUid !== undefined) recs = recs.filter((r) => r.config.uid === filter.podUid);
    return Promise.all(recs.map(toSandboxStatus));
  }

  // ───────────────────────────── containers ─────────────────────────────

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    await this.init();
    const sb = await this.loadSandbox(sandboxId);
    if (!sb) throw new RuntimeError(ERR_RUNTIME_NOT_FOUND, `pod sandbox ${sandboxId} not found`);
    if (sb.state !== 'ready') throw new RuntimeError(ERR_RUNTIME_INVALID, `pod sandbox ${sandboxId} is not ready`);
    const image = await this.opts.rootfs.layersFor(config.image);
    if (!image.layers.length) throw new RuntimeError(ERR_RUNTIME_INVALID, `image ${config.image} has no layers`);
    const imageConfig = image.config ?? {};
    const id = randomBytes(16).toString('hex');
    const cdir = join(this.dirs.containers, id);
    const rootfs = join(cdir, 'rootfs');
    const rec: ContainerRecord = {
      id,
      sandboxId,
      config,
      imageId: image.imageId,
      createdAt: Date.now(),
      cgroupsPath: `${sb.cgroupParent}/${id}`,
      stopSignal: imageConfig.StopSignal || undefined,
    };
    try {
      await Promise.all([mkdir(join(cdir, 'upper'), { recursive: true }), mkdir(join(cdir, 'work'), { recursive: true }), mkdir(rootfs, { recursive: true })]);
      await this.saveContainer(rec);
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${image.layers.join(':')},upperdir=${join(cdir, 'upper')},workdir=${join(cdir, 'work')}`, rootfs]);
      const user = await this.resolveUser(rootfs, imageConfig, config);
      const sdir = join(this.dirs.sandboxes, sandboxId);
      const spec = buildOciSpec(
        config,
        imageConfig,
        {
          netnsPath: sb.netnsPath,
          ipcNsPath: sb.ipcNsPath,
          utsNsPath: sb.utsNsPath,
          hostname: sb.utsNsPath ? sanitizeHostname(sb.config.hostname || sb.config.name) : '',
          hostsFile: join(sdir, 'hosts'),
          resolvConf: join(sdir, 'resolv.conf'),
          hostnameFile: join(sdir, 'hostname'),
          cgroupsPath: rec.cgroupsPath,
          cgroupVersion: this.cgroups.version,
        },
        { rootfs, tini: this.tiniPath },
        user,
      );
      await writeFile(join(cdir, 'config.json'), JSON.stringify(spec));
      await mkdir(dirname(config.logPath), { recursive: true });
      await conmonCreate({
        conmonPath: this.conmonPath,
        runcPath: this.runcPath,
        runcRoot: this.dirs.runc,
        id,
        name: config.name,
        bundle: cdir,
        pidFile: join(cdir, 'pid'),
        conmonPidFile: join(cdir, 'conmon.pid'),
        exitDir: this.dirs.exits,
        socketDir: this.dirs.socks,
        persistDir: cdir,
        logPath: config.logPath,
        logSizeMax: this.opts.logSizeMax ?? 10 * 1024 * 1024,
        conmonLog: join(cdir, 'conmon.log'),
        stdin: config.stdin,
        tty: config.tty,
      });
      return id;
    } catch (e) {
      await this.removeContainer(id).catch(() => undefined);
      throw e;
    }
  }

  async startContainer(id: string): Promise<void> {
    const rec = await this.requireContainer(id);
    await run(this.runcPath, ['--root', this.dirs.runc, 'start', id]);
    rec.startedAt = Date.now();
    await this.saveContainer(rec);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const rec = await this.loadContainer(id);
    if (!rec) return;
    const st = await this.probe(rec);
    if (st.state !== 'running' && st.state !== 'created') return;
    if (timeoutSeconds > 0) {
      await this.kill(id, rec.stopSignal ?? 'TERM');
      if (await this.waitExit(id, timeoutSeconds * 1000)) return;
    }
    await this.kill(id, 'KILL');
    if (!(await this.waitExit(id, 10_000))) {
      throw new RuntimeError(ERR_RUNTIME_COMMAND, `container ${id} did not exit 10 s after SIGKILL`);
    }
  }

  async removeContainer(id: string): Promise<void> {
    const rec = await this.loadContainer(id);
    const cdir = join(this.dirs.containers, id);
    if (rec) {
      const st = await this.probe(rec);
      if (st.state === 'running' || st.state === 'created') await this.stopContainer(id, 0).catch(() => undefined);
      await this.settleOom(rec);
    }
    await run(this.runcPath, ['--root', this.dirs.runc, 'delete', '--force', id], { allowFailure: true });
    await this.reapConmon(cdir);
    const rootfs = join(cdir, 'rootfs');
    if (await isMountPoint(rootfs)) {
      const r = await run('umount', [rootfs], { allowFailure: true });
      if (r.code !== 0) await run('umount', ['-l', rootfs], { allowFailure: true });
    }
    if (rec) await this.cgroups.remove(rec.cgroupsPath);
    await this.forgetContainer(id);
    await rm(cdir, { recursive: true, force: true });
    await rm(join(this.dirs.exits, id), { force: true });
    await rm(join(this.dirs.socks, id), { recursive: true, force: true });
  }

  /** CPU and memory usage of a container's cgroup (v1 or v2 files), or undefined when it has none. */
  async containerStats(id: string): Promise<CgroupStats | undefined> {
    const rec = await this.loadContainer(id);
    return rec && this.cgroups.readStats(rec.cgroupsPath);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const rec = await this.loadContainer(id);
    return rec && this.toStatus(rec);
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    const recs = await this.containerRecords(filter?.sandboxId);
    return Promise.all(recs.map((r) => this.toStatus(r)));
  }

  // ───────────────────────────── streaming ─────────────────────────────

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    await this.requireRunning(id);
    return execSync(this.target(id), cmd, timeoutSeconds, this.execPidFile(id));
  }

  async exec(id: string, cmd: string[], opts: { tty: boolean; stdin: boolean }): Promise<StreamSession> {
    await this.requireRunning(id);
    return execStream(this.target(id), cmd, opts, this.execPidFile(id));
  }

  async attach(id: string, opts: { stdin: boolean; tty: boolean }): Promise<StreamSession> {
    const rec = await this.requireContainer(id);
    if (opts.stdin) {
      throw new RuntimeError(ERR_RUNTIME_INVALID, 'attach with stdin is not supported by the oci runtime (conmon attach sockets are SOCK_SEQPACKET); attach without -i follows the output');
    }
    return attachByLog(rec.config.logPath, async () => (await this.probe(rec)).state === 'exited');
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const sb = await this.loadSandbox(sandboxId);
    if (!sb) throw new RuntimeError(ERR_RUNTIME_NOT_FOUND, `pod sandbox ${sandboxId} not found`);
    if (sb.state !== 'ready') throw new RuntimeError(ERR_RUNTIME_INVALID, `pod sandbox ${sandboxId} is not ready`);
    return netnsConnect(process.execPath, sb.netnsPath, port);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private target(id: string): RuncTarget {
    return { runcPath: this.runcPath, runcRoot: this.dirs.runc, id };
  }

  private execPidFile(id: string): string {
    return join(this.dirs.containers, id, `exec-${randomBytes(6).toString('hex')}.pid`);
  }

  private async requireContainer(id: string): Promise<ContainerRecord> {
    const rec = await this.loadContainer(id);
    if (!rec) throw new RuntimeError(ERR_RUNTIME_NOT_FOUND, `container ${id} not found`);
    return rec;
  }

  private async requireRunning(id: string): Promise<ContainerRecord> {
    const rec = await this.requireContainer(id);
    const st = await this.probe(rec);
    if (st.state !== 'running') throw new RuntimeError(ERR_RUNTIME_INVALID, `container ${id} is not running (${st.state})`);
    return rec;
  }

  private async resolveUser(rootfs: string, image: ImageConfig, config: ContainerConfig): Promise<ResolvedUser> {
    const sec = config.security;
    const [passwd, group] = await Promise.all([readFile(join(rootfs, 'etc/passwd'), 'utf8').catch(() => ''), readFile(join(rootfs, 'etc/group'), 'utf8').catch(() => '')]);
    let user: ResolvedUser;
    try {
      user = resolveImageUser(sec.runAsUser !== undefined ? String(sec.runAsUser) : image.User, passwd, group);
    } catch (e) {
      throw new RuntimeError(ERR_RUNTIME_INVALID, (e as Error).message, { cause: e });
    }
    if (sec.runAsGroup !== undefined) user.gid = sec.runAsGroup;
    if (sec.supplementalGroups?.length) user.additionalGids = [...sec.supplementalGroups];
    return user;
  }

  private async kill(id: string, signal: string): Promise<void> {
    await run(this.runcPath, ['--root', this.dirs.runc, 'kill', id, signal.replace(/^SIG/i, '')], { allowFailure: true });
  }

  /** Waits for conmon's exit file. */
  private async waitExit(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await stat(join(this.dirs.exits, id)).then(() => true, () => false)) return true;
      const rec = await this.loadContainer(id);
      if (!rec) return true;
      const st = await this.probe(rec);
      if (st.state === 'exited' || st.state === 'unknown') return true;
      if (Date.now() >= deadline) return false;
      await sleep(20);
    }
  }

  /** conmon exits once the container has and the exit file is written; make sure before deleting its files. */
  private async reapConmon(cdir: string): Promise<void> {
    const pid = Number((await readFile(join(cdir, 'conmon.pid'), 'utf8').catch(() => '')).trim());
    if (!(pid > 1)) return;
    for (let i = 0; i < 100 && isConmon(pid); i++) {
      if (i === 50) process.kill(pid, 'SIGKILL');
      await sleep(20);
    }
  }

  /**
   * Container state without spawning runc: runc's own state.json gives the init pid and its start
   * time (pid reuse check against /proc/<pid>/stat); exec.fifo exists until `runc start`.
   * The exit code comes from conmon's exit file.
   *
   * The PLEG probes every container every second, so the steady state costs one read: the init
   * identity (fixed once runc has created the container) and "started" (never goes back) are
   * remembered per container, and a live init process means no exit file yet (conmon writes it
   * after the process has exited), so the exit file is only looked at once the process is gone.
   */
  private async probe(rec: ContainerRecord): Promise<{ state: ContainerState; pid?: number; exitCode?: number; finishedAt?: number }> {
    let init = this.inits.get(rec.id);
    let hasState = init !== undefined;
    if (!init) {
      const raw = await readJson(join(this.dirs.runc, rec.id, 'state.json')).catch(() => undefined);
      hasState = isRecord(raw);
      const pid = isRecord(raw) && typeof raw.init_process_pid === 'number' ? raw.init_process_pid : 0;
      if (isRecord(raw) && pid > 0) {
        init = { pid, start: String(raw.init_process_start), started: false };
        this.inits.set(rec.id, init);
      }
    }
    if (init && (await processStartTime(init.pid)) === init.start) {
      if (!init.started) init.started = !(await stat(join(this.dirs.runc, rec.id, 'exec.fifo')).then(() => true, () => false));
      return { state: init.started ? 'running' : 'created', pid: init.pid };
    }
    const exitPath = join(this.dirs.exits, rec.id);
    try {
      const [text, st] = await Promise.all([readFile(exitPath, 'utf8'), stat(exitPath)]);
      const code = Number(text.trim());
      return { state: 'exited', exitCode: Number.isFinite(code) ? code : 255, finishedAt: st.mtimeMs };
    } catch (e) {
      if (!isEnoent(e)) throw e;
    }
    // No runc state: conmon never created it, or it is being created right now.
    if (!hasState) return { state: 'created' };
    // The process is gone but conmon has not written the exit file yet (a few ms), or conmon died.
    const cpid = Number((await readFile(join(this.dirs.containers, rec.id, 'conmon.pid'), 'utf8').catch(() => '')).trim());
    if (cpid > 1 && isConmon(cpid)) return { state: 'running', pid: init?.pid ?? 0 };
    return { state: 'unknown' };
  }

  /** Per container id: runc's init process identity, read once from state.json (see probe). */
  private readonly inits = new Map<string, { pid: number; start: string; started: boolean }>();

  private async settleOom(rec: ContainerRecord): Promise<boolean> {
    if (rec.oomKilled !== undefined) return rec.oomKilled;
    const cdir = join(this.dirs.containers, rec.id);
    const marker = await stat(join(cdir, 'oom')).then(() => true, () => false);
    const count = await this.cgroups.readOomKillCount(rec.cgroupsPath);
    rec.oomKilled = marker || (count ?? 0) > 0;
    await this.saveContainer(rec).catch(() => undefined);
    return rec.oomKilled;
  }

  private async toStatus(rec: ContainerRecord): Promise<ContainerStatus> {
    const p = await this.probe(rec);
    const s: ContainerStatus = {
      id: rec.id,
      sandboxId: rec.sandboxId,
      name: rec.config.name,
      attempt: rec.config.attempt,
      state: p.state,
      image: rec.config.image,
      imageRef: rec.imageId,
      createdAt: rec.createdAt,
      logPath: rec.config.logPath,
      labels: rec.config.labels,
    };
    if (rec.startedAt) s.startedAt = rec.startedAt;
    if (p.pid) s.pid = p.pid;
    if (p.state === 'exited') {
      s.exitCode = p.exitCode;
      s.finishedAt = p.finishedAt;
      if (!rec.startedAt) s.startedAt = undefined;
      const oom = p.exitCode !== 0 && (await this.settleOom(rec));
      s.reason = oom ? 'OOMKilled' : p.exitCode === 0 ? 'Completed' : 'Error';
    }
    return s;
  }

  // Records live on disk (they survive an agent restart) and in memory: this process is their
  // only writer, so after one scan of the state dirs every read is served from the maps. Without
  // them each kubelet sync re-read every record of the node: O(pods²) file reads per wave.
  private sandboxCache?: Map<string, SandboxRecord>;
  private containerCache?: Map<string, ContainerRecord>;

  private async loadSandbox(id: string): Promise<SandboxRecord | undefined> {
    if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
    return (await this.sandboxMap()).get(id);
  }

  private async saveSandbox(rec: SandboxRecord): Promise<void> {
    await writeFileAtomic(join(this.dirs.sandboxes, `${rec.id}.json`), JSON.stringify(rec));
    (await this.sandboxMap()).set(rec.id, rec);
  }

  private async sandboxMap(): Promise<Map<string, SandboxRecord>> {
    if (this.sandboxCache) return this.sandboxCache;
    await this.init();
    const m = new Map<string, SandboxRecord>();
    for (const f of await readdir(this.dirs.sandboxes)) {
      if (!f.endsWith('.json') || !/^[0-9a-f]{32}$/.test(f.slice(0, -5))) continue;
      const v = await readJson(join(this.dirs.sandboxes, f)).catch(() => undefined);
      if (isSandboxRecord(v)) m.set(v.id, v);
    }
    return (this.sandboxCache ??= m);
  }

  private async sandboxRecords(): Promise<SandboxRecord[]> {
    return [...(await this.sandboxMap()).values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  private async forgetSandbox(id: string): Promise<void> {
    (await this.sandboxMap()).delete(id);
  }

  private async loadContainer(id: string): Promise<ContainerRecord | undefined> {
    if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
    return (await this.containerMap()).get(id);
  }

  /** Ids removed by this process: a late save (a status probe racing a removal) must not resurrect them. */
  private readonly removedContainers = new Set<string>();

  private async saveContainer(rec: ContainerRecord): Promise<void> {
    if (this.removedContainers.has(rec.id)) return;
    await writeFileAtomic(join(this.dirs.containers, rec.id, 'meta.json'), JSON.stringify(rec));
    (await this.containerMap()).set(rec.id, rec);
  }

  private async containerMap(): Promise<Map<string, ContainerRecord>> {
    if (this.containerCache) return this.containerCache;
    await this.init();
    const m = new Map<string, ContainerRecord>();
    for (const f of await readdir(this.dirs.containers)) {
      if (!/^[0-9a-f]{32}$/.test(f)) continue;
      const v = await readJson(join(this.dirs.containers, f, 'meta.json')).catch(() => undefined);
      if (isContainerRecord(v)) m.set(v.id, v);
    }
    return (this.containerCache ??= m);
  }

  private async forgetContainer(id: string): Promise<void> {
    this.removedContainers.add(id);
    this.inits.delete(id);
    (await this.containerMap()).delete(id);
  }

  private async containerRecords(sandboxId?: string): Promise<ContainerRecord[]> {
    const out: ContainerRecord[] = [];
    for (const r of (await this.containerMap()).values()) if (!sandboxId || r.sandboxId === sandboxId) out.push(r);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }
}

/**
 * A sandbox is ready while its record says so and its network namespace still exists: after a
 * reboot (or anything that removed /run/netns/<name>) the record survives but the sandbox does
 * not, and the kubelet must see it as not ready to create a new one.
 */
async function toSandboxStatus(rec: SandboxRecord): Promise<PodSandboxStatus> {
  let state = rec.state;
  if (state === 'ready' && rec.netnsPath && !(await access(rec.netnsPath).then(() => true, () => false))) state = 'notready';
  return { id: rec.id, state, createdAt: rec.createdAt, ip: rec.ip, netnsPath: state === 'ready' ? rec.netnsPath : '', config: rec.config };
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), as runc records it. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

function isConmon(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // pid reuse guard (a zombie's cmdline is empty)
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('conmon');
  } catch {
    return false;
  }
}
