// Label selector helpers the scheduler needs beyond src/api/selectors' public surface.
export { labelSelectorFromMeta, matchesLabels, type LabelRequirement, type LabelSelector } from '../api/selectors/index.js';
import type { LabelRequirement, LabelSelector } from '../api/selectors/index.js';

/** A selector from already-valid requirements (AND). */
export function selectorOf(reqs: readonly LabelRequirement[]): LabelSelector {
  return { kind: 'requirements', requirements: [...reqs] };
}
