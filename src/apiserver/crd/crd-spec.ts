// apiextensions.k8s.io/v1 CustomResourceDefinition: defaulting, validation of the CRD itself
// (upstream's ValidateCustomResourceDefinition rules, in our words), and the ResourceDefs the
// API server serves for it. Pure functions; the schema rules come from api/crd-schema
// (validateCrd needs loadSchemaLib() done).
import type { KObject } from '../../api/types/index.js';
import { fieldErr, type FieldError } from '../../api/status.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../../api/validation/index.js';
import type { CustomResourceInfo, PrinterColumn, ResourceDef, SubresourceDef } from '../../api/registry/index.js';
import { schemaLib } from './schema-lib.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
/** The finalizer that deletes a CRD's objects before the CRD goes (upstream's name). */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
export const WEBHOOK_CONVERSION_UNSUPPORTED = 'webhook conversion is not supported by k8ts (no admission webhooks yet)';

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: object; scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: string;
  versions: CrdVersion[];
  conversion?: { strategy?: string; webhook?: unknown };
  preserveUnknownFields?: boolean;
}

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CrdStatus {
  acceptedNames?: CrdNames;
  conditions?: CrdCondition[];
  storedVersions?: string[];
}

export type Crd = KObject & { spec: CrdSpec; status?: CrdStatus };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Upstream's defaults: singular and listKind from kind, conversion None, column priority 0. */
export function defaultCrd(obj: KObject): void {
  const spec = obj.spec as Partial<CrdSpec> | undefined;
  if (!isObj(spec)) return;
  const names = spec.names as Partial<CrdNames> | undefined;
  if (isObj(names) && typeof names.kind === 'string' && names.kind) {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  if (!isObj(spec.conversion)) spec.conversion = { strategy: 'None' };
  else if (!spec.conversion.strategy) spec.conversion.strategy = 'None';
  if (Array.isArray(spec.versions))
    for (const v of spec.versions) {
      if (!isObj(v)) continue;
      for (const c of Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []) if (isObj(c) && c.priority === undefined) (c as PrinterColumn).priority = 0;
    }
}

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password', 'name'];

function checkNames(names: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(names)) {
    errs.push(fieldErr.required(path, ''));
    return;
  }
  const dns1035 = (v: unknown, p: string, required: boolean): void => {
    if (typeof v !== 'string' || v === '') {
      if (required) errs.push(fieldErr.required(p, ''));
      return;
    }
    const e = isDNS1035Label(v);
    if (e.length) errs.push(fieldErr.invalid(p, v, e.join(',')));
  };
  dns1035(names.plural, `${path}.plural`, true);
  dns1035(names.singular, `${path}.singular`, true);
  if (typeof names.kind !== 'string' || !names.kind) errs.push(fieldErr.required(`${path}.kind`, ''));
  else {
    const e = isDNS1035Label(names.kind.toLowerCase());
    if (e.length) errs.push(fieldErr.invalid(`${path}.kind`, names.kind, 'may have mixed case, but should otherwise match: ' + e.join(',')));
  }
  if (typeof names.listKind !== 'string' || !names.listKind) errs.push(fieldErr.required(`${path}.listKind`, ''));
  else {
    const e = isDNS1035Label(names.listKind.toLowerCase());
    if (e.length) errs.push(fieldErr.invalid(`${path}.listKind`, names.listKind, 'may have mixed case, but should otherwise match: ' + e.join(',')));
    else if (names.listKind === names.kind) errs.push(fieldErr.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) => dns1035(s, `${path}.shortNames[${i}]`, true));
  (Array.isArray(names.categories) ? names.categories : []).forEach((s, i) => dns1035(s, `${path}.categories[${i}]`, true));
}

/** Checks a simple JSONPath as printer columns and scale paths use: `.a.b`, `.a[0].b`, `.a['x.y']`. */
function simplePathError(p: string): string | undefined {
  if (!p.startsWith('.')) return 'must be a simple json path starting with .';
  if (!/^(\.[A-Za-z0-9_-]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\])+$/.test(p)) return 'must be a simple json path';
  return undefined;
}

function checkVersion(v: unknown, i: number, errs: FieldError[], warnings?: string[]): void {
  const path = `spec.versions[${i}]`;
  if (!isObj(v)) {
    errs.push(fieldErr.required(path, ''));
    return;
  }
  if (typeof v.name !== 'string' || !v.name) errs.push(fieldErr.required(`${path}.name`, ''));
  else {
    const e = isDNS1035Label(v.name);
    if (e.length) errs.push(fieldErr.invalid(`${path}.name`, v.name, e.join(',')));
  }
  const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (!isObj(schema)) errs.push(fieldErr.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
  else {
    const r = schemaLib().checkCrdSchemaWithWarnings(schema, `${path}.schema.openAPIV3Schema`);
    errs.push(...r.errors);
    warnings?.push(...r.warnings);
  }
  if (v.deprecationWarning !== undefined && v.deprecated !== true)
    errs.push(fieldErr.invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
  const sub = v.subresources;
  if (isObj(sub) && isObj(sub.scale)) {
    const sc = sub.scale;
    const sp = `${path}.subresources.scale`;
    for (const [k, prefix, required] of [['specReplicasPath', '.spec.', true], ['statusReplicasPath', '.status.', true], ['labelSelectorPath', '', false]] as const) {
      const val = sc[k];
      if (val === undefined || val === '') {
        if (required) errs.push(fieldErr.required(`${sp}.${k}`, ''));
        continue;
      }
      const bad = typeof val !== 'string' ? 'must be a string' : simplePathError(val);
      if (bad) errs.push(fieldErr.invalid(`${sp}.${k}`, val, bad));
      else if (k !== 'labelSelectorPath' && !(val as string).startsWith(prefix)) errs.push(fieldErr.invalid(`${sp}.${k}`, val, `should be a json path under ${prefix}`));
      else if (k === 'labelSelectorPath' && !/^\.(spec|status)\./.test(val as string)) errs.push(fieldErr.invalid(`${sp}.${k}`, val, 'should be a json path under either .spec or .status'));
    }
  }
  const cols = v.additionalPrinterColumns;
  if (cols !== undefined && !Array.isArray(cols)) errs.push(fieldErr.invalid(`${path}.additionalPrinterColumns`, cols, 'must be a list'));
  (Array.isArray(cols) ? cols : []).forEach((c: unknown, j: number) => {
    const cp = `${path}.additionalPrinterColumns[${j}]`;
    if (!isObj(c)) return void errs.push(fieldErr.required(cp, ''));
    if (typeof c.name !== 'string' || !c.name) errs.push(fieldErr.required(`${cp}.name`, ''));
    if (typeof c.type !== 'string' || !c.type) errs.push(fieldErr.required(`${cp}.type`, ''));
    else if (!COLUMN_TYPES.includes(c.type)) errs.push(fieldErr.notSupported(`${cp}.type`, c.type, COLUMN_TYPES));
    if (c.format !== undefined && c.format !== '' && !COLUMN_FORMATS.includes(String(c.format))) errs.push(fieldErr.notSupported(`${cp}.format`, c.format, COLUMN_FORMATS));
    if (typeof c.jsonPath !== 'string' || !c.jsonPath) errs.push(fieldErr.required(`${cp}.JSONPath`, ''));
    else {
      const bad = simplePathError(c.jsonPath);
      if (bad) errs.push(fieldErr.invalid(`${cp}.JSONPath`, c.jsonPath, bad));
    }
  });
}

/** Everything upstream checks on a CRD's spec and name, create and update alike; schema warnings (e.g. unknown formats) go to `warnings`. */
export function validateCrd(obj: KObject, old?: KObject, warnings?: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec;
  if (!isObj(spec)) return [fieldErr.required('spec', '')];
  const group = spec.group;
  if (typeof group !== 'string' || !group) errs.push(fieldErr.required('spec.group', ''));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(fieldErr.invalid('spec.group', group, e.join(',')));
    else if (group.split('.').length < 2) errs.push(fieldErr.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  checkNames(spec.names, 'spec.names', errs);
  const names = isObj(spec.names) ? spec.names : {};
  if (typeof names.plural === 'string' && typeof group === 'string' && obj.metadata.name !== `${names.plural}.${group}`)
    errs.push(fieldErr.invalid('metadata.name', obj.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') {
    if (spec.scope === undefined || spec.scope === '') errs.push(fieldErr.required('spec.scope', ''));
    else errs.push(fieldErr.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length) errs.push(fieldErr.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  versions.forEach((v: unknown, i: number) => {
    checkVersion(v, i, errs, warnings);
    const n = isObj(v) ? v.name : undefined;
    if (typeof n === 'string' && n) {
      if (seen.has(n)) errs.push(fieldErr.duplicate(`spec.versions[${i}].name`, n));
      seen.add(n);
    }
  });
  if (versions.length) {
    const storage = versions.filter((v: unknown) => isObj(v) && v.storage === true).length;
    if (storage !== 1) errs.push(fieldErr.invalid('spec.versions', versions.length, 'must have exactly one version marked as storage version'));
    if (!versions.some((v: unknown) => isObj(v) && v.served === true)) errs.push(fieldErr.invalid('spec.versions', versions.length, 'must have at least one version marked as served'));
  }
  const conv = isObj(spec.conversion) ? spec.conversion : {};
  if (conv.strategy === 'Webhook') errs.push(fieldErr.forbidden('spec.conversion.strategy', WEBHOOK_CONVERSION_UNSUPPORTED));
  else if (conv.strategy !== 'None') errs.push(fieldErr.notSupported('spec.conversion.strategy', conv.strategy, ['None', 'Webhook']));
  else if (conv.webhook !== undefined && conv.webhook !== null) errs.push(fieldErr.forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
  if (spec.preserveUnknownFields === true) errs.push(fieldErr.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  if (old && isObj(old.spec)) {
    if (old.spec.scope !== spec.scope && spec.scope !== undefined) errs.push(fieldErr.invalid('spec.scope', spec.scope, 'field is immutable'));
    if (old.spec.group !== spec.group) errs.push(fieldErr.invalid('spec.group', spec.group, 'field is immutable'));
    // A version still holding objects in storage may not disappear from spec.versions.
    const stored = (old.status as CrdStatus | undefined)?.storedVersions ?? [];
    for (const sv of stored) {
      if (!seen.has(sv)) errs.push(fieldErr.invalid('status.storedVersions', stored, `must have the storage version ${sv} in spec.versions`));
    }
  }
  return errs;
}

/** The storage version's name; the CRD is valid, so there is exactly one. */
export function storageVersionOf(spec: CrdSpec): string {
  return spec.versions.find((v) => v.storage)!.name;
}

function scaleOf(v: CrdVersion): CustomResourceInfo['scale'] {
  const s = v.subresources?.scale;
  if (!s?.specReplicasPath || !s.statusReplicasPath) return undefined;
  return { specReplicasPath: s.specReplicasPath, statusReplicasPath: s.statusReplicasPath, labelSelectorPath: s.labelSelectorPath || undefined };
}

/**
 * Upstream's kube-aware version order (the first is the group's preferred version): GA before
 * beta before alpha, higher numbers first within each, then versions of other shapes by name.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb[0] - pa[0] || pb[1] - pa[1] || pb[2] - pa[2];
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];

/** One ResourceDef per served version (preferred first, in kube-aware order), under the accepted names. */
export function resourceDefsOf(crd: Readonly<Crd>, names: CrdNames): ResourceDef[] {
  const spec = crd.spec;
  const storage = storageVersionOf(spec);
  const base = {
    group: spec.group,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    storage: { group: spec.group, resource: names.plural, version: storage },
    virtual: false,
    tracksGeneration: true,
  };
  return spec.versions
    .filter((v) => v.served || v.name === storage)
    .sort((a, b) => compareKubeVersions(a.name, b.name))
    .map((v) => {
      const subresources: SubresourceDef[] = [];
      if (v.subresources?.status) subresources.push({ name: 'status', kind: names.kind, verbs: SUB_VERBS });
      const scale = scaleOf(v);
      if (scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: SUB_VERBS });
      const schema = v.schema?.openAPIV3Schema;
      const custom: CustomResourceInfo = {
        crdName: crd.metadata.name!,
        crdUid: crd.metadata.uid ?? '',
        schema,
        preserveUnknownFields: schema?.['x-kubernetes-preserve-unknown-fields'] === true,
        printerColumns: v.additionalPrinterColumns ?? [],
        scale,
        deprecated: v.deprecated,
        deprecationWarning: v.deprecationWarning,
        served: v.served,
      };
      return { ...base, version: v.name, subresources, hasStatus: !!v.subresources?.status, custom };
    });
}
