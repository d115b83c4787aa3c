// Public surface of defaulting.
export { applyDefaults, hasDefaults } from './defaults.js';
export {
  addDefaultTolerations, applyPodPriority, addDefaultServiceAccount, addServiceAccountTokenVolume,
  DEFAULT_TOLERATION_SECONDS,
} from './admission.js';
export type { ResolvedPriority } from './admission.js';
export {
  jobSelectorAndLabels, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL,
} from './batch.js';
export { podQOSClass } from './qos.js';
export type { QOSClass } from './qos.js';
export { defaultPodSpec, imageTag, DEFAULT_FILE_MODE } from './pod.js';
export { NAMESPACE_NAME_LABEL } from './core.js';
