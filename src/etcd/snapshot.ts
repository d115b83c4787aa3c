// etcd snapshots (k8ts etcd-snapshot save|restore).
//
// save: etcd's Snapshot RPC (maintenance.snapshot through etcd3), a consistent point-in-time
// copy of the whole keyspace streamed from one member, written to PATH.tmp then renamed.
// restore: `etcdctl snapshot restore` (Debian etcd-client 3.4) into a fresh data dir as a new
// single-member cluster with this server's member name and peer URL; the old member data is
// moved aside (<data-dir>/etcd/data-before-restore-<time>), never deleted.
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EtcdSpec, EtcdTlsFiles } from '../storage/index.js';
import { createEtcdClient } from '../storage/index.js';
import { memberDataDir, type MemberIdentity } from './member.js';

export const ETCDCTL_BIN = process.env.K8TS_ETCDCTL_BIN ?? '/usr/bin/etcdctl';

/** Streams a snapshot of the etcd at `spec` into `path`; resolves with its size in bytes and the revision it holds. */
export async function saveSnapshot(spec: EtcdSpec, tls: EtcdTlsFiles, path: string, timeoutMs = 120_000): Promise<{ bytes: number; revision: number }> {
  const client = createEtcdClient(spec, tls);
  const tmp = `${path}.tmp`;
  mkdirSync(dirname(path), { recursive: true });
  try {
    const stream = await client.maintenance.snapshot({ deadline: Date.now() + timeoutMs });
    const out = createWriteStream(tmp, { mode: 0o600 });
    let bytes = 0;
    let revision = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (r: { blob: Buffer; header?: { revision?: string } }) => {
        if (!revision && r.header?.revision) revision = Number(r.header.revision);
        bytes += r.blob.length;
        // Snapshot chunks are small (32 KB) and the file is local: the write queue stays short.
        out.write(r.blob);
      });
      stream.on('error', reject);
      stream.on('end', () => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    });
    if (bytes === 0) throw new Error('etcd sent an empty snapshot');
    renameSync(tmp, path);
    return { bytes, revision };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    client.close();
  }
}

/** Restores `path` as the single member of a new cluster in this data dir. The member must not run. */
export async function restoreSnapshot(path: string, dataDir: string, id: MemberIdentity): Promise<{ movedAside?: string }> {
  if (!existsSync(path)) throw new Error(`snapshot ${path} does not exist`);
  if (!existsSync(ETCDCTL_BIN)) throw new Error(`${ETCDCTL_BIN} not found: install Debian's etcd-client package (apt-get install etcd-client)`);
  const target = memberDataDir(dataDir);
  const fresh = `${target}.restoring`;
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  await new Promise<void>((resolve, reject) => {
    execFile(
      ETCDCTL_BIN,
      ['snapshot', 'restore', path, '--data-dir', fresh, '--name', id.name, '--initial-cluster', `${id.name}=${id.peerURL}`, '--initial-advertise-peer-urls', id.peerURL],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 300_000 },
      (err, _out, stderr) => (err ? reject(new Error(`etcdctl snapshot restore failed: ${stderr.trim().split('\n').pop() ?? err.message}`)) : resolve()),
    );
  });
  let movedAside: string | undefined;
  if (existsSync(target)) {
    movedAside = join(dirname(target), `data-before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    renameSync(target, movedAside);
  }
  renameSync(fresh, target);
  return movedAside ? { movedAside } : {};
}
