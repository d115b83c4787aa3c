// Ingress: networking.k8s.io/v1beta1 (and extensions/v1beta1) ⇄ networking.k8s.io/v1.
//   backend.serviceName/servicePort ⇄ backend.service{name, port{number|name}}
//   spec.backend ⇄ spec.defaultBackend
//   pathType absent in v1beta1 → ImplementationSpecific (v1beta1's default)

import type { Obj } from './util.js';
import { obj, rename } from './util.js';

function backendToV1(b: Obj): void {
  if (!('serviceName' in b) && !('servicePort' in b)) return;
  const port = b.servicePort;
  const service: Obj = { name: b.serviceName ?? '' };
  if (typeof port === 'number') service.port = { number: port };
  else if (typeof port === 'string' && port !== '') service.port = { name: port };
  delete b.serviceName;
  delete b.servicePort;
  b.service = service;
}

function backendToV1beta1(b: Obj): void {
  const svc = obj(b.service);
  if (!svc) return;
  delete b.service;
  b.serviceName = svc.name ?? '';
  const port = obj(svc.port);
  if (port && typeof port.name === 'string' && port.name !== '') b.servicePort = port.name;
  else if (port && typeof port.number === 'number') b.servicePort = port.number;
  else b.servicePort = 0;
}

function eachPath(spec: Obj, fn: (p: Obj) => void): void {
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  for (const r of rules) {
    const http = obj(obj(r)?.http);
    const paths = http && Array.isArray(http.paths) ? http.paths : [];
    for (const p of paths) { const po = obj(p); if (po) fn(po); }
  }
}

export function ingressToV1(o: Obj): void {
  const spec = obj(o.spec);
  if (!spec) return;
  rename(spec, 'backend', 'defaultBackend');
  const def = obj(spec.defaultBackend);
  if (def) backendToV1(def);
  eachPath(spec, (p) => {
    if (p.pathType === undefined || p.pathType === null || p.pathType === '') p.pathType = 'ImplementationSpecific';
    const b = obj(p.backend);
    if (b) backendToV1(b);
  });
}

export function ingressToV1beta1(o: Obj): void {
  const spec = obj(o.spec);
  if (!spec) return;
  rename(spec, 'defaultBackend', 'backend');
  const def = obj(spec.backend);
  if (def) backendToV1beta1(def);
  eachPath(spec, (p) => {
    const b = obj(p.backend);
    if (b) backendToV1beta1(b);
  });
}
