// config.json for runc, built by a pure function from the container config, the image config
// and the sandbox (namespace paths, per-pod files). No I/O here: see runtime.ts for the bundle.
import type { ContainerConfig, ImageConfig, Mount } from '../types.js';
import { BugError } from '../../util/bug-error.js';
import { runtimeDefaultSeccomp, type SeccompSpec } from './seccomp.js';
import { v2ContainerFiles } from './cgroup-files.js';

/** Docker/containerd's default capability set (runtime.md §1f: runc spec's three are not enough for nginx). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

/** Every capability runc 1.1 knows (kernel 5.9+): what privileged containers get. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's masked and read-only /proc and /sys paths (unprivileged containers). */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Where tini is bind-mounted (read-only) in every container; it is PID 1 and execs the argv. */
export const TINI_PATH = '/.k8ts/tini';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SandboxSpecInput {
  /** Network namespace to join; '' = host network. */
  netnsPath: string;
  /** Persisted IPC and UTS namespaces of the pod (bind-mounted nsfs files); '' = host's. */
  ipcNsPath: string;
  utsNsPath: string;
  hostname: string;
  /** Per-pod files bind-mounted into every container (absent = not mounted). */
  hostsFile?: string;
  resolvConf?: string;
  hostnameFile?: string;
  /** cgroupsPath of this container, e.g. `/k8ts/kubepods/burstable/pod<uid>/<containerId>`. */
  cgroupsPath: string;
  /** The host's cgroup version (default 1): limits as v1 resources, or as v2 files in `unified`. */
  cgroupVersion?: 1 | 2;
}

export interface SpecHostPaths {
  /** Absolute path of the merged rootfs (overlay mountpoint). */
  rootfs: string;
  /** tini-static on the host. */
  tini: string;
}

/** numeric uid/gid resolved by the caller (from securityContext, else image User via /etc/passwd). */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    cgroupsPath: string;
    resources: Record<string, unknown>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    rootfsPropagation?: string;
    seccomp?: SeccompSpec;
  };
  annotations?: Record<string, string>;
}

/** Normalizes `NET_ADMIN` / `CAP_NET_ADMIN` / `net_admin` → `CAP_NET_ADMIN`; `ALL` stays `ALL`. */
export function normalizeCapability(c: string): string {
  const u = c.trim().toUpperCase();
  if (u === 'ALL') return u;
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

export function effectiveCapabilities(sec: ContainerConfig['security']): string[] {
  if (sec.privileged) return [...ALL_CAPABILITIES];
  const drop = new Set((sec.capabilities?.drop ?? []).map(normalizeCapability));
  const add = (sec.capabilities?.add ?? []).map(normalizeCapability);
  let caps: string[] = drop.has('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.has(c));
  if (add.includes('ALL')) caps = [...ALL_CAPABILITIES];
  else for (const c of add) if (!caps.includes(c)) caps.push(c);
  return caps;
}

/** Image Env, then container env on top (same name wins), then PATH and HOSTNAME if missing. */
export function mergeEnv(imageEnv: readonly string[] | null | undefined, env: ContainerConfig['env'], hostname: string): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const put = (k: string, v: string) => {
    if (!values.has(k)) order.push(k);
    values.set(k, v);
  };
  for (const kv of imageEnv ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) put(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const e of env) put(e.name, e.value);
  if (!values.has('PATH')) put('PATH', DEFAULT_PATH.slice(5));
  if (!values.has('HOSTNAME') && hostname) put('HOSTNAME', hostname);
  return order.map((k) => `${k}=${values.get(k)}`);
}

function propagationOption(m: Mount): string {
  switch (m.propagation ?? 'private') {
    case 'private':
      return 'rprivate';
    case 'hostToContainer':
      return 'rslave';
    case 'bidirectional':
      return 'rshared';
    default: {
      const never: never = m.propagation as never;
      throw new BugError(`unknown mount propagation ${String(never)}`);
    }
  }
}

export function buildOciSpec(
  config: ContainerConfig,
  image: ImageConfig,
  sandbox: SandboxSpecInput,
  host: SpecHostPaths,
  user: ResolvedUser,
): OciSpec {
  const privileged = !!config.security.privileged;
  const caps = effectiveCapabilities(config.security);
  if (config.args.length === 0) throw new Error(`container ${config.name}: no command (neither args nor image Entrypoint/Cmd)`);

  const mounts: OciSpec['mounts'] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
    { destination: TINI_PATH, type: 'bind', source: host.tini, options: ['rbind', 'ro', 'nosuid', 'nodev'] },
  ];
  const userDests = new Set(config.mounts.map((m) => m.containerPath));
  const podFile = (dest: string, src: string | undefined) => {
    if (src && !userDests.has(dest)) mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate', 'ro'] });
  };
  podFile('/etc/hosts', sandbox.hostsFile);
  podFile('/etc/resolv.conf', sandbox.resolvConf);
  podFile('/etc/hostname', sandbox.hostnameFile);

  let rootfsPropagation: string | undefined;
  for (const m of config.mounts) {
    if (m.tmpfs) {
      const opts = ['nosuid', 'nodev', 'mode=1777'];
      if (m.tmpfs.sizeBytes) opts.push(`size=${m.tmpfs.sizeBytes}`);
      if (m.readOnly) opts.push('ro');
      mounts.push({ destination: m.containerPath, type: 'tmpfs', source: 'tmpfs', options: opts });
      continue;
    }
    const prop = propagationOption(m);
    if (prop === 'rshared') rootfsPropagation = 'rshared';
    else if (prop === 'rslave' && rootfsPropagation !== 'rshared') rootfsPropagation = 'rslave';
    mounts.push({ destination: m.containerPath, type: 'bind', source: m.hostPath, options: ['rbind', prop, m.readOnly ? 'ro' : 'rw'] });
  }

  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'pid' }, { type: 'mount' }];
  if (sandbox.netnsPath) namespaces.push({ type: 'network', path: sandbox.netnsPath });
  if (sandbox.ipcNsPath) namespaces.push({ type: 'ipc', path: sandbox.ipcNsPath });
  if (sandbox.utsNsPath) namespaces.push({ type: 'uts', path: sandbox.utsNsPath });
  // cgroup v2: a private cgroup namespace, as containerd gives unprivileged containers there, so
  // /sys/fs/cgroup shows the container's own cgroup (memory.max, cpu.max) — on v1 runc binds each
  // hierarchy's container cgroup instead.
  if (sandbox.cgroupVersion === 2 && !privileged) namespaces.push({ type: 'cgroup' });

  const resources: Record<string, unknown> = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
  };
  const r = config.resources;
  if (sandbox.cgroupVersion === 2) {
    // v2: the files themselves (runc writes linux.resources.unified verbatim), so the
    // shares→weight conversion is ours and tested (cgroup-files.ts).
    const unified = v2ContainerFiles(r);
    if (Object.keys(unified).length) resources.unified = unified;
  } else {
    if (r.memoryLimitBytes && r.memoryLimitBytes > 0) resources.memory = { limit: r.memoryLimitBytes };
    const cpu: Record<string, number> = {};
    if (r.cpuShares) cpu.shares = Math.max(2, Math.floor(r.cpuShares));
    if (r.cpuQuota && r.cpuQuota > 0) {
      cpu.quota = Math.floor(r.cpuQuota);
      cpu.period = r.cpuPeriod && r.cpuPeriod > 0 ? Math.floor(r.cpuPeriod) : 100000;
    }
    if (Object.keys(cpu).length) resources.cpu = cpu;
    if (r.pidsLimit && r.pidsLimit > 0) resources.pids = { limit: Math.floor(r.pidsLimit) };
  }

  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: config.tty,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids?.length ? { additionalGids: user.additionalGids } : {}) },
      // tini: signals forwarded to the child (-g: to its process group), zombies reaped.
      args: [TINI_PATH, '-g', '--', ...config.args],
      env: mergeEnv(image.Env, config.env, sandbox.hostname),
      cwd: config.workingDir || image.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: config.security.allowPrivilegeEscalation === false,
    },
    root: { path: host.rootfs, readonly: !!config.security.readOnlyRootFilesystem },
    mounts,
    linux: {
      namespaces,
      cgroupsPath: sandbox.cgroupsPath,
      resources,
      ...(privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
      ...(rootfsPropagation ? { rootfsPropagation } : {}),
      // Privileged containers run unconfined, as upstream.
      ...(config.security.seccompProfile === 'RuntimeDefault' && !privileged ? { seccomp: runtimeDefaultSeccomp(caps) } : {}),
    },
    annotations: { ...config.annotations, 'io.kubernetes.container.name': config.name },
  };
  // runc refuses a hostname without a (new or joined) UTS namespace: host-network pods keep the node's.
  if (sandbox.utsNsPath && sandbox.hostname) spec.hostname = sandbox.hostname;
  return spec;
}

/** Parses an image `User` ("uid", "uid:gid", "name", "name:group") against passwd/group contents. */
export function resolveImageUser(user: string | undefined, passwd: string, group: string): ResolvedUser {
  if (!user) return { uid: 0, gid: 0 };
  const [u, g] = user.split(':', 2) as [string, string | undefined];
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const line = passwd.split('\n').find((l) => l.split(':')[2] === u);
    if (line) gid = Number(line.split(':')[3]);
  } else {
    const line = passwd.split('\n').find((l) => l.split(':')[0] === u);
    if (!line) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(line.split(':')[2]);
    gid = Number(line.split(':')[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const line = group.split('\n').find((l) => l.split(':')[0] === g);
      if (!line) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(line.split(':')[2]);
    }
  }
  return { uid, gid: gid ?? 0 };
}
