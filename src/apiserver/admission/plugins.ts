// The admission plugins in upstream's order. Mutating plugins run in this order first, then
// validating ones in this order; ResourceQuota stays last so that it charges only requests
// every other plugin accepted.
import type { AdmissionPlugin, ObjectLookup } from './types.js';
import { ServiceAccountPlugin } from './service-account.js';
import { LimitRangerPlugin } from './limit-ranger.js';
import { PodSecurityPlugin } from './pod-security/plugin.js';
import { defaultPodSecurityConfig, type PodSecurityConfig } from './pod-security/policy.js';
import { ResourceQuotaPlugin } from './resource-quota.js';

export interface AdmissionOptions {
  podSecurity?: PodSecurityConfig;
}

export function defaultAdmissionPlugins(lookup: ObjectLookup, opts: AdmissionOptions = {}): AdmissionPlugin[] {
  return [
    new LimitRangerPlugin(lookup),
    new ServiceAccountPlugin(lookup),
    // NodeRestriction goes here (upstream: after ServiceAccount, before PodSecurity).
    new PodSecurityPlugin(opts.podSecurity ?? defaultPodSecurityConfig(), lookup),
    new ResourceQuotaPlugin(lookup),
  ];
}
