// OUR OWN DEFINITION (hand-written, not generated): the retired networking.k8s.io/v1beta1
// Ingress, removed upstream in 1.22 and absent from the wire-facts table. Old manifests still
// use it, so strict validation and OpenAPI need its shape. Field numbers follow the old
// protobuf layout; status reuses the networking/v1 types.
import type { FieldTuple } from './generated.js';

const PKG = 'k8s.io.api.networking.v1beta1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const F_REPEATED = 1;
const F_POINTER = 4;
const F_OMITEMPTY = 8;
const F_INLINE = 16;

export const RETIRED_MESSAGES: { readonly [name: string]: readonly FieldTuple[] } = {
  [`${PKG}.Ingress`]: [
    ['metadata', 1, `${META}.ObjectMeta`, F_OMITEMPTY],
    ['spec', 2, `${PKG}.IngressSpec`, F_OMITEMPTY],
    ['status', 3, `${PKG}.IngressStatus`, F_OMITEMPTY],
  ],
  [`${PKG}.IngressList`]: [
    ['metadata', 1, `${META}.ListMeta`, F_OMITEMPTY],
    ['items', 2, `${PKG}.Ingress`, F_REPEATED],
  ],
  [`${PKG}.IngressSpec`]: [
    ['ingressClassName', 4, 'string', F_POINTER | F_OMITEMPTY],
    ['backend', 1, `${PKG}.IngressBackend`, F_POINTER | F_OMITEMPTY],
    ['tls', 2, `${PKG}.IngressTLS`, F_REPEATED | F_OMITEMPTY],
    ['rules', 3, `${PKG}.IngressRule`, F_REPEATED | F_OMITEMPTY],
  ],
  [`${PKG}.IngressBackend`]: [
    ['serviceName', 1, 'string', F_OMITEMPTY],
    ['servicePort', 2, 'k8s.io.apimachinery.pkg.util.intstr.IntOrString', F_OMITEMPTY],
    ['resource', 3, 'k8s.io.api.core.v1.TypedLocalObjectReference', F_POINTER | F_OMITEMPTY],
  ],
  [`${PKG}.IngressTLS`]: [
    ['hosts', 1, 'string', F_REPEATED | F_OMITEMPTY],
    ['secretName', 2, 'string', F_OMITEMPTY],
  ],
  [`${PKG}.IngressRule`]: [
    ['host', 1, 'string', F_OMITEMPTY],
    ['ingressRuleValue', 2, `${PKG}.IngressRuleValue`, F_INLINE],
  ],
  [`${PKG}.IngressRuleValue`]: [
    ['http', 1, `${PKG}.HTTPIngressRuleValue`, F_POINTER | F_OMITEMPTY],
  ],
  [`${PKG}.HTTPIngressRuleValue`]: [
    ['paths', 1, `${PKG}.HTTPIngressPath`, F_REPEATED],
  ],
  [`${PKG}.HTTPIngressPath`]: [
    ['path', 1, 'string', F_OMITEMPTY],
    ['pathType', 3, 'string', F_POINTER],
    ['backend', 2, `${PKG}.IngressBackend`, 0],
  ],
  [`${PKG}.IngressStatus`]: [
    ['loadBalancer', 1, 'k8s.io.api.networking.v1.IngressLoadBalancerStatus', F_OMITEMPTY],
  ],
};
