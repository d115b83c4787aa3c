// Services: ClusterIP and NodePort allocation (upstream's service REST with its IP and port
// allocators). Values the client asks for are checked and claimed; missing ones are
// allocated; on update, allocated values the client left out are kept.
import type { KObject, Service, ServiceSpec } from '../../../api/types/index.js';
import { fieldErr, invalid, type FieldError } from '../../../api/status.js';
import type { RequestContext } from '../../context.js';
import { Strategy } from '../strategy.js';
import type { RangeAllocator } from '../allocator.js';
import type { ResourceDef } from '../../../api/registry/index.js';

interface Held {
  ips: string[];
  ports: number[];
}

const specOf = (o: KObject): ServiceSpec => {
  const svc: Service = o;
  return svc.spec ?? (svc.spec = {});
};
/** The spec of a stored Service, without adding one. */
const storedSpec = (o: Readonly<Service>): Readonly<ServiceSpec> => o.spec ?? {};

function wantsIP(s: ServiceSpec): boolean {
  return s.type !== 'ExternalName' && s.clusterIP !== 'None';
}

function wantsNodePorts(s: ServiceSpec): boolean {
  return s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
}

function held(o: KObject | undefined): Held {
  if (!o) return { ips: [], ports: [] };
  const s = storedSpec(o);
  const ips = (s.clusterIPs ?? (s.clusterIP ? [s.clusterIP] : [])).filter((ip) => ip && ip !== 'None');
  const ports = (s.ports ?? []).map((p) => p.nodePort).filter((p): p is number => typeof p === 'number' && p > 0);
  if (s.healthCheckNodePort) ports.push(s.healthCheckNodePort);
  return { ips, ports };
}

export class ServiceStrategy extends Strategy {
  constructor(
    def: ResourceDef,
    private readonly ips: RangeAllocator<string>,
    private readonly nodePorts: RangeAllocator<number>,
    private readonly serviceCIDR: string,
    private readonly nodePortRange: string,
  ) {
    super(def);
  }

  override initialStatus(): unknown {
    return { loadBalancer: {} };
  }

  private owner(o: KObject): string {
    return `${o.metadata.namespace}/${o.metadata.name}`;
  }

  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, sub?: string): Promise<void> {
    await super.prepareForUpdate(next, old, ctx, sub);
    if (sub) return;
    const n = specOf(next);
    const o = storedSpec(old);
    // Keep allocated values that the update omits (kubectl replace/apply do not send them).
    if (wantsIP(n) && wantsIP(o) && !n.clusterIP && o.clusterIP) {
      n.clusterIP = o.clusterIP;
      if (!n.clusterIPs?.length && o.clusterIPs) n.clusterIPs = [...o.clusterIPs];
    }
    if (wantsNodePorts(n)) {
      for (const p of n.ports ?? []) {
        if (p.nodePort) continue;
        const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) ?? (o.ports ?? []).find((q) => q.name && q.name === p.name);
        if (prev?.nodePort) p.nodePort = prev.nodePort;
      }
    }
  }

  override async beforeCreate(obj: KObject): Promise<void> {
    await this.allocate(obj, undefined);
  }

  override async beforeUpdate(next: KObject, old: KObject): Promise<void> {
    await this.allocate(next, old);
  }

  override async afterCreateFailed(obj: KObject): Promise<void> {
    await this.releaseExcept(held(obj), held(undefined), this.owner(obj));
  }

  override async afterUpdateFailed(next: KObject, old: KObject): Promise<void> {
    await this.releaseExcept(held(next), held(old), this.owner(next));
  }

  override async afterUpdate(next: KObject, old: KObject): Promise<void> {
    await this.releaseExcept(held(old), held(next), this.owner(next));
  }

  override async afterDelete(obj: KObject): Promise<void> {
    await this.releaseExcept(held(obj), held(undefined), this.owner(obj));
  }

  private async releaseExcept(from: Held, keep: Held, owner: string): Promise<void> {
    for (const ip of from.ips) if (!keep.ips.includes(ip)) await this.ips.release(ip, owner);
    for (const p of from.ports) if (!keep.ports.includes(p)) await this.nodePorts.release(p, owner);
  }

  private async allocate(obj: KObject, old: KObject | undefined): Promise<void> {
    const s = specOf(obj);
    const owner = this.owner(obj);
    const had = held(old);
    const errs: FieldError[] = [];
    const claimed: Held = { ips: [], ports: [] };
    try {
      if (s.type === 'ExternalName') {
        delete s.clusterIP;
        delete s.clusterIPs;
      } else if (s.clusterIP === 'None') {
        s.clusterIPs = ['None'];
      } else if (s.clusterIP) {
        if (!had.ips.includes(s.clusterIP)) {
          if (!this.ips.contains(s.clusterIP)) {
            errs.push(fieldErr.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: the provided IP (${s.clusterIP}) is not in the valid range. The range of valid IPs is ${this.serviceCIDR}`));
          } else if (!(await this.ips.claim(s.clusterIP, owner))) {
            errs.push(fieldErr.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: provided IP is already allocated`));
          } else claimed.ips.push(s.clusterIP);
        }
        s.clusterIPs = [s.clusterIP];
      } else {
        const ip = await this.ips.allocate(owner);
        if (!ip) errs.push(fieldErr.invalid('spec.clusterIPs', [], `failed to allocate IP: range is full`));
        else {
          claimed.ips.push(ip);
          s.clusterIP = ip;
          s.clusterIPs = [ip];
        }
      }
      if (wantsNodePorts(s)) {
        const ports = s.ports ?? [];
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i];
          if (p.nodePort) {
            if (had.ports.includes(p.nodePort) || claimed.ports.includes(p.nodePort)) continue;
            if (!this.nodePorts.contains(p.nodePort)) {
              errs.push(fieldErr.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${this.nodePortRange}`));
            } else if (!(await this.nodePorts.claim(p.nodePort, owner))) {
              errs.push(fieldErr.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
            } else claimed.ports.push(p.nodePort);
          } else {
            const np = await this.nodePorts.allocate(owner);
            if (np === undefined) errs.push(fieldErr.invalid(`spec.ports[${i}].nodePort`, 0, 'range is full'));
            else {
              claimed.ports.push(np);
              p.nodePort = np;
            }
          }
        }
      } else {
        for (const p of s.ports ?? []) delete p.nodePort;
      }
      if (s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local' && !s.healthCheckNodePort) {
        const np = await this.nodePorts.allocate(owner);
        if (np !== undefined) {
          claimed.ports.push(np);
          s.healthCheckNodePort = np;
        }
      }
    } catch (e) {
      await this.releaseExcept(claimed, held(undefined), owner);
      throw e;
    }
    if (errs.length) {
      await this.releaseExcept(claimed, held(undefined), owner);
      throw invalid('Service', '', obj.metadata.name ?? '', errs);
    }
  }
}
