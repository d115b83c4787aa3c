// Downward API values (env fieldRef/resourceFieldRef and downwardAPI volume files), as
// upstream's fieldpath.ExtractFieldPathAsString and resource.ExtractContainerResourceValue.
// Pure: IPs and node allocatable are passed in.
import { integerValue, milliValue } from '../../api/quantity/index.js';
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from '../../api/types/index.js';
import { podSpec } from '../pod-types.js';
import { ERR_CONTAINER_DOWNWARD_API } from '../../util/error-codes.js';

export interface DownwardContext {
  pod: Readonly<Pod>;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  /** Node allocatable, the value of limits.* when the container sets none. */
  nodeAllocatable: Readonly<Record<string, string>>;
}

export class DownwardApiError extends Error {
  readonly code = ERR_CONTAINER_DOWNWARD_API;
}

/** `key="value"` lines sorted by key, as upstream's FormatMap (escaped with %q rules). */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

export function fieldValue(sel: Readonly<ObjectFieldSelector>, ctx: DownwardContext, allowMaps = false): string {
  const { pod } = ctx;
  const path = sel.fieldPath;
  const sub = SUBSCRIPT.exec(path);
  if (sub) {
    const m = sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return m?.[sub[2]] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations':
      if (!allowMaps) throw new DownwardApiError(`unsupported fieldPath for env: ${path}`);
      return formatMap(path === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations);
    case 'spec.nodeName':
      return podSpec(pod).nodeName ?? '';
    case 'spec.serviceAccountName':
      return podSpec(pod).serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ctx.hostIPs.join(',');
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
  }
  throw new DownwardApiError(`unsupported fieldPath: ${path}`);
}

/**
 * limits.cpu, requests.memory, ... of `containerName` (or `self`), divided by the divisor
 * and rounded up. Unset limits fall back to node allocatable, as upstream.
 */
export function resourceValue(sel: Readonly<ResourceFieldSelector>, self: Readonly<Container> | undefined, ctx: DownwardContext): string {
  const c = sel.containerName ? [...podSpec(ctx.pod).containers, ...(podSpec(ctx.pod).initContainers ?? [])].find((x) => x.name === sel.containerName) : self;
  if (!c) throw new DownwardApiError(`container ${sel.containerName ?? ''} not found for resourceFieldRef`);
  const [kind, ...rest] = sel.resource.split('.');
  const name = rest.join('.');
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new DownwardApiError(`unsupported container resource: ${sel.resource}`);
  let raw = kind === 'limits' ? c.resources?.limits?.[name] : c.resources?.requests?.[name];
  if (raw === undefined && kind === 'limits') raw = ctx.nodeAllocatable[name];
  if (raw === undefined && kind === 'requests' && name === 'cpu') raw = '0';
  if (raw === undefined) raw = '0';
  const d = sel.divisor ?? '1';
  const [num, den] = name === 'cpu' ? [milliValue(raw), milliValue(d)] : [integerValue(raw), integerValue(d)];
  if (den === 0) throw new DownwardApiError(`invalid divisor for ${sel.resource}`);
  const out = Math.ceil(num / den);
  return String(out);
}
