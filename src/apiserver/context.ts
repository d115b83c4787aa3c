import type { UserInfo } from './auth/user.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Per-request facts every write path needs. */
export interface RequestContext {
  user: UserInfo;
  now: Date;
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  /** Warnings returned as `Warning: 299 - "..."` headers. */
  warnings: string[];
  userAgent?: string;
  /** Custom resources: the version the client addressed (its schema validates and defaults the write). */
  requestVersion?: string;
}

/** The API server's own identity (its bootstrap and reconcile writes, its loopback client). */
export const API_SERVER_USER = 'system:apiserver';

export function systemContext(): RequestContext {
  return { user: { username: API_SERVER_USER, groups: ['system:masters'] }, now: new Date(), dryRun: false, fieldValidation: 'Ignore', warnings: [] };
}

/**
 * The field manager name for non-apply writes without ?fieldManager: upstream uses the
 * user agent's first segment (e.g. `kubectl` from `kubectl/v1.32.3 (linux/amd64) ...`).
 */
export function managerName(ctx: RequestContext): string {
  if (ctx.fieldManager) return ctx.fieldManager;
  const ua = ctx.userAgent ?? 'unknown';
  const first = ua.split('/')[0].trim();
  return first.length > 128 ? first.slice(0, 128) : first || 'unknown';
}
