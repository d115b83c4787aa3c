// networking.k8s.io defaulting. v1 Ingress has no defaults (pathType is required);
// v1beta1 defaulted pathType to ImplementationSpecific.

import type { Obj } from './util.js';
import { child, eachObject, setDefaultString, sub } from './util.js';

export function defaultIngress(o: Obj, version: string): void {
  if (version === 'v1') return;
  const spec = sub(o, 'spec');
  if (!spec) return;
  eachObject(spec.rules, (r) => {
    const http = sub(r, 'http');
    if (http) eachObject(http.paths, (p) => setDefaultString(p, 'pathType', 'ImplementationSpecific'));
  });
}

export function defaultIngressClass(o: Obj): void {
  const params = sub(sub(o, 'spec'), 'parameters');
  if (params) setDefaultString(params, 'scope', 'Cluster');
}

export function defaultNetworkPolicy(o: Obj): void {
  const spec = child(o, 'spec');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const dir of ['ingress', 'egress']) {
    eachObject(spec[dir], (rule) => eachObject(rule.ports, (p) => setDefaultString(p, 'protocol', 'TCP')));
  }
}
