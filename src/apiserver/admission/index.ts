// Admission: the ordered plugin chain every API write passes (src/apiserver/admission/README.md).
export { AdmissionChain } from './chain.js';
export { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type ObjectLookup, type Operation } from './types.js';
export { PodSecurityPlugin, defaultPodSecurityConfig, parseLevelVersion, type PodSecurityConfig } from './pod-security/index.js';
export { LimitRangerPlugin } from './limit-ranger.js';
export { ResourceQuotaPlugin } from './resource-quota.js';
export { ServiceAccountPlugin } from './service-account.js';
export { defaultAdmissionPlugins, type AdmissionOptions } from './plugins.js';
