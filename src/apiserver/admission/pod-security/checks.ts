// The Pod Security Standards as checks on a pod's metadata and spec (upstream's
// k8s.io/pod-security-admission/policy, level "latest" as of 1.32). Pure: each check looks at
// plain data and returns a reason and a detail when the pod fails it. The reasons and details
// are the texts clients see after `violates PodSecurity "<level>:<version>": `.
import type { Container, ObjectMeta, PodSpec, SecurityContext } from '../../../api/types/index.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export interface Violation {
  reason: string;
  detail: string;
}

interface Check {
  id: string;
  /** The lowest level that enforces this check (restricted includes every baseline check). */
  level: Exclude<Level, 'privileged'>;
  /** Baseline checks this restricted check replaces. */
  overrides?: string[];
  run(meta: Readonly<ObjectMeta>, spec: Readonly<PodSpec>): Violation | undefined;
}

type AnyContainer = Readonly<Container> & { securityContext?: SecurityContext };

/** Containers, init containers and ephemeral containers, in that order (upstream's visitContainers). */
function containers(spec: Readonly<PodSpec>): AnyContainer[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...((spec.ephemeralContainers ?? []) as AnyContainer[])];
}

function quote(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

function plural(one: string, many: string, n: number): string {
  return n === 1 ? one : many;
}

/** "pod and containers "a", "b"" style subject lists. */
function setters(pod: boolean, names: readonly string[]): string {
  const parts: string[] = [];
  if (pod) parts.push('pod');
  if (names.length) parts.push(`${plural('container', 'containers', names.length)} ${quote(names)}`);
  return parts.join(' and ');
}

// Capabilities a container runtime grants by default; baseline may add only these.
const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

// Namespaced sysctls isolated per pod (1.32's list).
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
]);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

// Volume types restricted pods may use.
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

// Sorted by id below: upstream reports violations in that order.
const CHECKS: readonly Check[] = ([
  {
    id: 'hostProcess',
    level: 'baseline',
    run(_meta, spec) {
      const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
      const bad = containers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
      if (!pod && !bad.length) return undefined;
      return { reason: 'hostProcess', detail: `${setters(pod, bad)} must not set securityContext.windowsOptions.hostProcess=true` };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    run(_meta, spec) {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
      return set.length ? { reason: 'host namespaces', detail: set.map((k) => `${k}=true`).join(', ') } : undefined;
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    run(_meta, spec) {
      const bad = containers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
      if (!bad.length) return undefined;
      return { reason: 'privileged', detail: `${plural('container', 'containers', bad.length)} ${quote(bad)} must not set securityContext.privileged=true` };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const added = (c.securityContext?.capabilities?.add ?? []).filter((a) => !DEFAULT_CAPABILITIES.has(a));
        if (!added.length) continue;
        bad.push(c.name);
        for (const a of added) caps.add(a);
      }
      if (!bad.length) return undefined;
      return { reason: 'non-default capabilities', detail: `${plural('container', 'containers', bad.length)} ${quote(bad)} must not include ${quote([...caps].sort())} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    run(_meta, spec) {
      const bad = (spec.volumes ?? []).filter((v) => v.hostPath !== undefined && v.hostPath !== null).map((v) => v.name);
      return bad.length ? { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const ports: number[] = [];
      for (const c of containers(spec)) {
        const hp = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
        if (!hp.length) continue;
        bad.push(c.name);
        for (const p of hp) if (!ports.includes(p)) ports.push(p);
      }
      if (!bad.length) return undefined;
      return { reason: 'hostPort', detail: `${plural('container', 'containers', bad.length)} ${quote(bad)} ${plural('uses', 'use', bad.length)} ${plural('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` };
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    run(meta, spec) {
      const bad: string[] = [];
      const okType = (t: string | undefined): boolean => t === undefined || t === 'RuntimeDefault' || t === 'Localhost';
      if (!okType(spec.securityContext?.appArmorProfile?.type)) bad.push(`pod must not set securityContext.appArmorProfile.type to ${JSON.stringify(spec.securityContext?.appArmorProfile?.type)}`);
      for (const c of containers(spec)) {
        const t = c.securityContext?.appArmorProfile?.type;
        if (!okType(t)) bad.push(`container ${JSON.stringify(c.name)} must not set securityContext.appArmorProfile.type to ${JSON.stringify(t)}`);
      }
      for (const [k, v] of Object.entries(meta.annotations ?? {})) {
        if (!k.startsWith(APPARMOR_ANNOTATION)) continue;
        if (v === 'runtime/default' || v.startsWith('localhost/')) continue;
        bad.push(`${k}=${JSON.stringify(v)}`);
      }
      return bad.length ? { reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length), detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const check = (o: { type?: string; user?: string; role?: string } | undefined, who: string): void => {
        if (!o) return;
        const forbidden: string[] = [];
        if (!SELINUX_TYPES.has(o.type ?? '')) forbidden.push(`type ${JSON.stringify(o.type)}`);
        if (o.user) forbidden.push(`user ${JSON.stringify(o.user)}`);
        if (o.role) forbidden.push(`role ${JSON.stringify(o.role)}`);
        if (forbidden.length) bad.push(`${who} set forbidden securityContext.seLinuxOptions: ${forbidden.join('; ')}`);
      };
      check(spec.securityContext?.seLinuxOptions, 'pod');
      for (const c of containers(spec)) check(c.securityContext?.seLinuxOptions, `container ${JSON.stringify(c.name)}`);
      return bad.length ? { reason: 'seLinuxOptions', detail: bad.join('; ') } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    run(_meta, spec) {
      // A pod in a user namespace (hostUsers: false) may unmask /proc.
      if (spec.hostUsers === false) return undefined;
      const bad = containers(spec).filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default');
      if (!bad.length) return undefined;
      const types = [...new Set(bad.map((c) => c.securityContext!.procMount!))];
      return { reason: 'procMount', detail: `${plural('container', 'containers', bad.length)} ${quote(bad.map((c) => c.name))} must not set securityContext.procMount to ${quote(types)}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    run(_meta, spec) {
      const pod = spec.securityContext?.seccompProfile?.type === 'Unconfined';
      const bad = containers(spec).filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined').map((c) => c.name);
      if (!pod && !bad.length) return undefined;
      return { reason: 'seccompProfile', detail: `${setters(pod, bad)} must not set securityContext.seccompProfile.type to "Unconfined"` };
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    run(_meta, spec) {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
  // ---- restricted ----
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    run(_meta, spec) {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] !== undefined && (v as unknown as Record<string, unknown>)[k] !== null);
        if (type === undefined || RESTRICTED_VOLUME_TYPES.has(type)) continue;
        bad.push(v.name);
        types.add(type);
      }
      if (!bad.length) return undefined;
      return { reason: 'restricted volume types', detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)} ${plural('uses', 'use', bad.length)} restricted volume ${plural('type', 'types', types.size)} ${quote([...types].sort())}` };
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    run(_meta, spec) {
      const bad = containers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
      if (!bad.length) return undefined;
      return { reason: 'allowPrivilegeEscalation != false', detail: `${plural('container', 'containers', bad.length)} ${quote(bad)} must set securityContext.allowPrivilegeEscalation=false` };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    run(_meta, spec) {
      if (spec.hostUsers === false) return undefined;
      const podSet = spec.securityContext?.runAsNonRoot;
      const explicit = containers(spec).filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name);
      if (podSet === false || explicit.length) return { reason: 'runAsNonRoot != true', detail: `${setters(podSet === false, explicit)} must not set securityContext.runAsNonRoot=false` };
      const implicit = podSet === true ? [] : containers(spec).filter((c) => c.securityContext?.runAsNonRoot === undefined).map((c) => c.name);
      if (!implicit.length) return undefined;
      return { reason: 'runAsNonRoot != true', detail: `pod or ${plural('container', 'containers', implicit.length)} ${quote(implicit)} must set securityContext.runAsNonRoot=true` };
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    run(_meta, spec) {
      if (spec.hostUsers === false) return undefined;
      const pod = spec.securityContext?.runAsUser === 0;
      const bad = containers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
      if (!pod && !bad.length) return undefined;
      return { reason: 'runAsUser=0', detail: `${setters(pod, bad)} must not set runAsUser=0` };
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    run(_meta, spec) {
      const ok = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = spec.securityContext?.seccompProfile?.type;
      const explicitBad = containers(spec).filter((c) => c.securityContext?.seccompProfile !== undefined && !ok(c.securityContext.seccompProfile.type));
      const podBad = podType !== undefined && !ok(podType);
      if (podBad || explicitBad.length) {
        const types = [...new Set([...(podBad ? [podType] : []), ...explicitBad.map((c) => c.securityContext!.seccompProfile!.type)])];
        return { reason: 'seccompProfile', detail: `${setters(podBad, explicitBad.map((c) => c.name))} must not set securityContext.seccompProfile.type to ${quote(types)}` };
      }
      if (podType !== undefined) return undefined;
      const implicit = containers(spec).filter((c) => c.securityContext?.seccompProfile === undefined).map((c) => c.name);
      if (!implicit.length) return undefined;
      return { reason: 'seccompProfile', detail: `pod or ${plural('container', 'containers', implicit.length)} ${quote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    run(_meta, spec) {
      const missingDrop: string[] = [];
      const adding: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const cap = c.securityContext?.capabilities;
        if (!(cap?.drop ?? []).includes('ALL')) missingDrop.push(c.name);
        const added = (cap?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
        if (added.length) {
          adding.push(c.name);
          for (const a of added) caps.add(a);
        }
      }
      const details: string[] = [];
      if (missingDrop.length) details.push(`${plural('container', 'containers', missingDrop.length)} ${quote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${plural('container', 'containers', adding.length)} ${quote(adding)} must not include ${quote([...caps].sort())} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
] satisfies Check[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** The checks each level runs, in upstream's order, with the baseline checks a restricted one replaces left out. */
const ACTIVE: Readonly<Record<Exclude<Level, 'privileged'>, readonly Check[]>> = (() => {
  const only = (active: readonly Check[]): readonly Check[] => {
    const replaced = new Set(active.flatMap((c) => c.overrides ?? []));
    return active.filter((c) => !replaced.has(c.id));
  };
  return { baseline: only(CHECKS.filter((c) => c.level === 'baseline')), restricted: only(CHECKS) };
})();

/**
 * The violations of a pod (or pod template) against a level, in upstream's order (by check id).
 * `privileged` allows everything. `memo` (one per pod) lets evaluations of several levels run
 * each check once: a check's result does not depend on the level asking.
 */
export function evaluatePod(level: Level, meta: Readonly<ObjectMeta>, rawSpec: Readonly<PodSpec>, memo?: Map<string, Violation | undefined>): Violation[] {
  if (level === 'privileged') return [];
  const spec = withZeroValues(rawSpec);
  const out: Violation[] = [];
  for (const c of ACTIVE[level]) {
    let v: Violation | undefined;
    if (memo?.has(c.id)) v = memo.get(c.id);
    else {
      v = c.run(meta, spec);
      memo?.set(c.id, v);
    }
    if (v) out.push(v);
  }
  return out;
}

/** A list withZeroValues would leave as it is: absent, or an array without null elements. */
function isPlainList(l: unknown): boolean {
  if (l === undefined) return true;
  if (!Array.isArray(l)) return false;
  for (const x of l) if (x === null || x === undefined) return false;
  return true;
}

/** Would withZeroValues return a copy equal to `spec`? (Then it returns `spec` itself.) */
function isZeroValued(spec: Readonly<PodSpec>): boolean {
  if (!Array.isArray(spec.containers)) return false;
  for (const l of [spec.containers, spec.initContainers, spec.ephemeralContainers] as unknown[]) {
    if (!isPlainList(l)) return false;
    for (const c of (l ?? []) as AnyContainer[]) {
      if (!isPlainList(c.ports)) return false;
      const add = c.securityContext?.capabilities?.add;
      if (Array.isArray(add) && !isPlainList(add)) return false;
    }
  }
  if (!isPlainList(spec.volumes)) return false;
  const sysctls = spec.securityContext?.sysctls;
  return !Array.isArray(sysctls) || isPlainList(sysctls);
}

/** Each element of a list, a JSON null read as `zero` (what Go's decoder makes of it). */
function zeroed<T>(list: readonly T[] | null | undefined, zero: () => T): T[] | undefined {
  return Array.isArray(list) ? list.map((x) => (x === null || x === undefined ? zero() : x)) : undefined;
}

/**
 * The spec as upstream's checks see it: admission runs before validation, and a JSON null in a
 * list of structs (`containers: [null]`) is a zero-value struct after Go's decode, not a hole.
 * Only the lists the checks walk are mapped; everything else is shared with `spec`.
 */
function withZeroValues(spec: Readonly<PodSpec>): Readonly<PodSpec> {
  // Decoded from JSON, a spec almost never holds a null element: then the mapped copy would
  // equal the spec, and the checks (run two or three times per pod) read the spec itself.
  if (isZeroValued(spec)) return spec;
  const container = <C extends AnyContainer>(c: C): C => {
    const sc = c.securityContext;
    const add = sc?.capabilities?.add;
    return {
      ...c,
      ports: zeroed(c.ports, () => ({}) as never),
      ...(sc && Array.isArray(add) ? { securityContext: { ...sc, capabilities: { ...sc.capabilities, add: zeroed(add, () => '') } } } : {}),
    };
  };
  const list = <C extends AnyContainer>(l: readonly C[] | undefined): C[] | undefined => zeroed(l, () => ({}) as C)?.map(container);
  const sysctls = spec.securityContext?.sysctls;
  return {
    ...spec,
    containers: list(spec.containers) ?? [],
    initContainers: list(spec.initContainers),
    ephemeralContainers: list(spec.ephemeralContainers as AnyContainer[] | undefined) as PodSpec['ephemeralContainers'],
    volumes: zeroed(spec.volumes, () => ({}) as never),
    ...(spec.securityContext && Array.isArray(sysctls) ? { securityContext: { ...spec.securityContext, sysctls: zeroed(sysctls, () => ({}) as never) } } : {}),
  };
}

/** `reason1 (detail1), reason2 (detail2)`: the text after `violates PodSecurity "...": `. */
export function formatViolations(vs: readonly Violation[]): string {
  return vs.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}
