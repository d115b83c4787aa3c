// Query parameters, parsed as upstream's parameter codec does (apimachinery
// runtime/conversion.go converting url.Values into ListOptions, CreateOptions, ...), and
// validated as apimachinery's ValidateListOptions / ValidateCreateOptions do. Every
// handler reads its parameters through here; parameters nobody reads are ignored.
//
// Contracts, as upstream:
// - booleans: absent → unset; `0` or `false` in any case → false; ANY other value,
//   including an empty one (`?watch=`, `?watch=True`, `?watch=yes`) → true. Upstream does
//   not use strconv.ParseBool here and never answers 400 for a boolean.
// - integers: strconv.ParseInt(s, 10, 64): an optional sign and decimal digits within
//   int64; anything else is 400 BadRequest naming the parameter and the value.
// - repeated parameters: the first value wins, except `dryRun`, which is a list.
// - option values (dryRun, fieldManager, fieldValidation, propagationPolicy,
//   resourceVersionMatch, sendInitialEvents combinations) are checked with 422 Invalid
//   naming the options kind, e.g. `ListOptions.meta.k8s.io "" is invalid: ...`.
import { badRequest, fieldErr, invalid, type FieldError } from '../api/status.js';
import type { FieldValidation } from './context.js';

const META_GROUP = 'meta.k8s.io';

/** Upstream's Convert_Slice_string_To_bool: only `0` and `false` (any case) are false. */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64); the error names the parameter as a query value. */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`invalid value for query parameter "${name}": strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw badRequest(`invalid value for query parameter "${name}": strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

/** Whether a GET is a watch: `?watch=` as a boolean, or the legacy `/watch/` path. */
export function isWatchQuery(q: URLSearchParams): boolean {
  return queryBool(q, 'watch') === true;
}

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

/** metav1.ListOptions as the query carries it (defaults applied where upstream applies them). */
export interface ListQuery {
  watch: boolean;
  labelSelector: string;
  fieldSelector: string;
  /** The raw resourceVersion ("" when absent). */
  resourceVersion: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** A positive page size; zero and negative values mean no paging, as upstream. */
  limit?: number;
  continue?: string;
  /** Seconds; absent or non-positive means the server's default. */
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  /** Tri-state: unset differs from false for watches. */
  sendInitialEvents?: boolean;
}

/** Parses and validates list/watch options; throws the upstream Status. */
export function parseListQuery(q: URLSearchParams, watchPath = false): ListQuery {
  const limit = queryInt(q, 'limit');
  const timeoutSeconds = queryInt(q, 'timeoutSeconds');
  const lq: ListQuery = {
    watch: watchPath || isWatchQuery(q),
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    resourceVersion: q.get('resourceVersion') ?? '',
    limit: limit !== undefined && limit > 0 ? limit : undefined,
    continue: q.get('continue') || undefined,
    timeoutSeconds: timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds : undefined,
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks') === true,
    sendInitialEvents: queryBool(q, 'sendInitialEvents'),
  };
  const match = q.get('resourceVersionMatch') ?? '';
  const errs = lq.watch ? watchOptionErrors(lq, match) : listOptionErrors(lq, match);
  if (errs.length) throw invalid('ListOptions', META_GROUP, '', errs);
  if (match) lq.resourceVersionMatch = match as ResourceVersionMatch;
  return lq;
}

function listOptionErrors(lq: ListQuery, match: string): FieldError[] {
  const errs: FieldError[] = [];
  if (match) {
    if (!lq.resourceVersion) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (lq.continue) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match === 'Exact') {
      if (lq.resourceVersion === '0') errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    } else if (match !== 'NotOlderThan') errs.push(fieldErr.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
  }
  if (lq.sendInitialEvents !== undefined) errs.push(fieldErr.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

/** The WatchList feature (sendInitialEvents) is on, as in upstream 1.32's kube-apiserver. */
function watchOptionErrors(lq: ListQuery, match: string): FieldError[] {
  const errs: FieldError[] = [];
  if (lq.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(fieldErr.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (lq.sendInitialEvents === undefined) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(fieldErr.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (lq.continue) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}

/** The options kind a write verb's query is decoded into (named in its 422s). */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

export interface WriteQuery {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
}

const FIELD_VALIDATION = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * dryRun (repeated; only `All`), fieldManager (at most 128 printable characters) and
 * fieldValidation, validated as upstream's ValidateCreateOptions and friends.
 */
export function parseWriteQuery(q: URLSearchParams, kind: WriteOptionsKind): WriteQuery {
  const errs: FieldError[] = [];
  const dryRun = q.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) errs.push(fieldErr.notSupported('dryRun', dryRun, ['All']));
  const fieldManager = q.get('fieldManager') || undefined;
  if (fieldManager !== undefined && kind !== 'DeleteOptions') {
    if (fieldManager.length > 128) errs.push(fieldErr.tooLong('fieldManager', 128));
    // eslint-disable-next-line no-control-regex
    const bad = /[\x00-\x1f\x7f-\x9f]/.exec(fieldManager);
    if (bad) errs.push(fieldErr.invalid('fieldManager', fieldManager, `invalid character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} (at position ${bad.index})`));
  }
  const fv = q.get('fieldValidation') ?? '';
  if (kind !== 'DeleteOptions' && !FIELD_VALIDATION.includes(fv)) errs.push(fieldErr.notSupported('fieldValidation', fv, FIELD_VALIDATION));
  if (errs.length) throw invalid(kind, META_GROUP, '', errs);
  return { dryRun: dryRun.length > 0, fieldManager, fieldValidation: fv === '' || kind === 'DeleteOptions' ? 'Warn' : (fv as FieldValidation) };
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/** DeleteOptions from the query (upstream reads them only when the body is empty). */
export interface DeleteQuery {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  dryRun: boolean;
}

export function parseDeleteQuery(q: URLSearchParams): DeleteQuery {
  const out: DeleteQuery = { dryRun: parseWriteQuery(q, 'DeleteOptions').dryRun };
  const grace = queryInt(q, 'gracePeriodSeconds');
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const policy = q.get('propagationPolicy');
  if (policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground')
      throw invalid('DeleteOptions', META_GROUP, '', [fieldErr.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan'])]);
    out.propagationPolicy = policy;
  }
  const orphan = queryBool(q, 'orphanDependents');
  if (orphan !== undefined) out.orphanDependents = orphan;
  return out;
}

/** PatchOptions.force (a *bool). */
export function parseForce(q: URLSearchParams): boolean {
  return queryBool(q, 'force') === true;
}
