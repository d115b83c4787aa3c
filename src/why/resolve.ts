// KIND/NAME (or KIND NAME) as kubectl spells it: plural, singular, short name or Kind,
// optionally with the group (deploy/x, deployments.apps/x, svc x, Ingress/x).
import { resources } from '../api/registry/index.js';
import type { WhyKind } from './types.js';

/** The kinds `why` diagnoses, by group and lower-case kind. */
const SUPPORTED: Record<string, WhyKind> = {
  '/pod': 'pod', 'apps/deployment': 'deployment', 'apps/replicaset': 'replicaset', 'apps/statefulset': 'statefulset',
  'apps/daemonset': 'daemonset', 'batch/job': 'job', '/service': 'service', 'networking.k8s.io/ingress': 'ingress',
  '/persistentvolumeclaim': 'persistentvolumeclaim', '/node': 'node',
};

export const SUPPORTED_KINDS = Object.values(SUPPORTED);

/** Bad input: the CLI prints `message` as one line and exits 2. */
export class WhyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WhyInputError';
  }
}

export interface WhyTarget {
  kind: WhyKind;
  name: string;
}

export function parseTarget(args: readonly string[]): WhyTarget {
  let kindText: string;
  let name: string;
  if (args.length === 1 && args[0].includes('/')) {
    const i = args[0].indexOf('/');
    kindText = args[0].slice(0, i);
    name = args[0].slice(i + 1);
  } else if (args.length === 2 && !args[0].includes('/')) {
    [kindText, name] = args;
  } else {
    throw new WhyInputError(`expected KIND/NAME (e.g. deploy/web, svc/web, pod/web-1), got "${args.join(' ')}"`);
  }
  if (!kindText || !name || name.includes('/')) throw new WhyInputError(`expected KIND/NAME (e.g. deploy/web), got "${args.join(' ')}"`);
  return { kind: resolveKind(kindText), name };
}

export function resolveKind(text: string): WhyKind {
  const lower = text.toLowerCase();
  const dot = lower.indexOf('.');
  const word = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  const defs = resources.filter((r) => (group === undefined || r.group === group) && [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames].includes(word));
  if (!defs.length) throw new WhyInputError(`unknown kind "${text}": k8ts why diagnoses ${SUPPORTED_KINDS.join(', ')}`);
  for (const d of defs) {
    const k = SUPPORTED[`${d.group}/${d.kind.toLowerCase()}`];
    if (k) return k;
  }
  throw new WhyInputError(`k8ts why does not diagnose ${defs[0].kind} objects; it diagnoses ${SUPPORTED_KINDS.join(', ')}`);
}
