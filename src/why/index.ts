// Surface of why/: `k8ts why KIND/NAME` — a plain-words diagnosis following the chain of cause.
// Pure diagnosis (diagnose, headline, render*) over facts the fetch layer reads (fetchFacts).
export type { Diagnosis, PodFinding, WhyFacts, WhyKind, WhySubject } from './types.js';
export { diagnose, headline, emptyFacts } from './diagnose.js';
export { renderText, renderJson, wrap } from './render.js';
export { parseTarget, resolveKind, WhyInputError, SUPPORTED_KINDS, type WhyTarget } from './resolve.js';
export { fetchFacts, restSource, type WhySource, type RestLike } from './fetch.js';
export { diagnosePod, logsWanted } from './pod.js';
export { nearMisses } from './network.js';
