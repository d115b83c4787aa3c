// Pure helpers over plain API objects: what the views draw. No DOM here.

export function matchesSelector(selector, labels) {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (!entries.length) return false;
  return entries.every(([k, v]) => (labels ?? {})[k] === v);
}

export function podReady(p) {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podPhase(p) {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const s of p.status?.containerStatuses ?? []) {
    if (s.state?.waiting?.reason) return s.state.waiting.reason;
    if (s.state?.terminated?.reason) return s.state.terminated.reason;
  }
  return p.status?.phase ?? 'Pending';
}

/** Rollout state of a workload: desired / updated / ready / available. */
export function rollout(kind, o) {
  const s = o.status ?? {};
  switch (kind) {
    case 'Deployment':
      return { desired: o.spec?.replicas ?? 1, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0 };
    case 'ReplicaSet':
      return { desired: o.spec?.replicas ?? 1, updated: s.fullyLabeledReplicas ?? s.replicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0 };
    case 'StatefulSet':
      return { desired: o.spec?.replicas ?? 1, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0 };
    case 'DaemonSet':
      return { desired: s.desiredNumberScheduled ?? 0, updated: s.updatedNumberScheduled ?? 0, ready: s.numberReady ?? 0, available: s.numberAvailable ?? 0 };
  }
  return { desired: 0, updated: 0, ready: 0, available: 0 };
}

export function rolloutSettled(r) {
  return r.desired === r.updated && r.desired === r.ready && r.desired === r.available;
}

/** Services an Ingress sends traffic to (default backend and every rule's paths). */
export function ingressServices(ing) {
  const out = new Set();
  const b = ing.spec?.defaultBackend?.service?.name;
  if (b) out.add(b);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend?.service?.name) out.add(p.backend.service.name);
  return [...out];
}

/**
 * The topology of one namespace: Ingress → Service → Pod → Node, as columns of nodes and a
 * list of edges. A Service's pods are those its selector matches (ready or not: not-ready ones
 * are drawn as such); the EndpointSlices say which of them take traffic.
 */
export function topology(ns, { ingresses, services, pods, endpointslices }) {
  const inNs = (o) => ns === '' || o.metadata.namespace === ns;
  const id = (kind, o) => `${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const cols = { ingress: [], service: [], pod: [], node: [] };
  const edges = [];
  const seen = new Set();
  const add = (col, n) => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    cols[col].push(n);
  };
  const serving = new Set();
  // Services with a ready endpoint (pods, or addresses without a pod, like a built-in DNS).
  const readySvc = new Set();
  for (const s of endpointslices.filter(inNs)) {
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      readySvc.add(`${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name']}`);
      if (e.targetRef?.kind === 'Pod') serving.add(`${s.metadata.namespace}/${e.targetRef.name}`);
    }
  }
  const svcs = services.filter(inNs).filter((s) => s.metadata.name !== 'kubernetes' || s.metadata.namespace !== 'default');
  const livePods = pods.filter(inNs);
  for (const ing of ingresses.filter(inNs).sort(byName)) {
    add('ingress', { id: id('ingress', ing), kind: 'ingress', name: ing.metadata.name, ns: ing.metadata.namespace, ok: true });
    for (const name of ingressServices(ing)) {
      const svc = svcs.find((s) => s.metadata.name === name && s.metadata.namespace === ing.metadata.namespace);
      const sid = svc ? id('service', svc) : `service/${ing.metadata.namespace}/${name}`;
      if (!svc) add('service', { id: sid, kind: 'service', name, ns: ing.metadata.namespace, ok: false, missing: true });
      edges.push([id('ingress', ing), sid]);
    }
  }
  for (const svc of svcs.sort(byName)) {
    const sid = id('service', svc);
    const mine = livePods.filter((p) => p.metadata.namespace === svc.metadata.namespace && matchesSelector(svc.spec?.selector, p.metadata.labels)).sort(byName);
    add('service', { id: sid, kind: 'service', name: svc.metadata.name, ns: svc.metadata.namespace, ok: readySvc.has(`${svc.metadata.namespace}/${svc.metadata.name}`) });
    for (const p of mine) edges.push([sid, id('pod', p)]);
  }
  for (const p of livePods.sort(byName)) {
    add('pod', { id: id('pod', p), kind: 'pod', name: p.metadata.name, ns: p.metadata.namespace, ok: podReady(p), phase: podPhase(p), serving: serving.has(`${p.metadata.namespace}/${p.metadata.name}`) });
    const node = p.spec?.nodeName;
    if (node) {
      add('node', { id: `node//${node}`, kind: 'node', name: node, ok: true });
      edges.push([id('pod', p), `node//${node}`]);
    }
  }
  return { cols, edges: edges.filter(([a, b]) => seen.has(a) && seen.has(b)) };
}

function byName(a, b) {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** CPU and memory quantities as numbers (cores, bytes). */
export function parseQuantity(q) {
  if (q === undefined || q === null) return undefined;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(q));
  if (!m) return undefined;
  const n = Number(m[1]);
  const units = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, n: 1e-9, u: 1e-6 };
  return m[2] in units ? n * units[m[2]] : undefined;
}

export function formatBytes(b) {
  if (b === undefined) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) (b /= 1024), i++;
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function age(ts, now = Date.now()) {
  if (!ts) return '';
  const s = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** Events newest first (eventTime, lastTimestamp, or creation). */
export function sortedEvents(events, ns, limit = 200) {
  const t = (e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0) || 0;
  return events.filter((e) => ns === '' || e.metadata.namespace === ns).sort((a, b) => t(b) - t(a)).slice(0, limit);
}
