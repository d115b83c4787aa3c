// upstream's audit.k8s.io/v1 Policy: the first rule that matches a request gives its level
// (None, Metadata, Request, RequestResponse), the stages to leave out and whether managedFields
// are dropped from logged objects. A request no rule matches is not audited. Pure.
import { ERR_AUDIT_POLICY } from '../../util/error-codes.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const AUDIT_LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const AUDIT_STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  /** API group; "" is the core group. */
  group: string;
  // `pods`, `pods/log` (a sub-resource), `*`, `*/scale` (any resource's scale), `pods/*`; empty: every resource of the group.
  resources: string[];
  /** Names the rule is limited to; empty: any. */
  resourceNames: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** What the policy says for one request. */
export interface PolicyDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
  omitManagedFields: boolean;
}

/** The request attributes rules match. */
export interface PolicyAttributes {
  user: string;
  groups: readonly string[];
  verb: string;
  /** Present for resource requests. */
  resource?: { group: string; resource: string; subresource?: string; namespace?: string; name?: string };
  /** Path of a non-resource request. */
  path?: string;
}

const NONE: PolicyDecision = { level: 'None', omitStages: new Set(), omitManagedFields: false };

export class AuditPolicyError extends Error {
  readonly code = ERR_AUDIT_POLICY;
  constructor(message: string) {
    super(message);
    this.name = 'AuditPolicyError';
  }
}

/** Checks a decoded Policy document and returns it in our shape; AuditPolicyError says what is wrong. */
export function parseAuditPolicy(doc: unknown): AuditPolicy {
  if (!isObject(doc)) throw new AuditPolicyError('the audit policy must be an object (kind: Policy)');
  if (doc.kind !== 'Policy') throw new AuditPolicyError(`the audit policy's kind must be Policy, got ${JSON.stringify(doc.kind)}`);
  if (doc.apiVersion !== 'audit.k8s.io/v1') throw new AuditPolicyError(`the audit policy's apiVersion must be audit.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`);
  const rules = doc.rules;
  if (!Array.isArray(rules) || rules.length === 0) throw new AuditPolicyError('the audit policy has no rules: add at least one (e.g. - level: Metadata)');
  return {
    rules: rules.map((r, i) => parseRule(r, `rules[${i}]`)),
    omitStages: stages(doc.omitStages, 'omitStages'),
    omitManagedFields: doc.omitManagedFields === true,
  };
}

function parseRule(r: unknown, at: string): PolicyRule {
  if (!isObject(r)) throw new AuditPolicyError(`${at} must be an object`);
  if (!AUDIT_LEVELS.includes(r.level as AuditLevel)) throw new AuditPolicyError(`${at}.level: must be one of ${AUDIT_LEVELS.join(', ')}, got ${JSON.stringify(r.level)}`);
  const resources = r.resources === undefined ? [] : Array.isArray(r.resources) ? r.resources.map((g, i) => parseGroupResources(g, `${at}.resources[${i}]`)) : fail(`${at}.resources must be a list`);
  const rule: PolicyRule = {
    level: r.level as AuditLevel,
    users: strings(r.users, `${at}.users`),
    userGroups: strings(r.userGroups, `${at}.userGroups`),
    verbs: strings(r.verbs, `${at}.verbs`),
    resources,
    namespaces: strings(r.namespaces, `${at}.namespaces`),
    nonResourceURLs: strings(r.nonResourceURLs, `${at}.nonResourceURLs`),
    omitStages: stages(r.omitStages, `${at}.omitStages`),
    omitManagedFields: typeof r.omitManagedFields === 'boolean' ? r.omitManagedFields : undefined,
  };
  if (rule.nonResourceURLs.length && (rule.resources.length || rule.namespaces.length))
    throw new AuditPolicyError(`${at}: rules cannot apply to both regular resources and non-resource URLs`);
  for (const u of rule.nonResourceURLs) {
    if (u.includes('*') && (u.indexOf('*') !== u.length - 1)) throw new AuditPolicyError(`${at}.nonResourceURLs: ${JSON.stringify(u)}: * is allowed only at the end`);
  }
  return rule;
}

function parseGroupResources(g: unknown, at: string): GroupResources {
  if (!isObject(g)) throw new AuditPolicyError(`${at} must be an object`);
  if (g.group !== undefined && typeof g.group !== 'string') throw new AuditPolicyError(`${at}.group must be a string`);
  const out: GroupResources = { group: (g.group as string | undefined) ?? '', resources: strings(g.resources, `${at}.resources`), resourceNames: strings(g.resourceNames, `${at}.resourceNames`) };
  if (out.resourceNames.length && out.resources.some((r) => r === '*' || r.startsWith('*/'))) {
    throw new AuditPolicyError(`${at}.resourceNames: resource names cannot be used with "*" resources`);
  }
  return out;
}

function strings(v: unknown, at: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new AuditPolicyError(`${at} must be a list of strings`);
  return v as string[];
}

function stages(v: unknown, at: string): AuditStage[] {
  const out = strings(v, at);
  for (const s of out) if (!AUDIT_STAGES.includes(s as AuditStage)) throw new AuditPolicyError(`${at}: unknown stage ${JSON.stringify(s)}; stages are ${AUDIT_STAGES.join(', ')}`);
  return out as AuditStage[];
}

function fail(msg: string): never {
  throw new AuditPolicyError(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The level, omitted stages and managedFields choice for a request: the first rule that matches. */
export function evaluatePolicy(p: AuditPolicy, a: PolicyAttributes): PolicyDecision {
  for (const r of p.rules) {
    if (!ruleMatches(r, a)) continue;
    return decisionOf(p, r);
  }
  return NONE;
}

/** One decision object per rule, built on first use (requests share it; it is never changed). */
const decisions = new WeakMap<PolicyRule, PolicyDecision>();

function decisionOf(p: AuditPolicy, r: PolicyRule): PolicyDecision {
  if (r.level === 'None') return NONE;
  let d = decisions.get(r);
  if (!d) {
    d = Object.freeze({ level: r.level, omitStages: new Set([...p.omitStages, ...r.omitStages]), omitManagedFields: r.omitManagedFields ?? p.omitManagedFields });
    decisions.set(r, d);
  }
  return d;
}

function ruleMatches(r: PolicyRule, a: PolicyAttributes): boolean {
  if (r.users.length && !r.users.includes(a.user)) return false;
  if (r.userGroups.length && !r.userGroups.some((g) => a.groups.includes(g))) return false;
  if (r.verbs.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces.length || r.resources.length) return resourceMatches(r, a);
  if (r.nonResourceURLs.length) return a.resource === undefined && a.path !== undefined && r.nonResourceURLs.some((u) => pathMatches(a.path!, u));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.slice(0, -1));
}

function resourceMatches(r: PolicyRule, a: PolicyAttributes): boolean {
  const res = a.resource;
  if (!res) return false;
  // A namespace rule matches cluster-scoped requests only through "".
  if (r.namespaces.length && !r.namespaces.includes(res.namespace ?? '')) return false;
  if (!r.resources.length) return true;
  const sub = res.subresource ?? '';
  const combined = sub ? `${res.resource}/${sub}` : res.resource;
  for (const g of r.resources) {
    if (g.group !== res.group) continue;
    if (!g.resources.length) return true;
    if (g.resourceNames.length && !g.resourceNames.includes(res.name ?? '')) continue;
    for (const spec of g.resources) {
      if (spec === combined || spec === '*') return true;
      if (sub && spec.startsWith('*/') && spec.slice(2) === sub) return true;
      if (spec.endsWith('/*') && spec.slice(0, -2) === res.resource) return true;
    }
  }
  return false;
}
