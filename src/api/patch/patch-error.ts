// The one internal error class of this folder, and its mapping to the Status
// kube-apiserver (v1.32) answers with. Upstream facts this mirrors:
//  * JSON patch: a body that does not decode as an array of objects is 400
//    BadRequest carrying the decoder message; any failure while applying the
//    operations (failed `test`, missing path, unknown `op`, ...) is built with
//    NewGenericServerResponse(422), which DISCARDS the detail: the Status says
//    only "the server rejected our request due to an error in our request",
//    reason Invalid, and empty details. kubectl prints
//    `The request is invalid: the server rejected our request due to an error in our request`.
//  * more than 10000 JSON patch operations: 413.
//  * merge patch: a patch that is neither an object nor an array is 400 "Invalid JSON Patch".
//  * strategic merge patch: the mergepatch format errors are 400 with their text;
//    "lists of lists" and "patch content doesn't match retainKeys list" are the
//    generic 422; every other merge failure (bad `$patch` value, missing merge key,
//    ...) is not a StatusError upstream and reaches the client as a 500 with an
//    empty reason and the raw error text.

import { StatusError, badRequest, requestEntityTooLarge } from '../status.js';
import { BugError } from '../../util/bug-error.js';

/**
 * Stable codes (STYLE §5):
 *  - `malformed`   the patch document itself is unusable → 400 BadRequest
 *  - `test-failed` a JSON patch `test` operation did not match → 422 Invalid
 *  - `apply`       the patch could not be applied to this object → 422 Invalid
 *  - `too-large`   too many JSON patch operations → 413
 *  - `internal`    failure upstream reports as a bare 500 (reason "")
 */
export type PatchErrorKind = 'malformed' | 'test-failed' | 'apply' | 'too-large' | 'internal';

export class PatchError extends Error {
  readonly kind: PatchErrorKind;
  constructor(kind: PatchErrorKind, message: string) {
    super(message);
    this.name = 'PatchError';
    this.kind = kind;
  }
}

export function isPatchError(e: unknown): e is PatchError {
  return e instanceof PatchError;
}

/** Message upstream uses for every 422 produced by patch application. */
export const GENERIC_422_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * Converts anything thrown by this folder into the Status upstream would send.
 * StatusErrors (e.g. SSA conflicts) pass through unchanged; unknown errors become
 * a 500 the same way apiserver treats non-Status errors.
 */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof PatchError) {
    switch (err.kind) {
      case 'malformed':
        return badRequest(err.message);
      case 'test-failed':
      case 'apply':
        return new StatusError({ code: 422, reason: 'Invalid', message: GENERIC_422_MESSAGE, details: {} }, { cause: err });
      case 'too-large':
        return requestEntityTooLarge(`Request entity too large: ${err.message}`);
      case 'internal':
        return new StatusError({ code: 500, reason: '', message: err.message }, { cause: err });
      default: {
        const never: never = err.kind;
        throw new BugError(`unhandled patch error kind ${String(never)}`);
      }
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError({ code: 500, reason: '', message: msg }, { cause: err });
}
