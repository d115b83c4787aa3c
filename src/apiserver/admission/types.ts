// The admission chain's vocabulary (upstream's admission.Attributes and the Mutation- and
// ValidationInterface). A plugin sees one write: the operation, the resource, the new object
// (for CREATE/UPDATE) and the stored one (UPDATE), and who asks. Mutating plugins change the
// object in place before the kind's defaulting and validation; validating plugins only look
// and throw a Status error (usually 403 Forbidden) to refuse. Warnings go to ctx.warnings.
import type { KObject } from '../../api/types/index.js';
import type { ResourceDef } from '../../api/registry/index.js';
import type { RequestContext } from '../context.js';
import { forbidden, type StatusError } from '../../api/status.js';

export type Operation = 'CREATE' | 'UPDATE';

export interface AdmissionAttributes {
  operation: Operation;
  def: ResourceDef;
  /** '' for the main resource. */
  subresource: string;
  namespace: string | undefined;
  name: string;
  object: KObject;
  oldObject?: Readonly<KObject>;
  ctx: RequestContext;
}

/** Read access to the API server's watch caches, for plugins that need other objects. */
export interface ObjectLookup {
  get(group: string, plural: string, namespace: string | undefined, name: string): Readonly<KObject> | undefined;
  list(group: string, plural: string, namespace?: string): ReadonlyArray<Readonly<KObject>>;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Whether the plugin cares about this request at all (cheap; called on every write). */
  handles(a: Readonly<AdmissionAttributes>): boolean;
  mutate?(a: AdmissionAttributes): void | Promise<void>;
  validate?(a: Readonly<AdmissionAttributes>): void | Promise<void>;
}

/**
 * A refusal as upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`
 * with the group, resource and name in the Status details.
 */
export function admissionForbidden(a: Readonly<AdmissionAttributes>, why: string): StatusError {
  const gr = { group: a.def.group, resource: a.def.plural };
  const resource = a.def.group ? `${a.def.plural}.${a.def.group}` : a.def.plural;
  return forbidden(`${resource} "${a.name}" is forbidden: ${why}`, gr, a.name);
}
