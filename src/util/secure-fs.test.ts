import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateFile, ensurePrivateDir, openAppendNoFollow, privateDataFileProblems, privateDirProblem, tightenPrivateFile, writePrivateFile } from './secure-fs.js';
import { closeSync } from 'node:fs';

const root = process.geteuid?.() === 0;
const mode = (p: string): number => statSync(p).mode & 0o777;

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-test-securefs-'));
}

test('a new data dir is created 0700; an existing one others can read is narrowed to 0700', { timeout: 5000 }, () => {
  const base = scratch();
  try {
    const d = join(base, 'a', 'data');
    assert.equal(ensurePrivateDir(d), false);
    assert.equal(mode(d), 0o700);
    chmodSync(d, 0o755);
    assert.equal(ensurePrivateDir(d), true);
    assert.equal(mode(d), 0o700);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a data dir group or others can write, or under a dir anyone can write, is refused with the fix', { timeout: 5000 }, () => {
  const base = scratch();
  try {
    const d = join(base, 'data');
    mkdirSync(d, { mode: 0o700 });
    chmodSync(d, 0o770);
    assert.match(privateDirProblem(d)!, /the data dir .*\/data has mode 0770, writable by group: run 'chmod 700 .*\/data'/);
    chmodSync(d, 0o707);
    assert.match(privateDirProblem(d)!, /writable by others/);
    assert.throws(() => ensurePrivateDir(d), /writable by others/);
    chmodSync(d, 0o700);
    assert.equal(privateDirProblem(d), undefined);
    chmodSync(base, 0o777);
    assert.match(privateDirProblem(d)!, /lies in .*, mode 0777, which any user can write/);
    chmodSync(base, 0o1777); // like /tmp: sticky, so others cannot replace what is ours
    assert.equal(privateDirProblem(d), undefined);
    assert.equal(privateDirProblem(join(base, 'missing')), undefined, 'a dir not made yet is fine');
    writeFileSync(join(base, 'file'), '');
    assert.match(privateDirProblem(join(base, 'file'))!, /is not a directory/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a data dir owned by another user is refused (root only: needs chown)', { timeout: 5000, skip: !root }, () => {
  const base = scratch();
  try {
    const d = join(base, 'data');
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, 4242, 4242);
    assert.match(privateDirProblem(d)!, /is owned by uid 4242, not by this user \(uid 0\): run 'chown -R 0 /);
    const link = join(base, 'link');
    symlinkSync(d, link);
    assert.match(privateDirProblem(link)!, /owned by uid 4242/);
    chownSync(d, 0, 0);
    symlinkSync(d, join(base, 'theirs'));
    // lchown: the symlink itself belongs to another user, who could point it anywhere.
    lchownSync(join(base, 'theirs'), 4242, 4242);
    assert.match(privateDirProblem(join(base, 'theirs'))!, /is a symlink owned by uid 4242/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('private files: written 0600 through a temp file and a rename, never through a symlink', { timeout: 5000 }, () => {
  const base = scratch();
  try {
    const target = join(base, 'victim');
    writeFileSync(target, 'keep me');
    const p = join(base, 'node-token');
    symlinkSync(target, p);
    writePrivateFile(p, 'secret\n');
    assert.equal(readFileSync(target, 'utf8'), 'keep me', 'the symlink was not followed');
    assert.ok(!lstatSync(p).isSymbolicLink());
    assert.equal(readFileSync(p, 'utf8'), 'secret\n');
    assert.equal(mode(p), 0o600);
    writePrivateFile(join(base, 'ca.crt'), 'cert', 0o644);
    assert.equal(mode(join(base, 'ca.crt')), 0o644);
    assert.deepEqual(readdirSync(base).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
    // Appending opens refuse a symlink.
    symlinkSync(target, join(base, 'server.log'));
    assert.throws(() => openAppendNoFollow(join(base, 'server.log')), (e) => (e as NodeJS.ErrnoException).code === 'ELOOP');
    closeSync(openAppendNoFollow(join(base, 'other.log')));
    assert.equal(mode(join(base, 'other.log')), 0o600);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('state.db: created 0600 before SQLite opens it; an older 0644 one is narrowed; a symlink is refused', { timeout: 5000 }, () => {
  const base = scratch();
  try {
    const db = join(base, 'state.db');
    createPrivateFile(db);
    assert.equal(mode(db), 0o600);
    chmodSync(db, 0o644);
    assert.equal(tightenPrivateFile(db), undefined);
    assert.equal(mode(db), 0o600);
    assert.equal(tightenPrivateFile(join(base, 'state.db-wal')), undefined, 'missing is fine');
    symlinkSync(db, join(base, 'state.db-shm'));
    assert.match(tightenPrivateFile(join(base, 'state.db-shm'))!, /is a symlink; k8ts does not follow symlinks/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the data dir\'s keys and tokens: loose modes narrowed to 0600, symlinks and other users\' files refused', { timeout: 5000 }, () => {
  const base = scratch();
  try {
    mkdirSync(join(base, 'tls'), { mode: 0o700 });
    writeFileSync(join(base, 'tls', 'server-ca.key'), 'key', { mode: 0o644 });
    writeFileSync(join(base, 'node-token'), 'token', { mode: 0o666 });
    writeFileSync(join(base, 'tls', 'server-ca.crt'), 'cert', { mode: 0o644 });
    assert.deepEqual(privateDataFileProblems(base), []);
    assert.equal(mode(join(base, 'tls', 'server-ca.key')), 0o600);
    assert.equal(mode(join(base, 'node-token')), 0o600);
    assert.equal(mode(join(base, 'tls', 'server-ca.crt')), 0o644, 'certificates stay readable');
    symlinkSync('/etc/hostname', join(base, 'encryption-config.json'));
    if (root) chownSync(join(base, 'node-token'), 4242, 4242);
    const problems = privateDataFileProblems(base);
    assert.ok(problems.some((p) => /encryption-config\.json is a symlink/.test(p)), problems.join('\n'));
    if (root) assert.ok(problems.some((p) => /node-token is owned by uid 4242/.test(p)), problems.join('\n'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
