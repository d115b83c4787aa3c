// The runtime interface the kubelet drives, shaped like the CRI (RuntimeService +
// ImageService) but as plain TypeScript: pod sandboxes (a network namespace with an IP),
// containers inside them, images. Two implementations: `oci` (runc + conmon + overlayfs +
// the pod network) and `simulated`.
//
//   RunPodSandbox ─▶ PullImage ─▶ CreateContainer ─▶ StartContainer ─▶ … ─▶ StopContainer
//        │                                                                   │
//        └──────────────────────── StopPodSandbox ─▶ RemovePodSandbox ◀──────┘ RemoveContainer

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIP?: string;
}

export interface PodSandboxConfig {
  /** Pod identity (used in names, labels and the sandbox's directory). */
  name: string;
  namespace: string;
  uid: string;
  /** Restart attempt of the sandbox (0 first). */
  attempt: number;
  hostname: string;
  /** Contents to bind-mount at /etc/hosts and /etc/resolv.conf in every container. */
  hostsFile?: string;
  resolvConf?: string;
  hostNetwork: boolean;
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pod cgroup (e.g. `/k8ts/kubepods/burstable/pod<uid>`: the kubelet's QoS tree); containers go below it. */
  cgroupParent: string;
}

export type SandboxState = 'ready' | 'notready';

export interface PodSandboxStatus {
  id: string;
  state: SandboxState;
  createdAt: number;
  /** Pod IP (empty for hostNetwork pods: they use the host IP). */
  ip: string;
  /** Network namespace path (`/var/run/netns/...`), empty for hostNetwork. */
  netnsPath: string;
  config: PodSandboxConfig;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
  /** rprivate (default), rslave, rshared. */
  propagation?: 'private' | 'hostToContainer' | 'bidirectional';
  /** Mount a fresh tmpfs instead of binding hostPath (emptyDir medium Memory). */
  tmpfs?: { sizeBytes?: number };
}

export interface LinuxResources {
  /** CPU shares (from requests: milliCPU * 1024 / 1000, min 2). */
  cpuShares?: number;
  /** CFS quota and period in µs (from limits). */
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  /**
   * The seccomp profile to apply: RuntimeDefault is the runtime's default deny-list profile;
   * Unconfined (or unset) applies none. Localhost profiles are refused by the kubelet.
   */
  seccompProfile?: 'RuntimeDefault' | 'Unconfined';
}

export interface ContainerConfig {
  /** Container name within the pod. */
  name: string;
  attempt: number;
  /** Image reference as resolved by the image service (an image id or ref it knows). */
  image: string;
  /** Final argv (command/args already merged with the image's Entrypoint/Cmd by the kubelet). */
  args: string[];
  env: Array<{ name: string; value: string }>;
  workingDir?: string;
  mounts: Mount[];
  resources: LinuxResources;
  security: SecurityContext;
  /** Allocate a TTY / keep stdin open (for attach). */
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Where the runtime writes the container's CRI-format log. */
  logPath: string;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  image: string;
  /** Resolved image id, e.g. `sha256:...`. */
  imageRef: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, ... */
  reason?: string;
  message?: string;
  logPath: string;
  pid?: number;
  labels: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** A running streaming exec/attach session: the kubelet's streaming server pipes these. */
export interface StreamSession {
  stdin?: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Absent with a TTY (stderr is merged into stdout). */
  stderr?: NodeJS.ReadableStream;
  /** Applies a terminal size; the promise settles once the terminal has it (callers may ignore it). */
  resize?(cols: number, rows: number): void | Promise<void>;
  /** Resolves with the process's exit code. */
  exit: Promise<number>;
  kill(): void;
}

export interface ImageSpec {
  /** Normalized reference, e.g. `docker.io/library/nginx:1.14-alpine`. */
  ref: string;
}

export interface ImageInfo {
  /** `sha256:<config digest>`. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /** The image config (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts...). */
  config: ImageConfig;
}

export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

export interface PullAuth {
  username?: string;
  password?: string;
  auth?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Usage of a container's cgroup (cgroup v1 or v2 files; upstream's cadvisor metric in each comment). */
export interface ContainerStats {
  /** memory.current (v2) / memory.usage_in_bytes (v1): container_memory_usage_bytes. */
  memoryUsageBytes?: number;
  /** usage minus inactive file pages (memory.stat): container_memory_working_set_bytes. */
  memoryWorkingSetBytes?: number;
  /** cpu.stat usage_usec (v2) / cpuacct.usage (v1), in ns: container_cpu_usage_seconds_total. */
  cpuUsageNanoseconds?: number;
}

export interface RuntimeService {
  readonly name: string;
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  /** podUid: only sandboxes whose config has this uid (a runtime may return more; callers filter again). */
  listPodSandboxes(filter?: { podUid?: string }): Promise<PodSandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM (or the image's StopSignal), then SIGKILL after timeoutSeconds. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;
  /** CPU and memory usage from the container's cgroup (CRI ContainerStats); runtimes without cgroups leave it out. */
  containerStats?(id: string): Promise<ContainerStats | undefined>;

  /** Runs a command to completion (probes, hooks). Times out with exit code 124-like failure. */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  /** Interactive exec for kubectl exec. */
  exec(id: string, cmd: string[], opts: { tty: boolean; stdin: boolean }): Promise<StreamSession>;
  /** Attach to the container's main process streams. */
  attach(id: string, opts: { stdin: boolean; tty: boolean }): Promise<StreamSession>;
  /** Opens a TCP connection to a port inside the sandbox's network namespace. */
  portForward(sandboxId: string, port: number): Promise<import('node:net').Socket | import('node:stream').Duplex>;
}

export interface ImageService {
  pullImage(image: ImageSpec, auth?: PullAuth): Promise<ImageInfo>;
  imageStatus(image: ImageSpec): Promise<ImageInfo | undefined>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(image: ImageSpec): Promise<void>;
}
