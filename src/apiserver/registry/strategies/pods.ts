// Pods: status starts Pending with the QoS class; deletion is graceful once the pod is
// bound to a node (the kubelet finishes it with a zero grace period).
import type { KObject, Pod, PodSpec } from '../../../api/types/index.js';
import { Strategy } from '../strategy.js';
import type { DeleteOptions } from '../resource-store.js';
import { podQosClass } from '../../api-hooks.js';
import { addDefaultTolerations, addDefaultServiceAccount, applyPodPriority, type ResolvedPriority } from '../../../api/defaults/index.js';
import { podGracePeriod, type ResourceDef } from '../../../api/registry/index.js';
import type { RequestContext } from '../../context.js';

export type PriorityResolver = (className: string | undefined) => ResolvedPriority | undefined;

export class PodStrategy extends Strategy {
  constructor(def: ResourceDef, private readonly resolvePriority: PriorityResolver) {
    super(def);
  }

  /** Admission on create: DefaultTolerationSeconds, ServiceAccount (name only) and Priority. */
  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    await super.prepareForCreate(obj, ctx);
    addDefaultTolerations(obj);
    addDefaultServiceAccount(obj);
    const pod: Readonly<Pod> = obj;
    applyPodPriority(obj, this.resolvePriority(pod.spec?.priorityClassName));
  }

  /**
   * The ephemeralcontainers subresource (kubectl debug) changes spec.ephemeralContainers and
   * nothing else, as upstream's podEphemeralContainersStrategy: the rest of the object is the
   * stored one, and the new containers get the container defaults (imagePullPolicy,
   * terminationMessagePath) as on create.
   */
  override async prepareForUpdate(next: KObject, old: KObject, ctx: RequestContext, subresource?: string): Promise<void> {
    if (subresource !== 'ephemeralcontainers') return super.prepareForUpdate(next, old, ctx, subresource);
    const ephemeral = (next.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
    const managedFields = next.metadata.managedFields;
    for (const k of Object.keys(next)) delete next[k];
    Object.assign(next, structuredClone(old));
    const spec = (next.spec ?? (next.spec = {})) as { ephemeralContainers?: unknown };
    if (ephemeral === undefined || ephemeral === null) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = ephemeral;
    if (managedFields) next.metadata.managedFields = managedFields;
    this.applyDefaults(next);
  }

  override initialStatus(obj: KObject): unknown {
    return { phase: 'Pending', qosClass: podQosClass(obj) };
  }

  override gracePeriod(obj: KObject, opts: DeleteOptions): number {
    return podGracePeriod(obj, opts);
  }
}
