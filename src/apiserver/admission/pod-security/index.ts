export { PodSecurityPlugin } from './plugin.js';
export { evaluatePod, formatViolations, LEVELS, type Level, type Violation } from './checks.js';
export { defaultPodSecurityConfig, namespacePolicy, parseLevelVersion, formatLevel, LABEL_PREFIX, type PodSecurityConfig, type NamespacePolicy, type LevelVersion } from './policy.js';
