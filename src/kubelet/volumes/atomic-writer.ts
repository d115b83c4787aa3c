// Writes a set of files into a directory so that readers never see a half-updated set, as
// upstream's volume/util/atomic_writer.go:
//
//   <dir>/..2024_01_01_00_00_00.1234/   the current payload (real files)
//   <dir>/..data -> ..2024_01_01_...    swapped with one rename(2)
//   <dir>/<top-level name> -> ..data/<top-level name>   user-visible links
//
// An update writes a new timestamped directory, points `..data_tmp` at it, renames it over
// `..data`, fixes the top-level links and removes the old directory. Nothing is written when
// the payload equals what is on disk.
import { promises as fs } from 'node:fs';
import { join, dirname, normalize, isAbsolute, sep } from 'node:path';
import { ERR_VOLUME_PATH } from '../../util/error-codes.js';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileProjection>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';

export class PathError extends Error {
  readonly code = ERR_VOLUME_PATH;
}

/** A payload path must be relative, without `..` elements, and not start with `..`. */
export function validatePayloadPath(p: string): void {
  if (!p) throw new PathError('invalid path: must not be empty');
  if (isAbsolute(p)) throw new PathError(`invalid path: must be relative path: ${p}`);
  if (p.length > 4096) throw new PathError(`invalid path: must be less than or equal to 4096 characters`);
  if (p.split('/').some((e) => e === '..')) throw new PathError(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new PathError(`invalid path: must not start with '..': ${p}`);
}

async function readCurrent(dir: string): Promise<string | undefined> {
  try {
    return await fs.readlink(join(dir, DATA));
  } catch {
    return undefined;
  }
}

async function sameAsOnDisk(tsDir: string, payload: Payload): Promise<boolean> {
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<boolean> => {
    const entries = await fs.readdir(join(tsDir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(await walk(r))) return false;
        continue;
      }
      const want = payload.get(r);
      if (!want) return false;
      const st = await fs.stat(join(tsDir, r));
      if ((st.mode & 0o7777) !== want.mode) return false;
      const have = await fs.readFile(join(tsDir, r));
      if (!have.equals(want.data)) return false;
      seen.add(r);
    }
    return true;
  };
  try {
    return (await walk('')) && seen.size === payload.size;
  } catch {
    return false;
  }
}

function stamp(now: number): string {
  const d = new Date(now);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

/** Returns true when something was written. */
export async function writeAtomically(dir: string, payload: Payload, now = Date.now()): Promise<boolean> {
  for (const p of payload.keys()) validatePayloadPath(p);
  await fs.mkdir(dir, { recursive: true });
  const current = await readCurrent(dir);
  if (current && (await sameAsOnDisk(join(dir, current), payload))) return false;

  const tsDir = await fs.mkdtemp(join(dir, stamp(now)));
  await fs.chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const target = join(tsDir, normalize(p));
    await fs.mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await fs.writeFile(target, f.data);
    await fs.chmod(target, f.mode);
  }
  const tsName = tsDir.slice(tsDir.lastIndexOf(sep) + 1);
  await fs.rm(join(dir, DATA_TMP), { force: true });
  await fs.symlink(tsName, join(dir, DATA_TMP));
  await fs.rename(join(dir, DATA_TMP), join(dir, DATA));

  // User-visible links for the top-level names; stale ones removed.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of top) {
    const link = join(dir, name);
    const want = join(DATA, name);
    const have = await fs.readlink(link).catch(() => undefined);
    if (have === want) continue;
    await fs.rm(link, { force: true, recursive: true });
    await fs.symlink(want, link);
  }
  for (const e of await fs.readdir(dir)) {
    if (e.startsWith('..') || top.has(e)) continue;
    await fs.rm(join(dir, e), { force: true, recursive: true });
  }
  if (current && current !== tsName) await fs.rm(join(dir, current), { recursive: true, force: true });
  return true;
}
