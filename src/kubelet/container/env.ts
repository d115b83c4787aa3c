// A container's environment, built as upstream's makeEnvironmentVariables:
//   1. envFrom sources in order (configMapRef/secretRef, with prefix; keys that are not valid
//      env names are skipped),
//   2. env entries in order: value with `$(VAR)` expanded against what is defined so far and
//      the service variables, or valueFrom (fieldRef, resourceFieldRef, configMapKeyRef,
//      secretKeyRef),
//   3. service variables for names not yet defined: `kubernetes` in `default` always, the
//      pod namespace's services when enableServiceLinks is not false.
// A missing non-optional ConfigMap/Secret/key is a ContainerConfigError: the container waits
// with CreateContainerConfigError.
import type { KObject, Service } from '../../api/types/index.js';
import type { Container, Pod } from '../../api/types/index.js';
import { expand, mappingFor } from './expansion.js';
import { fieldValue, resourceValue, type DownwardContext } from './downward.js';
import { podSpec } from '../pod-types.js';
import { ERR_CONTAINER_CONFIG } from '../../util/error-codes.js';

export class ContainerConfigError extends Error {
  readonly code = ERR_CONTAINER_CONFIG;
}

export interface ObjectGetter {
  configMap(namespace: string, name: string): Promise<Readonly<KObject> | undefined>;
  secret(namespace: string, name: string): Promise<Readonly<KObject> | undefined>;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function dataOf(obj: Readonly<KObject>, kind: 'ConfigMap' | 'Secret'): Map<string, string> {
  const out = new Map<string, string>();
  if (kind === 'ConfigMap') {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out.set(k, v);
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64').toString('utf8'));
  } else {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64').toString('utf8'));
    for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) out.set(k, v);
  }
  return out;
}

async function source(getter: ObjectGetter, kind: 'ConfigMap' | 'Secret', ns: string, name: string, optional: boolean): Promise<Map<string, string> | undefined> {
  const obj = kind === 'ConfigMap' ? await getter.configMap(ns, name) : await getter.secret(ns, name);
  if (!obj) {
    if (optional) return undefined;
    throw new ContainerConfigError(`${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found`);
  }
  return dataOf(obj, kind);
}

export interface EnvInputs extends DownwardContext {
  container: Readonly<Container>;
  getter: ObjectGetter;
  /** Services visible to the pod (any namespace; filtered here). */
  services: readonly Readonly<KObject>[];
  /** Image config Env (`NAME=value`), the base the container's env overrides. */
  imageEnv?: readonly string[];
}

export async function containerEnv(inp: EnvInputs): Promise<Array<{ name: string; value: string }>> {
  const { pod, container: c, getter } = inp;
  const ns = pod.metadata.namespace ?? 'default';
  const defined = new Map<string, string>();
  const svc = serviceEnv(inp.services, ns, podSpec(pod).enableServiceLinks !== false);

  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Map<string, string> | undefined;
    if (from.configMapRef) data = await source(getter, 'ConfigMap', ns, from.configMapRef.name ?? '', from.configMapRef.optional === true);
    else if (from.secretRef) data = await source(getter, 'Secret', ns, from.secretRef.name ?? '', from.secretRef.optional === true);
    for (const [k, v] of data ?? []) {
      const name = prefix + k;
      if (ENV_NAME.test(name)) defined.set(name, v);
    }
  }

  const mapping = mappingFor(defined, svc);
  for (const e of c.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      defined.set(e.name, expand(e.value ?? '', mapping));
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) defined.set(e.name, fieldValue(vf.fieldRef, inp));
    else if (vf.resourceFieldRef) defined.set(e.name, resourceValue(vf.resourceFieldRef, c, inp));
    else if (vf.configMapKeyRef || vf.secretKeyRef) {
      const kind = vf.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const ref = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
      const data = await source(getter, kind, ns, ref.name ?? '', ref.optional === true);
      const v = data?.get(ref.key);
      if (v === undefined) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name ?? ''}`);
      }
      defined.set(e.name, v);
    }
  }
  for (const [k, v] of svc) if (!defined.has(k)) defined.set(k, v);

  // The image's Env is the base: the pod's variables override it, new ones are appended.
  const out: Array<{ name: string; value: string }> = [];
  for (const kv of inp.imageEnv ?? []) {
    const i = kv.indexOf('=');
    const name = i < 0 ? kv : kv.slice(0, i);
    if (!defined.has(name)) out.push({ name, value: i < 0 ? '' : kv.slice(i + 1) });
  }
  for (const [name, value] of defined) out.push({ name, value });
  return out;
}


/** Upstream's envvars.FromServices for the services a pod may see. */
export function serviceEnv(services: readonly Readonly<Service>[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const chosen = new Map<string, Readonly<Service>>();
  for (const s of services) {
    const spec = s.spec ?? {};
    if (!spec.clusterIP || spec.clusterIP === 'None') continue;
    const name = s.metadata.name ?? '';
    if (s.metadata.namespace === 'default' && name === 'kubernetes') chosen.set(name, s);
    else if (enableServiceLinks && s.metadata.namespace === namespace && !(namespace === 'default' && name === 'kubernetes')) chosen.set(name, s);
  }
  const out = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) {
    const s = chosen.get(name)!;
    const spec = s.spec ?? {};
    const ports = spec.ports ?? [];
    if (ports.length === 0) continue;
    const prefix = name.toUpperCase().replace(/-/g, '_');
    const ip = spec.clusterIP ?? '';
    out.set(`${prefix}_SERVICE_HOST`, ip);
    out.set(`${prefix}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port));
    const proto0 = (ports[0].protocol ?? 'TCP').toLowerCase();
    out.set(`${prefix}_PORT`, `${proto0}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const base = `${prefix}_PORT_${p.port}_${proto}`;
      out.set(base, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${base}_PROTO`, proto.toLowerCase());
      out.set(`${base}_PORT`, String(p.port));
      out.set(`${base}_ADDR`, ip);
    }
  }
  return out;
}

/** The env as a `$(VAR)` mapping for command/args expansion. */
export function envMapping(env: ReadonlyArray<{ name: string; value: string }>): (n: string) => string | undefined {
  const m = new Map(env.map((e) => [e.name, e.value] as const));
  return (n) => m.get(n);
}
