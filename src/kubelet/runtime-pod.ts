// What the runtime holds for one pod: its sandboxes and containers, found by the labels the
// kubelet put on them (pod uid, container name, attempt). This is also how a restarted
// kubelet re-adopts what is running: nothing else is remembered.
import type { ContainerStatus, PodSandboxStatus, RuntimeService } from '../runtime/index.js';
import { LABEL_POD_UID } from './constants.js';

export interface RuntimePod {
  uid: string;
  /** Newest first. */
  sandboxes: PodSandboxStatus[];
  /** Newest first (attempt, then creation time). */
  containers: ContainerStatus[];
}

function newestFirst<T extends { createdAt: number }>(a: T & { attempt?: number }, b: T & { attempt?: number }): number {
  const byAttempt = (b.attempt ?? 0) - (a.attempt ?? 0);
  return byAttempt !== 0 ? byAttempt : b.createdAt - a.createdAt;
}

export function uidOfSandbox(s: Readonly<PodSandboxStatus>): string {
  return s.config.labels?.[LABEL_POD_UID] ?? s.config.uid;
}

/** Groups everything the runtime has by pod uid. Pure. */
export function groupRuntimePods(sandboxes: readonly PodSandboxStatus[], containers: readonly ContainerStatus[]): Map<string, RuntimePod> {
  const out = new Map<string, RuntimePod>();
  const get = (uid: string): RuntimePod => {
    let rp = out.get(uid);
    if (!rp) out.set(uid, (rp = { uid, sandboxes: [], containers: [] }));
    return rp;
  };
  const sandboxUid = new Map<string, string>();
  for (const s of sandboxes) {
    const uid = uidOfSandbox(s);
    if (!uid) continue;
    sandboxUid.set(s.id, uid);
    get(uid).sandboxes.push(s);
  }
  for (const c of containers) {
    const uid = c.labels?.[LABEL_POD_UID] ?? sandboxUid.get(c.sandboxId);
    if (!uid) continue;
    get(uid).containers.push(c);
  }
  for (const rp of out.values()) {
    rp.sandboxes.sort((a, b) => newestFirst({ ...a, attempt: a.config.attempt }, { ...b, attempt: b.config.attempt }));
    rp.containers.sort(newestFirst);
  }
  return out;
}

export function emptyRuntimePod(uid: string): RuntimePod {
  return { uid, sandboxes: [], containers: [] };
}

/** Reads the pod's sandboxes and containers from the runtime. */
export async function readRuntimePod(runtime: RuntimeService, uid: string): Promise<RuntimePod> {
  // The runtime narrows by the config's uid (the kubelet sets it and the label alike); filtering
  // here again keeps the label the authority.
  const sandboxes = (await runtime.listPodSandboxes({ podUid: uid })).filter((s) => uidOfSandbox(s) === uid);
  const containers: ContainerStatus[] = [];
  for (const s of sandboxes) containers.push(...(await runtime.listContainers({ sandboxId: s.id })));
  return groupRuntimePods(sandboxes, containers).get(uid) ?? emptyRuntimePod(uid);
}

/** Newest container with this name. */
export function latestContainer(rp: Readonly<RuntimePod>, name: string): ContainerStatus | undefined {
  return rp.containers.find((c) => c.name === name);
}

/** Containers with this name, newest first. */
export function containersNamed(rp: Readonly<RuntimePod>, name: string): ContainerStatus[] {
  return rp.containers.filter((c) => c.name === name);
}

export function readySandbox(rp: Readonly<RuntimePod>): PodSandboxStatus | undefined {
  const s = rp.sandboxes[0];
  return s && s.state === 'ready' ? s : undefined;
}
