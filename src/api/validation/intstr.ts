// IntOrString fields that hold counts or percentages (maxSurge, maxUnavailable, minAvailable).

import { fieldErr } from '../status.js';
import type { Errs } from './errors.js';
import { isInt, pushMsgs } from './errors.js';
import { isValidPercent } from './names.js';

/** ValidatePositiveIntOrPercent: a non-negative integer or an `N%` string. */
export function validateIntOrPercent(v: unknown, field: string, errs: Errs): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string') { pushMsgs(errs, field, v, isValidPercent(v)); return; }
  if (!isInt(v)) { errs.push(fieldErr.invalid(field, v, "must be an integer or percentage (e.g '5%')")); return; }
  if (v < 0) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
}

/** IsNotMoreThan100Percent. */
export function validateAtMost100Percent(v: unknown, field: string, errs: Errs): void {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return;
  if (parseInt(v, 10) > 100) errs.push(fieldErr.invalid(field, v, 'must not be greater than 100%'));
}

const ZERO_PERCENT = /^0+%$/;

/** Value of an int-or-percent for "is it zero" tests. */
export function intOrPercentIsZero(v: unknown): boolean {
  if (v === 0) return true;
  return typeof v === 'string' && ZERO_PERCENT.test(v);
}
