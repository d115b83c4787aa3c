// The seam between the request pipeline and the audit log, light enough for core.ts to load
// whether or not auditing is on (the policy, events and writer load only with
// --audit-policy-file). One AuditRecord follows one request through its stages.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/user.js';
import { isStatusError, type StatusError } from '../../api/status.js';
import { onResponseEnd } from '../limits/limits.js';

/** The facts the policy matches and the event records, known once the request is authenticated. */
export interface AuditRequest {
  auditID: string;
  req: IncomingMessage;
  res: ServerResponse;
  receivedAt: Date;
  /** The user the request acts as (after impersonation). */
  user: UserInfo;
  /** The authenticated user when the request impersonates another. */
  authenticatedUser?: UserInfo;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection; a non-resource request's lower-case method. */
  verb: string;
  resource?: { group: string; version: string; resource: string; subresource?: string; namespace?: string; name?: string };
  /** Path of a non-resource request. */
  path?: string;
  longRunning: boolean;
}

export interface AuditRecord {
  /** The authorizer's answer: annotations authorization.k8s.io/decision and /reason. */
  authorized(allowed: boolean, reason: string): void;
  /** The decoded request body (object, patch, DeleteOptions); kept at level Request and above. */
  requestObject(obj: unknown): void;
  /** A long-running request started its response (stage ResponseStarted). */
  responseStarted(res: ServerResponse): void;
  /** The response ended (stage ResponseComplete); `error` is the Status error it failed with. */
  complete(res: ServerResponse, error?: { status: object }): void;
  /** The handler failed with something other than a Status error (stage Panic). */
  panic(res: ServerResponse, err: unknown): void;
}

/** Starts a request's record; undefined when the policy's level for it is None. */
export interface AuditSink {
  begin(r: AuditRequest): AuditRecord | undefined;
  /** Writes what is buffered and closes the log. */
  close(): Promise<void>;
}

const RECORD = Symbol('k8ts.auditRecord');

export function attachAuditRecord(req: IncomingMessage, rec: AuditRecord): void {
  (req as unknown as Record<symbol, AuditRecord>)[RECORD] = rec;
}

/** Handlers report the decoded request body here; a no-op when the request is not audited. */
export function auditRequestObject(req: IncomingMessage, obj: unknown): void {
  (req as unknown as Record<symbol, AuditRecord | undefined>)[RECORD]?.requestObject(obj);
}

/**
 * The stages after the handler: for a stream still open ResponseStarted now and
 * ResponseComplete when it closes; Panic when the handler failed with a non-Status error.
 */
export function finishAudit(rec: AuditRecord, longRunning: boolean, res: ServerResponse, failure: unknown): void {
  if (failure !== undefined && !isStatusError(failure)) {
    rec.panic(res, failure);
    return;
  }
  if (longRunning && !res.writableEnded && !failure) {
    rec.responseStarted(res);
    onResponseEnd(res, () => rec.complete(res));
    return;
  }
  rec.complete(res, failure as StatusError | undefined);
}
