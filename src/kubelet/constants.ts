// Event reasons, waiting reasons, condition types and runtime label keys the kubelet uses.
// Reasons are upstream's (pkg/kubelet/events and pkg/kubelet/images), so `kubectl describe`
// reads the same as against a real kubelet.

export const COMPONENT = 'kubelet';
export const KUBELET_VERSION = 'v1.32.3-k8ts';

// ---- event reasons ----
export const EVENT = {
  Pulling: 'Pulling',
  Pulled: 'Pulled',
  Failed: 'Failed',
  BackOff: 'BackOff',
  ErrImageNeverPull: 'ErrImageNeverPull',
  Created: 'Created',
  Started: 'Started',
  Killing: 'Killing',
  Unhealthy: 'Unhealthy',
  FailedPostStartHook: 'FailedPostStartHook',
  FailedPreStopHook: 'FailedPreStopHook',
  FailedMount: 'FailedMount',
  FailedCreatePodSandBox: 'FailedCreatePodSandBox',
  SandboxChanged: 'SandboxChanged',
  NodeReady: 'NodeReady',
  NodeNotReady: 'NodeNotReady',
  Starting: 'Starting',
  RegisteredNode: 'RegisteredNode',
  NodeHasSufficientMemory: 'NodeHasSufficientMemory',
  NodeHasInsufficientMemory: 'NodeHasInsufficientMemory',
  NodeHasNoDiskPressure: 'NodeHasNoDiskPressure',
  NodeHasDiskPressure: 'NodeHasDiskPressure',
  NodeHasSufficientPID: 'NodeHasSufficientPID',
  NodeHasInsufficientPID: 'NodeHasInsufficientPID',
} as const;

// ---- container waiting reasons ----
export const WAITING = {
  ContainerCreating: 'ContainerCreating',
  PodInitializing: 'PodInitializing',
  CrashLoopBackOff: 'CrashLoopBackOff',
  ErrImagePull: 'ErrImagePull',
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImageNeverPull: 'ErrImageNeverPull',
  InvalidImageName: 'InvalidImageName',
  CreateContainerConfigError: 'CreateContainerConfigError',
  CreateContainerError: 'CreateContainerError',
  RunContainerError: 'RunContainerError',
  PostStartHookError: 'PostStartHookError',
} as const;

// ---- pod condition types ----
export const COND = {
  PodReadyToStartContainers: 'PodReadyToStartContainers',
  Initialized: 'Initialized',
  ContainersReady: 'ContainersReady',
  Ready: 'Ready',
  PodScheduled: 'PodScheduled',
} as const;

// ---- labels the kubelet puts on sandboxes and containers (re-adoption after a restart) ----
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** `init` or `app`. */
export const LABEL_CONTAINER_TYPE = 'io.k8ts.container.type';
/** Container restart attempt (also in ContainerStatus.attempt). */
export const LABEL_CONTAINER_ATTEMPT = 'io.k8ts.container.attempt';
/** The pod's terminationGracePeriodSeconds when the container started. */
export const ANNOTATION_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';

/** Default pids limit per container. */
export const DEFAULT_PIDS_LIMIT = 4096;
