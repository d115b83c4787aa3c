// Errors that cross the API boundary. Each one carries a metav1.Status; constructors
// are named after the upstream reason, predicates test `reason` so that errors decoded
// from the wire behave like local ones.

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Gone' | 'Expired' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge' | 'TooManyRequests' | 'InternalError' | 'Timeout' | 'ServiceUnavailable'
  | 'ServerTimeout' | '';

// The wire shapes of a Status's details are the generated model's (one definition).
import type { StatusCause, StatusDetails } from './types/index.js';
export type { StatusCause, StatusDetails };

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A group+resource, e.g. {group:'apps', resource:'deployments'}. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata' | 'status'> & { status?: 'Failure' }, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? 'error', options);
    this.name = 'StatusError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status } as Status;
  }
  get code(): number { return this.status.code; }
  get reason(): StatusReason { return this.status.reason ?? ''; }
}

function details(gr: GroupResource | undefined, name: string | undefined, extra?: StatusDetails): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (gr) {
    if (gr.group) d.group = gr.group;
    d.kind = gr.resource;
  }
  return { ...d, ...extra };
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError({ code: 404, reason: 'NotFound', message: `${qualifiedResource(gr)} "${name}" not found`, details: details(gr, name) });
}

export function pathNotFound(): StatusError {
  return new StatusError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError({ code: 409, reason: 'AlreadyExists', message: `${qualifiedResource(gr)} "${name}" already exists`, details: details(gr, name) });
}

export function conflict(gr: GroupResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return new StatusError({ code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, details: details(gr, name) });
}

/** A field error in the shape of apimachinery's field.Error. */
export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'InternalError' | 'FieldValueTypeInvalid';
  field: string;
  /** Rendered detail, e.g. `Invalid value: "x": must be ...` or `Required value`. */
  message: string;
}

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${fmtValue(value)}${detail ? ': ' + detail : ''}` }),
  notSupported: (field: string, value: unknown, valid: string[]): FieldError => ({ type: 'FieldValueNotSupported', field, message: `Unsupported value: ${fmtValue(value)}${valid.length ? ': supported values: ' + valid.map((v) => `"${v}"`).join(', ') : ''}` }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, message: `Duplicate value: ${fmtValue(value)}` }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({ type: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` }),
};

/** 422 Invalid, e.g. `Deployment.apps "bad" is invalid: spec.selector: Required value`. */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const list = errs.map((e) => `${e.field}: ${e.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new StatusError({
    code: 422,
    reason: 'Invalid',
    message: `${qualifiedKind} "${name}" is invalid: ${summary}`,
    details: { name, ...(group ? { group } : {}), kind, causes: errs.map((e) => ({ reason: e.type, message: e.message, field: e.field })) },
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError({ code: 400, reason: 'BadRequest', message });
}

export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError({ code: 401, reason: 'Unauthorized', message });
}

export function forbidden(message: string, gr?: GroupResource, name?: string): StatusError {
  return new StatusError({ code: 403, reason: 'Forbidden', message, details: gr ? details(gr, name) : undefined });
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
  return new StatusError({ code: 405, reason: 'MethodNotAllowed', message, details: {} });
}

export function notAcceptable(message: string): StatusError {
  return new StatusError({ code: 406, reason: 'NotAcceptable', message });
}

export function unsupportedMediaType(message: string): StatusError {
  return new StatusError({ code: 415, reason: 'UnsupportedMediaType', message });
}

export function requestEntityTooLarge(message = 'Request entity too large: limit is 3145728'): StatusError {
  return new StatusError({ code: 413, reason: 'RequestEntityTooLarge', message });
}

export function gone(message: string): StatusError {
  return new StatusError({ code: 410, reason: 'Expired', message });
}

export function tooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
  return new StatusError({ code: 429, reason: 'TooManyRequests', message, details: { retryAfterSeconds } });
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError({ code: 500, reason: 'InternalError', message: `Internal error occurred: ${msg}`, details: { causes: [{ message: msg }] } }, { cause: err });
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError({ code: 503, reason: 'ServiceUnavailable', message });
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
const reasonIs = (r: StatusReason) => (e: unknown): boolean => isStatusError(e) && e.reason === r;
export const isNotFound = reasonIs('NotFound');
export const isAlreadyExists = reasonIs('AlreadyExists');
export const isConflict = reasonIs('Conflict');
export const isInvalid = reasonIs('Invalid');
export const isForbidden = reasonIs('Forbidden');

export function successStatus(d?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: d, code: 200 };
}

/** 504: the request did not finish in time (upstream's NewTimeoutError: message "Timeout: …"). */
export function timeoutError(message: string, retryAfterSeconds = 0): StatusError {
  return new StatusError({ code: 504, reason: 'Timeout', message: `Timeout: ${message}`, details: retryAfterSeconds ? { retryAfterSeconds } : {} });
}
