// Discovery: aggregated (apidiscovery.k8s.io v2 and v2beta1) for /api and /apis when the
// client asks for it, and the legacy documents (/api, /apis, /api/v1, /apis/<g>/<v>,
// /apis/<g>) always. Documents are built at startup, again when CRDs change the served
// resources, and served as prepared bytes; aggregated ones carry an ETag of their content.
import { createHash } from 'node:crypto';
import { groups, resourcesIn, apiVersionOf, type ResourceDef } from '../../api/registry/index.js';

function aggregatedResource(r: ResourceDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs].sort(),
  };
  if (r.shortNames.length) out.shortNames = r.shortNames;
  if (r.categories.length) out.categories = r.categories;
  if (r.subresources.length)
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
      verbs: s.verbs,
    }));
  return out;
}

/** A group the API server serves outside the resource registry (history.k8ts.io), with its discovery entries as served. */
export interface ExtraDiscoveryGroup {
  group: string;
  version: string;
  aggregated: ReadonlyArray<Record<string, unknown>>;
  legacy: ReadonlyArray<Record<string, unknown>>;
}

function aggregatedList(version: 'v2' | 'v2beta1', core: boolean, extra: readonly ExtraDiscoveryGroup[]): string {
  const items: object[] = groups()
    .filter((g) => (g.name === '') === core)
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({ version: v, resources: resourcesIn(g.name, v).map(aggregatedResource), freshness: 'Current' })),
    }));
  if (!core) for (const e of extra) items.push({ metadata: { name: e.group, creationTimestamp: null }, versions: [{ version: e.version, resources: e.aggregated, freshness: 'Current' }] });
  return JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items });
}

function legacyResourceList(group: string, version: string): string {
  const list: Record<string, unknown>[] = [];
  for (const r of resourcesIn(group, version)) {
    const e: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs].sort() };
    if (r.shortNames.length) e.shortNames = r.shortNames;
    if (r.categories.length) e.categories = r.categories;
    list.push(e);
    for (const s of r.subresources) {
      const se: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group !== undefined) se.group = s.group;
      if (s.version !== undefined) se.version = s.version;
      list.push(se);
    }
  }
  return JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources: list });
}

function apiGroup(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** Entity tag of a discovery document: clients revalidate with If-None-Match (304 when unchanged). */
export function discoveryEtag(body: string): string {
  let tag = etags.get(body);
  if (tag === undefined) {
    if (etags.size >= 8) etags.clear(); // documents are few; old ones go when CRDs change them
    tag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase()}"`;
    etags.set(body, tag);
  }
  return tag;
}

const etags = new Map<string, string>();

export interface DiscoveryDocs {
  aggregatedCore: Record<'v2' | 'v2beta1', string>;
  aggregatedApis: Record<'v2' | 'v2beta1', string>;
  legacyApi: string;
  legacyApis: string;
  groupVersion: Map<string, string>;
  group: Map<string, string>;
}

export function buildDiscovery(serverAddress: string, extra: readonly ExtraDiscoveryGroup[] = []): DiscoveryDocs {
  const gv = new Map<string, string>();
  const grp = new Map<string, string>();
  for (const g of groups()) {
    for (const v of g.versions) gv.set(g.name ? `/apis/${g.name}/${v}` : `/api/${v}`, legacyResourceList(g.name, v));
    if (g.name) grp.set(`/apis/${g.name}`, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.name, g.versions) }));
  }
  for (const e of extra) {
    gv.set(`/apis/${e.group}/${e.version}`, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${e.group}/${e.version}`, resources: e.legacy }));
    grp.set(`/apis/${e.group}`, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(e.group, [e.version]) }));
  }
  return {
    aggregatedCore: { v2: aggregatedList('v2', true, extra), v2beta1: aggregatedList('v2beta1', true, extra) },
    aggregatedApis: { v2: aggregatedList('v2', false, extra), v2beta1: aggregatedList('v2beta1', false, extra) },
    legacyApi: JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] }),
    legacyApis: JSON.stringify({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        ...groups()
          .filter((g) => g.name)
          .map((g) => apiGroup(g.name, g.versions)),
        ...extra.map((e) => apiGroup(e.group, [e.version])),
      ],
    }),
    groupVersion: gv,
    group: grp,
  };
}

/** Which aggregated discovery version the Accept header asks for, if any (first match wins). */
export function aggregatedVersionWanted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((x) => x.trim());
    if (params.includes('g=apidiscovery.k8s.io') && params.includes('as=APIGroupDiscoveryList')) {
      if (params.includes('v=v2')) return 'v2';
      if (params.includes('v=v2beta1')) return 'v2beta1';
    }
  }
  return undefined;
}
