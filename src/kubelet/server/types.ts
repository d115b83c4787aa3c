// What the kubelet's streaming server needs from the rest of the agent.
import type { Readable } from 'node:stream';
import type { StatusError } from '../../api/status.js';
import type { RuntimeService } from '../../runtime/index.js';

/** A container as the streaming server needs it (from the agent's pod state). */
export interface ResolvedContainer {
  containerId: string;
  sandboxId: string;
  logPath: string;
  /** Log of the previous (terminated) instance, for `previous=true`. */
  previousLogPath?: string;
  podIP: string;
}

/** Options of one log request (upstream `PodLogOptions`, already validated). */
export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Only entries at or after this instant (from sinceSeconds or sinceTime). */
  since?: Date;
  tailLines?: number;
  limitBytes?: number;
  /** Aborted when the client goes away: a following reader must stop. */
  signal: AbortSignal;
  /** For follow: false once the container has exited (the reader then ends at EOF). */
  isRunning?: () => Promise<boolean>;
}

/** The runtime calls the streaming server makes. */
export type StreamingRuntime = Pick<RuntimeService, 'exec' | 'attach' | 'portForward'> & Partial<Pick<RuntimeService, 'containerStatus'>>;

export interface KubeletServerOptions {
  /** 10250 upstream; 0 picks a free port. */
  port: number;
  bindAddress: string;
  /** Serving certificate and key, and the cluster CA that signs accepted client certificates. */
  tls: { cert: string; key: string; ca: string };
  runtime: StreamingRuntime;
  /**
   * Finds a container of a pod this node runs. `container` is undefined for port-forward,
   * where only `sandboxId` (and `podIP`) matter. Returns (or throws) a StatusError for
   * unknown pods and containers that are not running, e.g. 400 `container "x" in pod "p"
   * is waiting to start: ContainerCreating`.
   */
  resolveContainer(namespace: string, pod: string, container: string | undefined): ResolvedContainer | StatusError | Promise<ResolvedContainer | StatusError>;
  /** Opens a CRI-format log file as the plain text kubectl prints (see cri-log-reader.ts). */
  readLog(path: string, opts: LogOptions): Readable;
  /** Client certificate CNs allowed in (default: the API server's kubelet client). */
  allowedClientCNs?: string[];
  /** Called as each streaming session is accepted, with the negotiated protocol (tests, metrics). */
  onSession?(info: { kind: 'exec' | 'attach' | 'portforward'; transport: 'websocket' | 'spdy'; protocol: string; namespace: string; pod: string }): void;
  /** The /metrics exposition (default: this event loop's registry, src/util/metrics.ts). */
  metrics?(): Promise<{ contentType: string; text: string }>;
  /** The /metrics/resource exposition (containers' CPU and memory from their cgroups); 404 when unset. */
  resourceMetrics?(): Promise<{ contentType: string; text: string }>;
  /** How long exec/attach over SPDY waits for the client to open all its streams (default 30 s). */
  streamCreationTimeoutMs?: number;
}

/** The identity the API server presents to kubelets (upstream's apiserver-kubelet-client). */
export const KUBE_APISERVER_KUBELET_CLIENT = 'system:kube-apiserver-kubelet-client';
