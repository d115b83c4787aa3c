// PodSecurity admission (upstream's pod-security-admission): pods are checked against the
// level their namespace enforces (403 when they violate it) and the level it warns about
// (a Warning header); workloads' pod templates only get warnings, for both levels, so that
// `kubectl apply` of a Deployment says early what its pods will run into. Exempt namespaces,
// users and runtime classes are skipped. Audit has no audit log here: it is logged at -v 2.
import type { CronJob, Namespace, ObjectMeta, Pod, PodSpec, PodTemplateSpec } from '../../../api/types/index.js';
import { fieldErr, invalid } from '../../../api/status.js';
import { deepEqual } from '../../../util/json.js';
import { logger } from '../../../util/log.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type ObjectLookup } from '../types.js';
import { evaluatePod, formatViolations, type Violation } from './checks.js';
import { formatLevel, LABEL_PREFIX, namespacePolicy, type LevelVersion, type PodSecurityConfig } from './policy.js';

const log = logger('pod-security');

/** Kinds whose pod template PodSecurity looks at, by group/Kind. */
const TEMPLATE_OF: Record<string, (o: Record<string, unknown>) => PodTemplateSpec | undefined> = {
  ReplicationController: (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  PodTemplate: (o) => o.template as PodTemplateSpec | undefined,
  'apps/Deployment': (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  'apps/ReplicaSet': (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  'apps/StatefulSet': (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  'apps/DaemonSet': (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  'batch/Job': (o) => (o.spec as { template?: PodTemplateSpec } | undefined)?.template,
  'batch/CronJob': (o) => (o as CronJob).spec?.jobTemplate?.spec?.template,
};

function podSecurityLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k.startsWith(LABEL_PREFIX)));
}

function kindKey(a: Readonly<AdmissionAttributes>): string {
  return a.def.group ? `${a.def.group}/${a.def.kind}` : a.def.kind;
}

export class PodSecurityPlugin implements AdmissionPlugin {
  readonly name = 'PodSecurity';

  constructor(private readonly config: PodSecurityConfig, private readonly lookup: ObjectLookup) {}

  handles(a: Readonly<AdmissionAttributes>): boolean {
    if (a.def.kind === 'Pod' && a.def.group === '') return a.subresource === '' || a.subresource === 'ephemeralcontainers';
    if (a.def.kind === 'Namespace' && a.def.group === '') return a.subresource === '';
    return a.subresource === '' && kindKey(a) in TEMPLATE_OF;
  }

  validate(a: Readonly<AdmissionAttributes>): void {
    if (a.def.kind === 'Namespace') return this.validateNamespace(a);
    const ns = a.namespace;
    if (!ns || this.isExempt(a)) return;
    const nsObj = this.lookup.get('', 'namespaces', undefined, ns) as Readonly<Namespace> | undefined;
    const { policy } = namespacePolicy(nsObj?.metadata.labels, this.config.defaults);
    if (a.def.kind === 'Pod') {
      const spec = (a.object.spec ?? {}) as PodSpec;
      if (this.unchangedPodUpdate(a)) return;
      if (spec.runtimeClassName && this.config.exemptions.runtimeClasses.includes(spec.runtimeClassName)) return;
      this.checkPod(a, a.object.metadata, spec, policy.enforce, policy.warn, policy.audit);
      return;
    }
    const tmpl = TEMPLATE_OF[kindKey(a)](a.object as Record<string, unknown>);
    if (!tmpl?.spec) return;
    if (a.operation === 'UPDATE' && a.oldObject && deepEqual(TEMPLATE_OF[kindKey(a)](a.oldObject as Record<string, unknown>), tmpl)) return;
    const meta = tmpl.metadata ?? {};
    const warned = new Set<string>();
    const memo = new Map<string, Violation | undefined>();
    for (const lv of [policy.enforce, policy.warn]) {
      const key = formatLevel(lv);
      if (warned.has(key)) continue;
      warned.add(key);
      const vs = evaluatePod(lv.level, meta, tmpl.spec, memo);
      if (vs.length) a.ctx.warnings.push(`would violate PodSecurity "${key}": ${formatViolations(vs)}`);
    }
  }

  private checkPod(a: Readonly<AdmissionAttributes>, meta: Readonly<ObjectMeta>, spec: Readonly<PodSpec>, enforce: LevelVersion, warn: LevelVersion, audit: LevelVersion): void {
    const memo = new Map<string, Violation | undefined>();
    const enforced = evaluatePod(enforce.level, meta, spec, memo);
    if (!(warn.level === enforce.level && warn.version === enforce.version)) {
      const vs = evaluatePod(warn.level, meta, spec, memo);
      if (vs.length) a.ctx.warnings.push(`would violate PodSecurity "${formatLevel(warn)}": ${formatViolations(vs)}`);
    }
    const audited = evaluatePod(audit.level, meta, spec, memo);
    if (audited.length) log.v(2, `pod ${a.namespace}/${a.name} violates PodSecurity "${formatLevel(audit)}" (audit): ${formatViolations(audited)}`);
    if (enforced.length) throw admissionForbidden(a, `violates PodSecurity "${formatLevel(enforce)}": ${formatViolations(enforced)}`);
  }

  /**
   * Namespace writes: the pod-security labels must be valid (422 otherwise), and raising the
   * enforced level warns about the namespace's pods that the new level would refuse, grouped
   * by what they violate (as `kubectl label --dry-run=server` shows upstream).
   */
  private validateNamespace(a: Readonly<AdmissionAttributes>): void {
    const ns = a.object as Namespace;
    const { policy, errors } = namespacePolicy(ns.metadata.labels, this.config.defaults);
    const labelsChanged = !a.oldObject || !deepEqual(podSecurityLabels(a.oldObject.metadata.labels), podSecurityLabels(ns.metadata.labels));
    if (errors.length && labelsChanged) throw invalid('namespaces', '', a.name, errors.map((e) => fieldErr.invalid(`metadata.labels[${e.label}]`, e.value, e.detail)));
    if (a.operation !== 'UPDATE' || !a.oldObject || this.config.exemptions.namespaces.includes(a.name)) return;
    const old = namespacePolicy(a.oldObject.metadata.labels, this.config.defaults).policy;
    if (formatLevel(old.enforce) === formatLevel(policy.enforce) || policy.enforce.level === 'privileged') return;
    const groups = new Map<string, string[]>();
    for (const pod of this.lookup.list('', 'pods', a.name) as ReadonlyArray<Readonly<Pod>>) {
      if (pod.spec?.runtimeClassName && this.config.exemptions.runtimeClasses.includes(pod.spec.runtimeClassName)) continue;
      const vs = evaluatePod(policy.enforce.level, pod.metadata, pod.spec ?? { containers: [] });
      if (!vs.length) continue;
      const key = [...new Set(vs.map((v) => v.reason))].join(', ');
      groups.set(key, [...(groups.get(key) ?? []), pod.metadata.name ?? '']);
    }
    if (!groups.size) return;
    a.ctx.warnings.push(`existing pods in namespace ${JSON.stringify(a.name)} violate the new PodSecurity enforce level ${JSON.stringify(formatLevel(policy.enforce))}`);
    for (const [reasons, pods] of [...groups].sort((x, y) => (x[1][0] < y[1][0] ? -1 : 1))) {
      const more = pods.length - 1;
      a.ctx.warnings.push(`${pods[0]}${more ? ` (and ${more} other ${more === 1 ? 'pod' : 'pods'})` : ''}: ${reasons}`);
    }
  }

  private isExempt(a: Readonly<AdmissionAttributes>): boolean {
    const ex = this.config.exemptions;
    return ex.namespaces.includes(a.namespace ?? '') || ex.usernames.includes(a.ctx.user.username);
  }

  /**
   * Updates of a pod's metadata or status never change what it may do: as upstream, a pod
   * update is checked only when its spec changed (ephemeral containers, images).
   */
  private unchangedPodUpdate(a: Readonly<AdmissionAttributes>): boolean {
    return a.operation === 'UPDATE' && !!a.oldObject && deepEqual(a.oldObject.spec, a.object.spec);
  }
}
