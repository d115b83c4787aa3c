// Service → EndpointSlices → pods' readiness; Ingress → Service → endpoints.
// A selector that matches no pod is the classic typo: the near misses (pods matching all but one
// selector label) name the label that differs.
import type { Ingress, IngressBackend, Pod, Service } from '../api/types/index.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';
import { judgePods } from './workloads.js';
import { podRef } from './pod.js';
import type { Diagnosis, WhyFacts } from './types.js';

/** Pods that match every selector label but one, with the one label that differs. */
export function nearMisses(selector: Readonly<Record<string, string>>, pods: readonly Pod[]): Array<{ pod: string; key: string; want: string; have?: string }> {
  const keys = Object.keys(selector);
  const out: Array<{ pod: string; key: string; want: string; have?: string }> = [];
  if (keys.length === 0) return out;
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    const differ = keys.filter((k) => labels[k] !== selector[k]);
    // With a one-label selector only pods carrying the key with another value count (else every pod would).
    if (differ.length === 1 && (keys.length > 1 || labels[differ[0]] !== undefined)) {
      out.push({ pod: p.metadata.name!, key: differ[0], want: selector[differ[0]], have: labels[differ[0]] });
    }
  }
  // Closest first: a typo (wbe for web) is one or two edits away.
  return out.sort((a, b) => distance(a.have ?? '', a.want) - distance(b.have ?? '', b.want));
}

/** Levenshtein distance, for ordering near misses (values are label values: at most 63 characters). */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function selects(selector: Readonly<Record<string, string>>, p: Pod): boolean {
  const labels = p.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function fmtSelector(sel: Readonly<Record<string, string>>): string {
  return Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
}

/** Ready endpoint addresses in the Service's EndpointSlices, and all of them. */
export function endpointCounts(svc: Service, facts: WhyFacts): { ready: number; total: number; slices: number } {
  let ready = 0;
  let total = 0;
  let slices = 0;
  for (const s of facts.endpointSlices) {
    if (s.metadata.labels?.[LABEL_SERVICE_NAME] !== svc.metadata.name || s.metadata.namespace !== svc.metadata.namespace) continue;
    slices++;
    for (const e of s.endpoints ?? []) {
      total++;
      if (e.conditions?.ready !== false) ready++;
    }
  }
  return { ready, total, slices };
}

export function diagnoseService(svc: Service, facts: WhyFacts, chainPrefix: string[] = []): Diagnosis {
  const subject = `service/${svc.metadata.name}`;
  const chain = [...chainPrefix, subject];
  const top = chainPrefix[0] ?? subject;
  if (svc.spec?.type === 'ExternalName') {
    return { healthy: true, subject: top, summary: `ExternalName service pointing at ${svc.spec.externalName}`, chain, evidence: [] };
  }
  const ep = endpointCounts(svc, facts);
  const selector = svc.spec?.selector ?? {};
  const epLine = `EndpointSlices: ${ep.slices} with ${ep.ready}/${ep.total} ready endpoints`;
  if (Object.keys(selector).length === 0) {
    if (ep.ready > 0) return { healthy: true, subject: top, summary: `${ep.ready} ready endpoints (no selector: endpoints are managed by hand)`, chain, evidence: [] };
    return { healthy: false, subject: top, link: subject, cause: 'has no selector and no ready endpoints: nothing receives its traffic', chain, evidence: [epLine] };
  }
  const ns = svc.metadata.namespace;
  const nsPods = facts.pods.filter((p) => p.metadata.namespace === ns);
  const selected = nsPods.filter((p) => selects(selector, p));
  if (selected.length === 0) {
    const misses = nearMisses(selector, nsPods);
    const evidence = misses.slice(0, 5).map((m) =>
      m.have === undefined ? `near miss: pod/${m.pod} matches all but ${m.key}: it has no ${m.key} label (the selector wants ${m.key}=${m.want})` : `near miss: pod/${m.pod} has ${m.key}=${m.have}, the selector wants ${m.key}=${m.want}`,
    );
    if (misses.length > 5) evidence.push(`… and ${misses.length - 5} more near misses`);
    if (!misses.length) evidence.push(`no pod in namespace ${ns} has even all but one of the selector's labels (${nsPods.length} pods looked at)`);
    const hint = misses.length ? `; did you mean ${misses[0].key}=${misses[0].have ?? '?'}?` : '';
    return { healthy: false, subject: top, link: subject, cause: `selects no pod: selector ${fmtSelector(selector)} matches no pod in namespace ${ns}${misses.length && misses[0].have !== undefined ? hint : ''}`, chain, evidence };
  }
  if (ep.ready > 0) {
    return { healthy: true, subject: top, summary: `${ep.ready}/${ep.total} endpoints ready (${selected.length} pods selected)`, chain: [...chain, ...selected.slice(0, 3).map(podRef)], evidence: [] };
  }
  const v = judgePods(selected, facts);
  if (v.ready > 0) {
    return {
      healthy: false, subject: top, link: subject,
      cause: `has no ready endpoints although ${v.ready} of ${selected.length} selected pods are ready: is the endpointslice controller running?`,
      chain, evidence: [epLine],
    };
  }
  const evidence = [epLine];
  if (v.finding) evidence.push(`${v.finding.pod} ${v.finding.cause}`, ...v.finding.evidence.map((e) => `  ${e}`));
  return {
    healthy: false, subject: top, link: subject,
    cause: `has no ready endpoints: 0 of ${selected.length} selected pods are ready`,
    chain: v.finding ? [...chain, v.finding.pod] : chain, evidence,
  };
}

/** Every Service an Ingress routes to (default backend first), without repeats. */
export function ingressServices(ing: Ingress): string[] {
  const names: string[] = [];
  const add = (b: IngressBackend | undefined): void => {
    const n = b?.service?.name;
    if (n && !names.includes(n)) names.push(n);
  };
  add(ing.spec?.defaultBackend);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
  return names;
}

export function diagnoseIngress(ing: Ingress, facts: WhyFacts): Diagnosis {
  const subject = `ingress/${ing.metadata.name}`;
  const names = ingressServices(ing);
  if (!names.length) return { healthy: false, subject, link: subject, cause: 'routes to no Service: it has no rules with a service backend and no defaultBackend', chain: [subject], evidence: [] };
  const healthy: string[] = [];
  for (const n of names) {
    const svc = facts.services.find((s) => s.metadata.name === n && s.metadata.namespace === ing.metadata.namespace);
    if (!svc) return { healthy: false, subject, link: `service/${n}`, cause: `does not exist: the ingress routes to it`, chain: [subject, `service/${n}`], evidence: [`backends: ${names.join(', ')}`] };
    const d = diagnoseService(svc, facts, [subject]);
    if (!d.healthy) return d;
    healthy.push(`service/${n}: ${d.summary}`);
  }
  const lb = (ing.status?.loadBalancer?.ingress ?? []).map((x) => x.ip ?? x.hostname).filter(Boolean);
  return { healthy: true, subject, summary: `${names.length} backend service${names.length > 1 ? 's' : ''} with ready endpoints${lb.length ? `, address ${lb.join(', ')}` : ''}`, chain: [subject, ...names.map((n) => `service/${n}`)], evidence: healthy };
}
