// Files from a ConfigMap's or Secret's keys (all keys, or `items` with paths and modes), the
// shared part of the configMap, secret and projected plugins. Pure.
import { DEFAULT_FILE_MODE } from '../../api/defaults/index.js';
import type { KObject } from '../../api/types/index.js';
import type { KeyToPath } from '../../api/types/index.js';
import type { Payload } from './atomic-writer.js';
import { VolumeSetUpError } from './types.js';

export function configMapData(cm: Readonly<KObject>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

export function secretData(s: Readonly<KObject>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries((s.stringData ?? {}) as Record<string, string>)) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

/** Adds the files for `data` into `payload`. `what` is "configmap" or "secret" for messages. */
export function addKeyFiles(payload: Payload, data: ReadonlyMap<string, Buffer>, items: readonly KeyToPath[] | undefined, defaultMode: number | undefined, optional: boolean, what: string): void {
  const mode = defaultMode ?? DEFAULT_FILE_MODE;
  if (!items || items.length === 0) {
    for (const [k, v] of data) payload.set(k, { data: v, mode });
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeSetUpError(`${what} references non-existent ${what === 'secret' ? 'secret' : 'config'} key: ${it.key}`);
    }
    payload.set(it.path, { data: v, mode: it.mode ?? mode });
  }
}
