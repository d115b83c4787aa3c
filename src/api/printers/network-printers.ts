// Services and traffic: Service, Endpoints, EndpointSlice, Ingress, IngressClass, NetworkPolicy.

import type { KObject } from '../types/index.js';
import type { TablePrinter } from './types.js';
import { AGE, NAME, age, col, joinHostPort, listWithMore, loadBalancerIngress, name, wide } from './columns.js';
import { arr, at, has, int, optInt, optStr, rec, str, strMap } from './json-read.js';
import { formatLabelSelector, formatLabels, type LabelSelectorMeta } from '../selectors/index.js';

/**
 * EXTERNAL-IP by service type: ClusterIP/NodePort show spec.externalIPs or `<none>`;
 * LoadBalancer shows ingress points then externalIPs, or `<pending>`; ExternalName shows
 * spec.externalName. The apiserver renders wide rows, so nothing is truncated.
 */
export function serviceExternalIP(svc: KObject): string {
  const externalIPs = arr(svc, 'spec', 'externalIPs').filter((x): x is string => typeof x === 'string');
  const type = str(svc, 'spec', 'type') || 'ClusterIP';
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(at(svc, 'status', 'loadBalancer'));
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(svc, 'spec', 'externalName');
    default:
      return '<unknown>';
  }
}

/** PORT(S): `port[:nodePort]/protocol` joined with ","; `<none>` without ports. */
export function servicePorts(svc: KObject): string {
  const pieces = arr(svc, 'spec', 'ports').map((p) => {
    const protocol = str(p, 'protocol') || 'TCP';
    const nodePort = int(p, 'nodePort');
    return nodePort > 0 ? `${int(p, 'port')}:${nodePort}/${protocol}` : `${int(p, 'port')}/${protocol}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

function clusterIP(svc: KObject): string {
  return str(svc, 'spec', 'clusterIPs', 0) || str(svc, 'spec', 'clusterIP') || '<none>';
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME,
    col('Type', 'string', 'How the service is exposed.'),
    col('Cluster-IP', 'string', 'Virtual IP of the service inside the cluster.'),
    col('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    col('Port(s)', 'string', 'Ports the service exposes.'),
    AGE,
    wide('Selector', 'string', 'Labels of the pods traffic is routed to.'),
  ],
  row: (o, now) => [
    name(o), str(o, 'spec', 'type'), clusterIP(o), serviceExternalIP(o), servicePorts(o), age(o, now),
    formatLabels(strMap(o, 'spec', 'selector')),
  ],
};

/** ENDPOINTS: up to three `ip:port` (or bare IPs for port-less subsets), then ` + N more...`. */
export function formatEndpoints(ep: KObject): string {
  const subsets = arr(ep, 'subsets');
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = arr(ss, 'addresses');
    const ports = arr(ss, 'ports');
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(str(a, 'ip'));
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(joinHostPort(str(a, 'ip'), int(p, 'port')));
    }
  }
  const s = list.join(',');
  return count > max ? `${s} + ${count - max} more...` : s;
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME, col('Endpoints', 'string', 'Addresses and ports of the endpoints.'), AGE],
  row: (o, now) => [name(o), formatEndpoints(o), age(o, now)],
};

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME,
    col('AddressType', 'string', 'Type of address carried by this slice.'),
    col('Ports', 'string', 'Ports exposed by the endpoints.'),
    col('Endpoints', 'string', 'Addresses of the endpoints.'),
    AGE,
  ],
  row(o, now) {
    const ports = arr(o, 'ports').map((p) => {
      const n = optInt(p, 'port');
      return n !== undefined ? String(n) : optStr(p, 'name') ?? '*';
    });
    const addrs = arr(o, 'endpoints').flatMap((e) => arr(e, 'addresses').map((a) => (typeof a === 'string' ? a : '')));
    return [
      name(o), str(o, 'addressType'), listWithMore(ports, ports.length, 3), listWithMore(addrs, addrs.length, 3), age(o, now),
    ];
  },
};

/** HOSTS: up to three rule hosts, `*` when none are set. */
export function ingressHosts(ing: KObject): string {
  const rules = arr(ing, 'spec', 'rules');
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === max) more = true;
    const host = str(r, 'host');
    if (!more && host) list.push(host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

export const ingressPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Class', 'string', 'IngressClass that handles this ingress.'),
    col('Hosts', 'string', 'Hosts the rules match.'),
    col('Address', 'string', 'Load-balancer ingress points.'),
    col('Ports', 'string', 'Ports the ingress listens on.'),
    AGE,
  ],
  row: (o, now) => [
    name(o), optStr(o, 'spec', 'ingressClassName') ?? '<none>', ingressHosts(o),
    loadBalancerIngress(at(o, 'status', 'loadBalancer')), arr(o, 'spec', 'tls').length > 0 ? '80, 443' : '80', age(o, now),
  ],
};

export const ingressClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller that implements this class.'),
    col('Parameters', 'string', 'Resource holding extra configuration.'),
    AGE,
  ],
  row(o, now) {
    let parameters = '<none>';
    if (has(o, 'spec', 'parameters')) {
      const p = rec(o, 'spec', 'parameters');
      const group = optStr(p, 'apiGroup');
      parameters = `${str(p, 'kind')}${group !== undefined ? `.${group}` : ''}/${str(p, 'name')}`;
    }
    return [name(o), str(o, 'spec', 'controller'), parameters, age(o, now)];
  },
};

export const networkPolicyPrinter: TablePrinter = {
  columns: [NAME, col('Pod-Selector', 'string', 'Pods the policy applies to.'), AGE],
  row: (o, now) => [name(o), formatLabelSelector(rec(o, 'spec', 'podSelector') as LabelSelectorMeta), age(o, now)],
};
