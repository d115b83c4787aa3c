// BugError: our own code is wrong (VS Code's BugIndicatingError, STYLE §5). Thrown where a
// state the types or the program's invariants rule out was reached anyway: an exhaustive
// switch that met a value it does not know, a table lookup by a name that must exist.
// Expected failures (bad input, a missing object, a conflict) are never BugErrors.
//
// The controller worker (src/client/controller.ts) logs a BugError with its first stack
// frame; it still retries the key with back-off like any failure (a retry cannot fix a bug,
// but a bug hit by one object must not stop the others), so the stack is what shows it.
import { ERR_BUG } from './error-codes.js';

export class BugError extends Error {
  override readonly name = 'BugError';
  readonly code = ERR_BUG;
}

export function isBugError(err: unknown): err is BugError {
  return err instanceof BugError;
}

