// Constructors for the StorageError codes (types.ts). Messages follow upstream wording
// where the API server forwards them (e.g. "too old resource version" → 410 Gone).

import { StorageError } from './types.js';
import { ERR_STORAGE_CLOSED, ERR_STORAGE_COMPACTED, ERR_STORAGE_CONFLICT, ERR_STORAGE_FUTURE_REVISION, ERR_STORAGE_KEY_EXISTS, ERR_STORAGE_KEY_NOT_FOUND, ERR_STORAGE_UNAVAILABLE } from '../util/error-codes.js';

export function keyExists(key: string): StorageError {
  return new StorageError(ERR_STORAGE_KEY_EXISTS, `key already exists: ${key}`, key);
}

export function keyNotFound(key: string): StorageError {
  return new StorageError(ERR_STORAGE_KEY_NOT_FOUND, `key not found: ${key}`, key);
}

/** `actual` is the key's current modRevision (readable again through get). */
export function conflict(key: string, expected: number, actual: number): StorageError {
  return new StorageError(
    ERR_STORAGE_CONFLICT,
    `conflict on ${key}: expected modRevision ${expected}, current is ${actual}`,
    key,
    actual,
  );
}

/** `oldest` is the oldest revision still readable (compactedRevision()). */
export function compacted(requested: number, oldest: number): StorageError {
  return new StorageError(ERR_STORAGE_COMPACTED, `too old resource version: ${requested} (${oldest})`, undefined, oldest);
}

export function futureRevision(requested: number, current: number): StorageError {
  return new StorageError(
    ERR_STORAGE_FUTURE_REVISION,
    `revision ${requested} is newer than the current revision ${current}`,
    undefined,
    current,
  );
}

export function closed(): StorageError {
  return new StorageError(ERR_STORAGE_CLOSED, 'store is closed');
}

export function unavailable(message: string, cause: unknown): StorageError {
  return new StorageError(ERR_STORAGE_UNAVAILABLE, message, undefined, undefined, { cause });
}

/** Normalises a thrown value into an Error (never throw strings; keep the cause). */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e), { cause: e });
}
