// `k8ts etcd-snapshot save [PATH] | restore PATH` (k3s's etcd-snapshot) and
// `k8ts etcd-member list | remove NAME`: the embedded etcd's snapshots and members.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { defaultDataDir } from './server.js';

export const etcdSnapshotHelp = `Usage: k8ts etcd-snapshot save [PATH]
       k8ts etcd-snapshot restore PATH

save writes a consistent snapshot of the whole etcd keyspace (etcd's snapshot API) to PATH
(default <data-dir>/etcd/snapshots/k8ts-snapshot-<time>.db). It reads the embedded member of
--data-dir (a server run with --cluster-init or --server), or the etcd of --datastore.

restore turns the data dir's embedded member into a new single-member cluster holding PATH's
data (etcdctl snapshot restore; Debian etcd-client). Stop the server first; start it again with
--cluster-init. The member's old data is moved aside to <data-dir>/etcd/data-before-restore-<time>.
Other servers of the old cluster must join the restored one again (wipe their <data-dir>/etcd).

Flags:
  --data-dir DIR           the server's data dir (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --datastore URL          save from this etcd instead: etcd://HOST:PORT or etcds://HOST:PORT
  --etcd-cafile FILE       with etcds://: the CA of the etcd members
  --etcd-certfile FILE     with etcds://: a client certificate
  --etcd-keyfile FILE      with etcds://: its key
  -h, --help               show this help
`;

export const etcdMemberHelp = `Usage: k8ts etcd-member list
       k8ts etcd-member remove NAME

The members of the embedded etcd cluster. Remove a server for good: stop it, then run
'k8ts etcd-member remove NAME' on another server (NAME from list; it is in the stopped server's
<data-dir>/etcd/member.json). The cluster then no longer counts it for quorum.

Flags:
  --data-dir DIR           a running server's data dir (its member and client certificate are used)
  -h, --help               show this help
`;

const options = {
  'data-dir': { type: 'string' },
  datastore: { type: 'string' },
  'etcd-cafile': { type: 'string' },
  'etcd-certfile': { type: 'string' },
  'etcd-keyfile': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Target {
  spec: import('../storage/index.js').EtcdSpec;
  tls: import('../storage/index.js').EtcdTlsFiles;
}

async function target(values: { 'data-dir'?: string; datastore?: string; 'etcd-cafile'?: string; 'etcd-certfile'?: string; 'etcd-keyfile'?: string }): Promise<{ dataDir: string; t: Target }> {
  const { parseEtcdSpec } = await import('../storage/index.js');
  const dataDir = values['data-dir'] ?? defaultDataDir();
  if (values.datastore) {
    try {
      return { dataDir, t: { spec: parseEtcdSpec(values.datastore), tls: { caFile: values['etcd-cafile'], certFile: values['etcd-certfile'], keyFile: values['etcd-keyfile'] } } };
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const { etcdTlsPaths } = await import('../etcd/index.js');
  const memberFile = join(dataDir, 'etcd', 'member.json');
  if (!existsSync(memberFile)) throw new CliError(`${dataDir} has no embedded etcd member (no etcd/member.json): pass the server's --data-dir, or --datastore etcd://HOST:PORT`);
  const { readFileSync } = await import('node:fs');
  const id = JSON.parse(readFileSync(memberFile, 'utf8')) as { clientURL: string };
  const p = etcdTlsPaths(dataDir);
  return { dataDir, t: { spec: parseEtcdSpec(`etcds://127.0.0.1:${new URL(id.clientURL).port}`), tls: { caFile: p.caFile, certFile: p.clientCert, keyFile: p.clientKey, serverName: 'localhost' } } };
}

export async function runEtcdSnapshot(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [verb, path] = positionals;
  if (values.help || !verb) {
    process.stdout.write(etcdSnapshotHelp);
    return;
  }
  const { dataDir, t } = await target(values);
  if (verb === 'save') {
    const { saveSnapshot } = await import('../etcd/index.js');
    const out = path ?? join(dataDir, 'etcd', 'snapshots', `k8ts-snapshot-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
    try {
      const r = await saveSnapshot(t.spec, t.tls, out);
      process.stdout.write(`snapshot saved to ${out} (${r.bytes} bytes${r.revision ? `, revision ${r.revision}` : ''})\n`);
    } catch (e) {
      throw new CliError(`cannot save a snapshot from etcd at ${t.spec.endpoints.join(',')}: ${(e as Error).message.split('\n')[0]}: is the server (or etcd) running?`);
    }
    return;
  }
  if (verb === 'restore') {
    if (!path) throw new CliError('restore needs the snapshot: k8ts etcd-snapshot restore PATH');
    if (values.datastore) throw new CliError('restore works on the embedded member of --data-dir; for an external etcd use etcdctl snapshot restore');
    const { memberHealthy, restoreSnapshot, etcdTlsPaths } = await import('../etcd/index.js');
    const { readFileSync } = await import('node:fs');
    const id = JSON.parse(readFileSync(join(dataDir, 'etcd', 'member.json'), 'utf8')) as import('../etcd/index.js').MemberIdentity;
    if (await memberHealthy(id.clientURL, etcdTlsPaths(dataDir), 1000)) throw new CliError(`the etcd member of ${dataDir} is running: stop the server first (k8ts stop, or end k8ts server)`);
    try {
      const r = await restoreSnapshot(path, dataDir, id);
      process.stdout.write(`restored ${path} into ${join(dataDir, 'etcd', 'data')} as a new single-member cluster${r.movedAside ? ` (old data in ${r.movedAside})` : ''}; start the server with --cluster-init\n`);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    return;
  }
  throw new CliError(`unknown etcd-snapshot command "${verb}": save or restore`);
}

export async function runEtcdMember(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [verb, name] = positionals;
  if (values.help || !verb) {
    process.stdout.write(etcdMemberHelp);
    return;
  }
  const { t } = await target(values);
  const { createEtcdClient } = await import('../storage/index.js');
  const client = createEtcdClient(t.spec, t.tls);
  const opts = (): { deadline: number } => ({ deadline: Date.now() + 10_000 });
  try {
    const { members } = await client.cluster.memberList({}, opts()).catch((e: Error) => {
      throw new CliError(`cannot reach etcd at ${t.spec.endpoints.join(',')}: ${e.message.split('\n')[0]}: is the server running?`);
    });
    if (verb === 'list') {
      for (const m of members) process.stdout.write(`${m.name || '(not started)'}\t${m.peerURLs.join(',')}\t${m.clientURLs.join(',')}${m.isLearner ? '\tlearner' : ''}\n`);
      return;
    }
    if (verb === 'remove') {
      if (!name) throw new CliError('remove needs the member name: k8ts etcd-member remove NAME (see k8ts etcd-member list)');
      const m = members.find((x) => x.name === name);
      if (!m) throw new CliError(`no etcd member named ${name}; members: ${members.map((x) => x.name).join(', ')}`);
      await client.cluster.memberRemove({ ID: m.ID }, opts()).catch((e: Error) => {
        // etcd refuses while the rest of the cluster has not been healthy for a few seconds.
        throw new CliError(`etcd refused to remove member ${name}: ${e.message.split('\n')[0]}: make sure the other members run, then try again`);
      });
      process.stdout.write(`etcd member ${name} removed\n`);
      return;
    }
    throw new CliError(`unknown etcd-member command "${verb}": list or remove`);
  } finally {
    client.close();
  }
}
