// Audit events (audit.k8s.io/v1 Event) for the requests the policy selects, one JSON line per
// stage: RequestReceived (once the request is authenticated), ResponseStarted (a long-running
// request's response began), ResponseComplete, Panic (the handler failed with a bug). What an
// event holds depends on the level: Metadata (who, what, when, the code), Request (+ the
// decoded request body), RequestResponse (+ the response body). Secrets are logged at the
// level the policy gives them, as upstream: a policy that must not log their data says
// `level: Metadata` for them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditRecord, AuditRequest, AuditSink } from './record.js';
import { evaluatePolicy, type AuditPolicy, type AuditStage, type PolicyDecision } from './policy.js';
import type { AuditLogWriter } from './log-writer.js';
import type { UserInfo } from '../auth/user.js';

/** Largest response body kept for a RequestResponse event. */
const MAX_RESPONSE_CAPTURE = 3 * 1024 * 1024;

export class AuditLog implements AuditSink {
  constructor(private readonly policy: AuditPolicy, private readonly writer: AuditLogWriter) {}

  begin(r: AuditRequest): AuditRecord | undefined {
    const d = evaluatePolicy(this.policy, { user: r.user.username, groups: r.user.groups, verb: r.verb, resource: r.resource, path: r.path });
    if (d.level === 'None') return undefined;
    return new RequestAudit(r, d, (line) => this.writer.write(line));
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/** RFC 3339 with microseconds, as upstream's MicroTime. */
function microTime(d: Date): string {
  return `${d.toISOString().slice(0, -1)}000Z`;
}

function userOf(u: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: u.username };
  if (u.uid) out.uid = u.uid;
  out.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

/** X-Forwarded-For entries, then the peer (upstream's SourceIPs). */
function sourceIPs(req: IncomingMessage): string[] {
  const out: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string') for (const p of xff.split(',')) if (p.trim()) out.push(p.trim());
  const peer = req.socket?.remoteAddress?.replace(/^::ffff:/, '');
  if (peer && !out.includes(peer)) out.push(peer);
  return out;
}

function withoutManagedFields(obj: unknown): unknown {
  const meta = (obj as { metadata?: Record<string, unknown> } | null)?.metadata;
  if (!meta || typeof meta !== 'object' || !('managedFields' in meta)) return obj;
  const { managedFields: _drop, ...rest } = meta;
  return { ...(obj as object), metadata: rest };
}

class RequestAudit implements AuditRecord {
  private readonly annotations: Record<string, string> = {};
  private readonly objectRef?: Record<string, string>;
  private requestJson?: string;
  private response?: Buffer[];
  private responseBytes = 0;
  private done = false;

  constructor(private readonly r: AuditRequest, private readonly d: PolicyDecision, private readonly emit: (line: string) => void) {
    const res = r.resource;
    if (res) {
      const ref: Record<string, string> = { resource: res.resource };
      if (res.namespace) ref.namespace = res.namespace;
      if (res.name) ref.name = res.name;
      if (res.group) ref.apiGroup = res.group;
      ref.apiVersion = res.version;
      if (res.subresource) ref.subresource = res.subresource;
      this.objectRef = ref;
    }
    this.stage('RequestReceived');
  }

  authorized(allowed: boolean, reason: string): void {
    this.annotations['authorization.k8s.io/decision'] = allowed ? 'allow' : 'forbid';
    this.annotations['authorization.k8s.io/reason'] = reason;
    if (this.d.level === 'RequestResponse' && !this.r.longRunning) this.captureResponse();
  }

  requestObject(obj: unknown): void {
    // The name of a created object is known only from its body (upstream fills objectRef the same way).
    const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
    if (this.objectRef && meta && typeof meta === 'object') {
      if (!this.objectRef.name && typeof meta.name === 'string' && meta.name) this.objectRef.name = meta.name;
      if (!this.objectRef.namespace && typeof meta.namespace === 'string' && meta.namespace) this.objectRef.namespace = meta.namespace;
    }
    if (this.d.level === 'Metadata') return;
    // Serialized now: handlers go on to change the object.
    this.requestJson = JSON.stringify(this.d.omitManagedFields ? withoutManagedFields(obj) : obj);
  }

  responseStarted(res: ServerResponse): void {
    this.stage('ResponseStarted', res);
  }

  complete(res: ServerResponse, error?: { status: object }): void {
    if (this.done) return;
    this.done = true;
    this.stage('ResponseComplete', res, error?.status as Record<string, unknown> | undefined);
  }

  panic(res: ServerResponse, err: unknown): void {
    if (this.done) return;
    this.done = true;
    const message = `APIServer panic'd: ${err instanceof Error ? err.message : String(err)}`;
    this.stage('Panic', res, { status: 'Failure', message, reason: 'InternalError', code: 500 });
  }

  /** Keeps what the handler writes, to log it as responseObject. */
  private captureResponse(): void {
    const res = this.r.res;
    this.response = [];
    const keep = (chunk: unknown): void => {
      if (!this.response || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      this.responseBytes += b.length;
      if (this.responseBytes > MAX_RESPONSE_CAPTURE) this.response = undefined;
      else this.response.push(b);
    };
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
  }

  private responseObjectJson(res: ServerResponse): string | undefined {
    if (!this.response?.length) return undefined;
    const ct = String(res.getHeader('content-type') ?? '');
    if (!ct.startsWith('application/json')) return undefined;
    const text = Buffer.concat(this.response).toString('utf8');
    if (!this.d.omitManagedFields) return text;
    try {
      return JSON.stringify(withoutManagedFields(JSON.parse(text)));
    } catch {
      return undefined;
    }
  }

  private stage(stage: AuditStage, res?: ServerResponse, failure?: Record<string, unknown>): void {
    if (this.d.omitStages.has(stage)) return;
    const r = this.r;
    const ev: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: this.d.level,
      auditID: r.auditID,
      stage,
      requestURI: r.req.url ?? '/',
      verb: r.verb,
      user: userOf(r.authenticatedUser ?? r.user),
    };
    if (r.authenticatedUser) ev.impersonatedUser = userOf(r.user);
    const ips = sourceIPs(r.req);
    if (ips.length) ev.sourceIPs = ips;
    const ua = r.req.headers['user-agent'];
    if (ua) ev.userAgent = ua;
    if (this.objectRef) ev.objectRef = this.objectRef;
    if (res && stage !== 'RequestReceived') {
      if (failure) {
        const f = failure as { status?: unknown; message?: unknown; reason?: unknown; code?: unknown };
        ev.responseStatus = { metadata: {}, status: f.status ?? 'Failure', message: f.message, reason: f.reason, code: f.code ?? res.statusCode };
      } else ev.responseStatus = { metadata: {}, code: res.statusCode };
    }
    // Objects are spliced in as JSON text (already encoded once), not re-encoded.
    let line = JSON.stringify(ev);
    const tail: string[] = [];
    if (this.requestJson !== undefined && stage !== 'RequestReceived') tail.push(`"requestObject":${this.requestJson}`);
    if (stage === 'ResponseComplete' && this.d.level === 'RequestResponse' && res) {
      const body = this.responseObjectJson(res);
      if (body !== undefined) tail.push(`"responseObject":${body}`);
    }
    tail.push(`"requestReceivedTimestamp":"${microTime(r.receivedAt)}"`, `"stageTimestamp":"${microTime(new Date())}"`);
    if (Object.keys(this.annotations).length) tail.push(`"annotations":${JSON.stringify(this.annotations)}`);
    line = `${line.slice(0, -1)},${tail.join(',')}}`;
    this.emit(line);
  }
}
