export { startIngressController, INGRESS_CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION, type IngressControllerOptions, type RunningIngressController } from './controller.js';
export { buildRoutes, tlsSecretRefs, matchRoute, certFor, hostOf, isServedIngress, type RouteTable, type Backend, type Endpoint, type TlsCert, type BuildOptions } from './routes.js';
export { IngressProxy, type IngressProxyOptions } from './proxy.js';
