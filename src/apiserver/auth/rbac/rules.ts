// RBAC rule evaluation as upstream's rbac/v1 helpers define it: pure functions over plain
// PolicyRules and Subjects, shared by the authorizer, the rules review and escalation checks.
//
// Matching a request (RequestAttributes) against one rule:
//   verbs           '*' or the verb
//   apiGroups       '*' or the group ('' is the core group)
//   resources       '*', the resource, 'resource/subresource', or '*/subresource'
//   resourceNames   empty (any name) or contains the name
//   nonResourceURLs '*', the path, or a prefix ending in '*' ('/apis/*')
// "Covers" (escalation prevention) asks whether one set of rules grants everything another
// grants, after breaking the second down into single-verb, single-resource atoms.
import type { PolicyRule, RbacV1Subject } from '../../../api/types/index.js';
import type { RequestAttributes, UserInfo } from '../user.js';

const ALL = '*';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Splits `system:serviceaccount:<ns>:<name>`; undefined for other usernames. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  const parts = username.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount' || !parts[2] || !parts[3]) return undefined;
  return { namespace: parts[2], name: parts[3] };
}

export function verbMatches(rule: Readonly<PolicyRule>, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: Readonly<PolicyRule>, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(ALL) || groups.includes(group);
}

export function resourceMatches(rule: Readonly<PolicyRule>, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    // '*/scale' grants the scale subresource of every resource.
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: Readonly<PolicyRule>, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== undefined && name !== '' && names.includes(name);
}

export function nonResourceURLMatches(rule: Readonly<PolicyRule>, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Whether one rule allows the request. */
export function ruleAllows(a: Readonly<RequestAttributes>, rule: Readonly<PolicyRule>): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (a.resourceRequest) return apiGroupMatches(rule, a.apiGroup ?? '') && resourceMatches(rule, a.resource ?? '', a.subresource) && resourceNameMatches(rule, a.name);
  return nonResourceURLMatches(rule, a.path ?? '');
}

/**
 * Whether a binding subject names this user. A ServiceAccount subject without a namespace
 * takes the binding's namespace (ClusterRoleBindings have none, so it never matches).
 */
export function subjectMatches(user: Readonly<UserInfo>, s: Readonly<RbacV1Subject>, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.username === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

// ---- covers (escalation prevention) ----

const has = (set: readonly string[] | undefined, v: string): boolean => !!set && set.includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined): boolean => (vs ?? []).every((v) => has(set, v));

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, ALL) || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLsCoverAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => (owner ?? []).some((o) => o === ALL || o === w || (o.endsWith('*') && w.startsWith(o.slice(0, -1)))));
}

function ruleCovers(owner: Readonly<PolicyRule>, sub: Readonly<PolicyRule>): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const names = (sub.resourceNames ?? []).length === 0 ? (owner.resourceNames ?? []).length === 0 : (owner.resourceNames ?? []).length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && urls && names;
}

/** One rule broken into rules of one verb, one group, one resource and at most one name. */
export function breakdownRule(rule: Readonly<PolicyRule>): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if ((rule.resourceNames ?? []).length) for (const n of rule.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

/** The atoms of `wanted` that no rule of `owner` covers (empty: owner covers wanted). */
export function uncoveredRules(owner: readonly Readonly<PolicyRule>[], wanted: readonly Readonly<PolicyRule>[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const w of wanted) for (const atom of breakdownRule(w)) if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
  return missing;
}

/** Upstream's compact rule text: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}. */
export function describeRule(r: Readonly<PolicyRule>): string {
  const q = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
