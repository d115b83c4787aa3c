// networking.k8s.io/v1 validation: Ingress, IngressClass, NetworkPolicy.

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { arr, deepEqual, eachObj, enumOf, immutable, isInt, isSet, obj, pushMsgs, str } from './errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIPAddress, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, PORT_RANGE_MSG } from './names.js';
import { validateLabelSelector } from './meta.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const CONTROLLER_MAX = 250;

function validateBackend(b: unknown, path: string, errs: Errs): void {
  const be = obj(b);
  if (!be) { errs.push(fieldErr.required(path)); return; }
  const svc = obj(be.service);
  const res = obj(be.resource);
  if (svc && res) { errs.push(fieldErr.invalid(path, '', 'cannot set both resource and service backends')); return; }
  if (!svc && !res) { errs.push(fieldErr.invalid(path, '', 'resource or service backend is required')); return; }
  if (svc) {
    const name = str(svc.name);
    if (!name) errs.push(fieldErr.required(`${path}.service.name`));
    else pushMsgs(errs, `${path}.service.name`, name, isDNS1123Label(name));
    const port = obj(svc.port) ?? {};
    const hasName = str(port.name) !== '';
    const hasNumber = isSet(port.number) && port.number !== 0;
    if (hasName && hasNumber) errs.push(fieldErr.invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
    else if (hasName) pushMsgs(errs, `${path}.service.port.name`, port.name, isValidPortName(str(port.name)));
    else if (hasNumber) { if (!isValidPortNum(port.number)) errs.push(fieldErr.invalid(`${path}.service.port.number`, port.number, PORT_RANGE_MSG)); }
    else errs.push(fieldErr.required(`${path}.service.port.name`, 'port name or number is required'));
  }
  if (res) {
    if (!str(res.kind)) errs.push(fieldErr.required(`${path}.resource.kind`));
    if (!str(res.name)) errs.push(fieldErr.required(`${path}.resource.name`));
  }
}

function validateHost(host: string, field: string, errs: Errs): void {
  if (isValidIPAddress(host)) { errs.push(fieldErr.invalid(field, host, 'must be a DNS name, not an IP address')); return; }
  if (host.includes('*')) pushMsgs(errs, field, host, isWildcardDNS1123Subdomain(host));
  else pushMsgs(errs, field, host, isDNS1123Subdomain(host));
}

function validatePath(p: Obj, path: string, errs: Errs): void {
  const pathType = p.pathType;
  const value = str(p.path);
  if (!isSet(pathType) || pathType === '') { errs.push(fieldErr.required(`${path}.pathType`, 'pathType must be specified')); }
  else if (typeof pathType !== 'string' || !PATH_TYPES.includes(pathType)) errs.push(fieldErr.notSupported(`${path}.pathType`, pathType, PATH_TYPES));
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fieldErr.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) { errs.push(fieldErr.invalid(`${path}.path`, value, `must not contain '${seq}'`)); break; }
    for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) { errs.push(fieldErr.invalid(`${path}.path`, value, `cannot end with '${suf}'`)); break; }
  } else if (value && !value.startsWith('/')) {
    errs.push(fieldErr.invalid(`${path}.path`, value, 'must be an absolute path'));
  }
  validateBackend(p.backend, `${path}.backend`, errs);
}

export function validateIngress(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  const rules = arr(spec.rules);
  if (!isSet(spec.defaultBackend) && rules.length === 0) errs.push(fieldErr.invalid('spec', spec.rules ?? [], 'either `defaultBackend` or `rules` must be specified'));
  if (isSet(spec.defaultBackend)) validateBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  if (isSet(spec.ingressClassName)) pushMsgs(errs, 'spec.ingressClassName', spec.ingressClassName, isDNS1123Subdomain(str(spec.ingressClassName)));
  eachObj(rules, (r, i) => {
    const p = `spec.rules[${i}]`;
    if (str(r.host)) validateHost(str(r.host), `${p}.host`, errs);
    const http = obj(r.http);
    if (!http) return;
    const paths = arr(http.paths);
    if (paths.length === 0) errs.push(fieldErr.required(`${p}.http.paths`));
    eachObj(paths, (hp, j) => validatePath(hp, `${p}.http.paths[${j}]`, errs));
  });
  eachObj(spec.tls, (t, i) => {
    arr(t.hosts).forEach((h, j) => { if (typeof h === 'string') validateHost(h, `spec.tls[${i}].hosts[${j}]`, errs); });
  });
}

export function validateIngressClass(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  const controller = str(spec.controller);
  if (!controller) errs.push(fieldErr.required('spec.controller'));
  else if (controller.length > CONTROLLER_MAX) errs.push(fieldErr.tooLong('spec.controller', CONTROLLER_MAX));
  else {
    const slash = controller.indexOf('/');
    if (slash <= 0 || isDNS1123Subdomain(controller.slice(0, slash)).length > 0) {
      errs.push(fieldErr.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    }
  }
  const params = obj(spec.parameters);
  if (params) {
    if (!str(params.kind)) errs.push(fieldErr.required('spec.parameters.kind'));
    if (!str(params.name)) errs.push(fieldErr.required('spec.parameters.name'));
    enumOf(errs, params.scope, 'spec.parameters.scope', ['Cluster', 'Namespace'], true);
    if (params.scope === 'Namespace' && !str(params.namespace)) errs.push(fieldErr.required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"'));
    if (params.scope === 'Cluster' && str(params.namespace)) errs.push(fieldErr.forbidden('spec.parameters.namespace', '`parameters.scope` is set to "Cluster"'));
  }
}

export function validateIngressClassUpdate(n: Obj, o: Obj, errs: Errs): void {
  const nc = obj(n.spec)?.controller;
  if (!deepEqual(nc, obj(o.spec)?.controller)) errs.push(immutable('spec.controller', nc));
}

export function validateNetworkPolicy(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  validateLabelSelector(spec.podSelector, 'spec.podSelector', errs);
  arr(spec.policyTypes).forEach((t, i) => enumOf(errs, t, `spec.policyTypes[${i}]`, ['Egress', 'Ingress']));
  for (const dir of ['ingress', 'egress']) {
    eachObj(spec[dir], (rule, i) => {
      eachObj(rule.ports, (p, j) => {
        const pp = `spec.${dir}[${i}].ports[${j}]`;
        enumOf(errs, p.protocol, `${pp}.protocol`, ['SCTP', 'TCP', 'UDP']);
        if (typeof p.port === 'number' && !isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${pp}.port`, p.port, PORT_RANGE_MSG));
        if (typeof p.port === 'string') pushMsgs(errs, `${pp}.port`, p.port, isValidPortName(p.port));
        if (isSet(p.endPort) && (!isInt(p.endPort) || typeof p.port !== 'number' || p.endPort < p.port)) {
          errs.push(fieldErr.invalid(`${pp}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
        }
      });
      const peers = arr(rule[dir === 'ingress' ? 'from' : 'to']);
      eachObj(peers, (peer, j) => {
        const pp = `spec.${dir}[${i}].${dir === 'ingress' ? 'from' : 'to'}[${j}]`;
        validateLabelSelector(peer.podSelector, `${pp}.podSelector`, errs);
        validateLabelSelector(peer.namespaceSelector, `${pp}.namespaceSelector`, errs);
        if (isSet(peer.ipBlock) && (isSet(peer.podSelector) || isSet(peer.namespaceSelector))) {
          errs.push(fieldErr.forbidden(pp, 'may not specify more than 1 peer type'));
        }
      });
    });
  }
}
