// Which fields each kind can be selected by, and how to read them. This mirrors the
// apiserver's per-kind field label conversion functions (which labels are accepted) and
// each registry's ToSelectableFields (what the values are).
//
// A table of getters per group/kind: validation consults the keys, matching reads only the
// fields a selector names (no per-object record is built on the hot path).

import type { KObject } from '../types/index.js';
import { isPlainObject } from '../types/index.js';
import { badRequest } from '../status.js';
import type { FieldSelector } from './field-selector.js';

type Getter = (obj: KObject) => string;
type FieldTable = Readonly<Record<string, Getter>>;

/** Walks JSON objects by key and arrays by decimal index; undefined when absent. */
function at(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainObject(cur)) cur = Object.hasOwn(cur, p) ? cur[p] : undefined;
    else return undefined;
  }
  return cur;
}

/** Scalars as Go's fmt would print them; anything else (absent, objects) as "". */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const str = (...path: string[]): Getter => (o) => text(at(o, path));
const int = (...path: string[]): Getter => (o) => {
  const v = at(o, path);
  return typeof v === 'number' ? String(Math.trunc(v)) : '0';
};
const bool = (...path: string[]): Getter => (o) => (at(o, path) === true ? 'true' : 'false');

const name: Getter = (o) => o.metadata.name ?? '';
const namespace: Getter = (o) => o.metadata.namespace ?? '';

/** DefaultMetaV1FieldSelectorConversion: what every kind accepts. */
const META: FieldTable = { 'metadata.name': name, 'metadata.namespace': namespace };

const POD: FieldTable = {
  ...META,
  'spec.nodeName': str('spec', 'nodeName'),
  'spec.restartPolicy': str('spec', 'restartPolicy'),
  'spec.schedulerName': str('spec', 'schedulerName'),
  'spec.serviceAccountName': str('spec', 'serviceAccountName'),
  'spec.hostNetwork': bool('spec', 'hostNetwork'),
  'status.phase': str('status', 'phase'),
  // Upstream reads podIPs[0]; fall back to podIP for objects that only carry the singular.
  'status.podIP': (o) => text(at(o, ['status', 'podIPs', '0', 'ip'])) || text(at(o, ['status', 'podIP'])),
  'status.nominatedNodeName': str('status', 'nominatedNodeName'),
};

/** Old clients send spec.host; the apiserver treats it as spec.nodeName. */
const FIELD_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '/Pod': { 'spec.host': 'spec.nodeName' },
};

/** core/v1 Event, also readable from an events.k8s.io shaped object. */
const involved = (f: string): Getter => (o) => text(at(o, ['involvedObject', f])) || text(at(o, ['regarding', f]));
const eventSource: Getter = (o) =>
  text(at(o, ['source', 'component'])) || text(at(o, ['deprecatedSource', 'component'])) || text(o.reportingController) || text(o.reportingComponent);
const reportingController: Getter = (o) => text(o.reportingController) || text(o.reportingComponent);

const INVOLVED_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] as const;

const CORE_EVENT: FieldTable = {
  ...META,
  ...Object.fromEntries(INVOLVED_FIELDS.map((f) => [`involvedObject.${f}`, involved(f)])),
  reason: str('reason'),
  reportingComponent: reportingController,
  source: eventSource,
  type: str('type'),
};

const EVENTS_EVENT: FieldTable = {
  ...META,
  ...Object.fromEntries(INVOLVED_FIELDS.map((f) => [`regarding.${f}`, involved(f)])),
  reason: str('reason'),
  reportingController,
  type: str('type'),
};

/** Cluster-scoped kinds whose conversion function does not accept metadata.namespace. */
const NODE: FieldTable = { 'metadata.name': name, 'spec.unschedulable': bool('spec', 'unschedulable') };
const NAMESPACE: FieldTable = { 'metadata.name': name, 'status.phase': str('status', 'phase') };

const TABLES: Readonly<Record<string, FieldTable>> = {
  '/Pod': POD,
  '/Event': CORE_EVENT,
  'events.k8s.io/Event': EVENTS_EVENT,
  '/Node': NODE,
  '/Namespace': NAMESPACE,
  '/Secret': { ...META, type: str('type') },
  '/Service': { ...META, 'spec.clusterIP': str('spec', 'clusterIP'), 'spec.type': str('spec', 'type') },
  '/ReplicationController': { ...META, 'status.replicas': int('status', 'replicas') },
  'apps/ReplicaSet': { ...META, 'status.replicas': int('status', 'replicas') },
  'batch/Job': { ...META, 'status.successful': int('status', 'succeeded') },
  'certificates.k8s.io/CertificateSigningRequest': { ...META, 'spec.signerName': str('spec', 'signerName') },
};

function tableFor(group: string, kind: string): FieldTable {
  const key = `${group}/${kind}`;
  return Object.hasOwn(TABLES, key) ? TABLES[key] : META;
}

function canonicalField(group: string, kind: string, field: string): string {
  const aliases = FIELD_ALIASES[`${group}/${kind}`];
  return aliases && Object.hasOwn(aliases, field) ? aliases[field] : field;
}

/** The field labels a kind supports (without aliases), e.g. for docs and errors. */
export function supportedFields(group: string, kind: string): string[] {
  return Object.keys(tableFor(group, kind));
}

/** The full selectable field set of one object. */
export function fieldsFor(group: string, kind: string, obj: KObject): Record<string, string> {
  const table = tableFor(group, kind);
  const out: Record<string, string> = {};
  for (const k of Object.keys(table)) out[k] = table[k](obj);
  return out;
}

/**
 * Rejects fields the kind does not support, as the apiserver does before listing:
 * 400 `field label not supported: <field>` (first offender in sorted term order).
 */
export function validateFieldSelector(group: string, kind: string, sel: FieldSelector): void {
  const table = tableFor(group, kind);
  for (const r of sel.requirements) {
    if (!Object.hasOwn(table, canonicalField(group, kind, r.field))) throw badRequest(`field label not supported: ${r.field}`);
  }
}

/**
 * Validates once and returns a predicate for objects of this kind that reads only the
 * named fields. This is the form to use when filtering many objects or watch events.
 */
export function compileFieldSelector(group: string, kind: string, sel: FieldSelector): (obj: KObject) => boolean {
  validateFieldSelector(group, kind, sel);
  if (sel.requirements.length === 0) return () => true;
  const table = tableFor(group, kind);
  const terms = sel.requirements.map((r) => ({ get: table[canonicalField(group, kind, r.field)], neg: r.operator === '!=', value: r.value }));
  return (obj) => {
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i];
      if ((t.get(obj) === t.value) === t.neg) return false;
    }
    return true;
  };
}

/** Applies aliases (spec.host → spec.nodeName) so a selector can be matched against fieldsFor(). */
export function normalizeFieldSelector(group: string, kind: string, sel: FieldSelector): FieldSelector {
  if (!FIELD_ALIASES[`${group}/${kind}`]) return sel;
  return { requirements: sel.requirements.map((r) => ({ ...r, field: canonicalField(group, kind, r.field) })) };
}


/**
 * The top-level or nested paths each kind's getters above read. Kept beside TABLES: a getter
 * that reads a new path must list it here, or selectionView drops it (field-sets.test.ts checks
 * that every selectable field reads the same on the view as on the object).
 */
const EVENT_READS = [['involvedObject'], ['regarding'], ['source'], ['deprecatedSource'], ['reportingController'], ['reportingComponent'], ['reason'], ['type']] as const;
const READS: Readonly<Record<string, ReadonlyArray<readonly string[]>>> = {
  '/Pod': [['spec', 'nodeName'], ['spec', 'restartPolicy'], ['spec', 'schedulerName'], ['spec', 'serviceAccountName'], ['spec', 'hostNetwork'], ['status', 'phase'], ['status', 'podIPs'], ['status', 'podIP'], ['status', 'nominatedNodeName']],
  '/Event': EVENT_READS,
  'events.k8s.io/Event': EVENT_READS,
  '/Node': [['spec', 'unschedulable']],
  '/Namespace': [['status', 'phase']],
  '/Secret': [['type']],
  '/Service': [['spec', 'clusterIP'], ['spec', 'type']],
  '/ReplicationController': [['status', 'replicas']],
  'apps/ReplicaSet': [['status', 'replicas']],
  'batch/Job': [['status', 'succeeded']],
  'certificates.k8s.io/CertificateSigningRequest': [['spec', 'signerName']],
};

/** Kinds with selectable fields beyond metadata (for the drift check in tests). */
export function kindsWithFieldTables(): string[] {
  return Object.keys(TABLES);
}

/**
 * A small object holding only what label and field selectors of this kind read: metadata.name,
 * namespace and labels, and the paths of the kind's selectable fields (values shared, not
 * copied). Any compiled selector of the kind gives the same answer on it as on the whole
 * object, so a cache can keep this beside an object's encoded bytes and filter without
 * decoding them.
 */
export function selectionView(group: string, kind: string, obj: Readonly<KObject>): KObject {
  const m = obj.metadata;
  const metadata: KObject['metadata'] = {};
  if (m.name !== undefined) metadata.name = m.name;
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.labels !== undefined) metadata.labels = m.labels;
  const view = { metadata } as KObject;
  const reads = READS[`${group}/${kind}`];
  if (!reads) return view;
  for (const path of reads) {
    const v = at(obj, path);
    if (v === undefined) continue;
    let cur = view as unknown as Record<string, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      const p = path[i];
      cur = (cur[p] ??= {}) as Record<string, unknown>;
    }
    cur[path[path.length - 1]] = v;
  }
  return view;
}
