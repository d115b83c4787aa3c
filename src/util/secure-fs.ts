// Private files and directories (the data dir, keys, tokens, kubeconfigs, state.db): created
// 0700/0600, written through a temporary file and a rename in the same directory, never
// through a symlink. A data dir another user owns, or that group/others can write, is refused
// with one line saying what was found and what to do, because whoever can write it can swap
// the cluster's keys or state.
import { chmodSync, closeSync, constants, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

const euid = (): number => process.geteuid?.() ?? 0;
const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/** Creates dir (and missing parents) 0700; an existing dir keeps its mode (see ensurePrivateDir). */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `dir` 0700 when missing, refuses it (an Error with privateDirProblem's line) when it
 * cannot be trusted, and narrows an existing one that others can read to 0700. Returns true
 * when it narrowed the mode.
 */
export function ensurePrivateDir(dir: string, what = 'the data dir'): boolean {
  const problem = privateDirProblem(dir, what);
  if (problem) throw new Error(problem);
  mkdirPrivate(dir);
  if (statSync(dir).mode & 0o077) {
    chmodSync(dir, 0o700);
    return true;
  }
  return false;
}

/**
 * Why `dir` cannot be trusted as a private directory, or undefined when it can (or does not
 * exist yet). `what` names it in the message ("the data dir"). Checks: the dir (and a symlink
 * leading to it) belongs to this user, group and others cannot write it, and no parent up to /
 * lets other users replace it (writable by others without the sticky bit, or owned by another
 * user who is not root).
 */
export function privateDirProblem(dir: string, what = 'the data dir'): string | undefined {
  const path = resolve(dir);
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch {
    return undefined;
  }
  const me = euid();
  if (link.isSymbolicLink() && link.uid !== me && link.uid !== 0) return `${what} ${path} is a symlink owned by uid ${link.uid}, not by this user (uid ${me}): remove it, or pick another --data-dir`;
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    return `${what} ${path} is a dangling symlink (${(e as NodeJS.ErrnoException).code}): remove it, or pick another --data-dir`;
  }
  if (!st.isDirectory()) return `${what} ${path} is not a directory: remove it, or pick another --data-dir`;
  if (st.uid !== me) return `${what} ${path} is owned by uid ${st.uid}, not by this user (uid ${me}): run 'chown -R ${me} ${path}' if it is yours, or pick another --data-dir`;
  if (st.mode & 0o022) return `${what} ${path} has mode ${octal(st.mode)}, writable by ${st.mode & 0o020 ? 'group' : 'others'}: run 'chmod 700 ${path}' if nobody else wrote to it, or pick another --data-dir`;
  for (let p = dirname(path); ; p = dirname(p)) {
    let ps: Stats;
    try {
      ps = statSync(p);
    } catch {
      break;
    }
    if (ps.uid !== me && ps.uid !== 0) return `${what} ${path} lies in ${p}, owned by uid ${ps.uid}, who could replace it: pick a --data-dir under directories only root or you own`;
    if (ps.mode & 0o002 && !(ps.mode & 0o1000)) return `${what} ${path} lies in ${p}, mode ${octal(ps.mode)}, which any user can write: pick a --data-dir under directories others cannot write`;
    if (dirname(p) === p) break;
  }
  return undefined;
}

/**
 * Makes an existing private file 0600 when it is more open (older k8ts wrote state.db 0644);
 * returns a one-line problem when it is a symlink or another user's file, else undefined.
 */
export function tightenPrivateFile(path: string): string | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink()) return `${path} is a symlink; k8ts does not follow symlinks for its private files: replace it with the file itself`;
  if (!st.isFile()) return `${path} is not a regular file: remove it`;
  if (st.uid !== euid()) return `${path} is owned by uid ${st.uid}, not by this user (uid ${euid()}): run 'chown ${euid()} ${path}' if it is yours`;
  if (st.mode & 0o077) {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}

/** The data dir's private files (relative paths): the datastore, keys, tokens, credentials. */
export const PRIVATE_DATA_FILES: readonly string[] = [
  'state.db', 'state.db-wal', 'state.db-shm',
  'tls/server-ca.key', 'tls/kubelet-ca.key', 'tls/serving.key', 'tls/client-admin.key', 'tls/service-account.key', 'tls/apiserver-kubelet-client.key',
  'node-token', 'node-password', 'agent-credentials.json', 'encryption-config.json', 'kubeconfig.yaml',
];

/**
 * Checks the data dir's private files at start (PRIVATE_DATA_FILES, those present): narrows a
 * loose mode to 0600; returns one line per file that is a symlink or another user's.
 */
export function privateDataFileProblems(dataDir: string): string[] {
  const out: string[] = [];
  for (const f of PRIVATE_DATA_FILES) {
    const problem = tightenPrivateFile(join(dataDir, f));
    if (problem) out.push(problem);
  }
  return out;
}

/**
 * Writes `data` to `path` atomically, mode `mode` (default 0600): a new temporary file beside it
 * (O_EXCL|O_NOFOLLOW, so nothing pre-planted is followed), flushed, then renamed over the
 * target. A symlink at `path` is replaced, never written through.
 */
export function writePrivateFile(path: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    fchmodSync(fd, mode); // exactly `mode`, whatever the umask
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Opens `path` for appending (a log), creating it with `mode`; refuses to follow a symlink (ELOOP). */
export function openAppendNoFollow(path: string, mode = 0o600): number {
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode);
}

/** Creates `path` empty with `mode` when missing (never through a symlink), so a later opener inherits the mode. */
export function createPrivateFile(path: string, mode = 0o600): void {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, mode));
}
