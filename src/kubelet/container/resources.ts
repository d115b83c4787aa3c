// Container resources and security settings for the runtime, as upstream's kuberuntime
// (generateLinuxContainerResources): cpu shares from requests (milliCPU*1024/1000, at least
// 2), CFS quota from limits (period 100 ms, quota at least 1 ms), memory limit in bytes and
// a pids limit. Pure.
import { integerValue, milliValue } from '../../api/quantity/index.js';
import type { LinuxResources, SecurityContext } from '../../runtime/index.js';
import type { Container, PodSpec } from '../../api/types/index.js';
import { DEFAULT_PIDS_LIMIT } from '../constants.js';

export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1000;

export function linuxResources(c: Readonly<Container>, pidsLimit = DEFAULT_PIDS_LIMIT): LinuxResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const out: LinuxResources = { pidsLimit };
  // Requests default to limits (API defaulting does it too; tolerate objects without it).
  const cpuReq = req.cpu ?? lim.cpu;
  out.cpuShares = cpuReq === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((milliValue(cpuReq) * 1024) / 1000));
  if (lim.cpu !== undefined) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(MIN_QUOTA_US, Math.floor((milliValue(lim.cpu) * CPU_PERIOD_US) / 1000));
  }
  if (lim.memory !== undefined) out.memoryLimitBytes = integerValue(lim.memory);
  return out;
}

/** Pod securityContext overlaid by the container's (container fields win). */
export function securityContext(spec: Readonly<PodSpec>, c: Readonly<Container>): SecurityContext {
  const p = spec.securityContext ?? {};
  const s = c.securityContext ?? {};
  const out: SecurityContext = {};
  const user = s.runAsUser ?? p.runAsUser;
  const group = s.runAsGroup ?? p.runAsGroup;
  if (user !== undefined) out.runAsUser = user;
  if (group !== undefined) out.runAsGroup = group;
  const groups = [...(p.supplementalGroups ?? [])];
  if (p.fsGroup !== undefined && !groups.includes(p.fsGroup)) groups.push(p.fsGroup);
  if (groups.length) out.supplementalGroups = groups;
  if (s.privileged !== undefined) out.privileged = s.privileged;
  if (s.readOnlyRootFilesystem !== undefined) out.readOnlyRootFilesystem = s.readOnlyRootFilesystem;
  if (s.allowPrivilegeEscalation !== undefined) out.allowPrivilegeEscalation = s.allowPrivilegeEscalation;
  if (s.capabilities) out.capabilities = { add: [...(s.capabilities.add ?? [])], drop: [...(s.capabilities.drop ?? [])] };
  const seccomp = (s.seccompProfile ?? p.seccompProfile)?.type;
  if (seccomp === 'RuntimeDefault' || seccomp === 'Unconfined') out.seccompProfile = seccomp;
  return out;
}

/**
 * Why the container's seccomp profile cannot be applied (Localhost profiles: this node keeps
 * no profile directory), or undefined. The container then waits in CreateContainerConfigError.
 */
export function verifySeccompProfile(spec: Readonly<PodSpec>, c: Readonly<Container>): string | undefined {
  const profile = c.securityContext?.seccompProfile ?? spec.securityContext?.seccompProfile;
  if (profile?.type !== 'Localhost') return undefined;
  return `localhost seccomp profile ${JSON.stringify(profile.localhostProfile ?? '')} is not available on this node`;
}

/**
 * runAsNonRoot check against the resolved uid (image USER when the pod sets none), with the
 * kubelet's texts; `podRef` is upstream's format.Pod (`name_namespace(uid)`). An image
 * without USER runs as root; a user name cannot be verified.
 */
export function verifyRunAsNonRoot(spec: Readonly<PodSpec>, c: Readonly<Container>, imageUser: string | undefined, podRef = ''): string | undefined {
  const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
  if (!nonRoot) return undefined;
  const where = ` (pod: ${JSON.stringify(podRef)}, container: ${c.name})`;
  const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  if (uid !== undefined) return uid === 0 ? `container's runAsUser breaks non-root policy${where}` : undefined;
  const u = (imageUser ?? '').split(':')[0];
  if (u === '' || /^0+$/.test(u)) return `container has runAsNonRoot and image will run as root${where}`;
  if (!/^\d+$/.test(u)) return `container has runAsNonRoot and image has non-numeric user (${u}), cannot verify user is non-root${where}`;
  return undefined;
}
