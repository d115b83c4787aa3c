// `k8ts kubeconfig [--merge]`: prints the admin kubeconfig of a data dir, or merges it into the
// user's kubeconfig (~/.kube/config, or the first file of $KUBECONFIG) as cluster, user and context
// `k8ts` and makes it the current context. Other entries, and the file's comments, stay as they are.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDocument, isMap, isScalar, isSeq, type Document } from 'yaml';
import { KubeconfigError, parseKubeconfig, selectContext } from '../client/kubeconfig.js';
import { CliError } from './errors.js';
import { resolveDataDir } from './config.js';

export const DEFAULT_CONTEXT = 'k8ts';

export const kubeconfigHelp = `Usage: k8ts kubeconfig [--merge] [--context NAME] [--data-dir DIR]

Prints the admin kubeconfig of the cluster in the data dir (<data-dir>/kubeconfig.yaml).

Flags:
  --merge          merge it into ~/.kube/config (or the first file of $KUBECONFIG) as cluster, user
                   and context NAME and make that the current context; other entries stay
  --context NAME   the name to merge under (default ${DEFAULT_CONTEXT})
  --data-dir DIR   the cluster's data dir (default: $K8TS_DATA_DIR, else data-dir of the config file,
                   else /var/lib/k8ts as root and ~/.k8ts otherwise)
  --config FILE    the config file to read data-dir from (default as for k8ts server)
  -h, --help       show this help

'k8ts delete' removes what --merge added.
`;

interface NamedEntry {
  name: string;
  [k: string]: unknown;
}

/** The user's kubeconfig file: the first file of $KUBECONFIG, else ~/.kube/config. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find(Boolean);
  return first ?? join(env.HOME || homedir(), '.kube', 'config');
}

/** The cluster and user entries of our admin kubeconfig (its current context). */
function parseOurs(ours: string): { cluster: Record<string, unknown>; user: Record<string, unknown> } {
  try {
    const { cluster, user } = selectContext(parseKubeconfig(ours));
    if (Object.keys(user).length === 0) throw new KubeconfigError('no user');
    return { cluster, user };
  } catch (e) {
    const err = new CliError('the cluster kubeconfig has no cluster or user');
    err.cause = e;
    throw err;
  }
}

function loadDoc(existing: string | undefined): Document {
  const doc = parseDocument(existing ?? '');
  if (doc.errors.length) throw new CliError(`the kubeconfig is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  const c = doc.contents;
  if (c === null || c === undefined || (isScalar(c) && (c.value === null || c.value === ''))) {
    return parseDocument('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\npreferences: {}\n');
  }
  if (!isMap(c)) throw new CliError('the kubeconfig is not a YAML mapping');
  return doc;
}

function upsert(doc: Document, section: string, entry: NamedEntry): void {
  const seq = doc.get(section);
  if (!isSeq(seq)) {
    doc.set(section, doc.createNode([entry]));
    return;
  }
  const i = seq.items.findIndex((it) => isMap(it) && it.get('name') === entry.name);
  if (i >= 0) seq.items[i] = doc.createNode(entry);
  else seq.items.push(doc.createNode(entry));
}

/** `existing` (may be empty) with the cluster of `ours` merged in as cluster/user/context `name`, current. */
export function mergeKubeconfig(existing: string | undefined, ours: string, name = DEFAULT_CONTEXT): string {
  const { cluster, user } = parseOurs(ours);
  const doc = loadDoc(existing);
  upsert(doc, 'clusters', { name, cluster });
  upsert(doc, 'users', { name, user });
  upsert(doc, 'contexts', { name, context: { cluster: name, user: name } });
  doc.set('current-context', name);
  return doc.toString();
}

/**
 * `existing` without the clusters that carry the CA of `ours`, the users that carry its client
 * certificate, and the contexts that use either (whatever their names); the current context is
 * unset when it was one of them.
 */
export function removeFromKubeconfig(existing: string, ours: string): { text: string; removed: string[] } {
  const { cluster, user } = parseOurs(ours);
  const doc = loadDoc(existing);
  const removed: string[] = [];
  const drop = (section: string, match: (it: Record<string, unknown>) => boolean): Set<string> => {
    const names = new Set<string>();
    const seq = doc.get(section);
    if (!isSeq(seq)) return names;
    seq.items = seq.items.filter((it) => {
      if (!isMap(it)) return true;
      const js = it.toJSON() as Record<string, unknown>;
      if (!match(js)) return true;
      names.add(String(js.name));
      return false;
    });
    return names;
  };
  const ca = cluster['certificate-authority-data'];
  const cert = user['client-certificate-data'];
  const clusters = drop('clusters', (it) => ca !== undefined && (it.cluster as Record<string, unknown> | undefined)?.['certificate-authority-data'] === ca);
  const users = drop('users', (it) => cert !== undefined && (it.user as Record<string, unknown> | undefined)?.['client-certificate-data'] === cert);
  const contexts = drop('contexts', (it) => {
    const c = it.context as Record<string, unknown> | undefined;
    return clusters.has(String(c?.cluster)) || users.has(String(c?.user));
  });
  for (const n of clusters) removed.push(`cluster ${n}`);
  for (const n of users) removed.push(`user ${n}`);
  for (const n of contexts) removed.push(`context ${n}`);
  if (contexts.has(String(doc.get('current-context')))) doc.delete('current-context');
  return { text: doc.toString(), removed };
}

/** Merges the cluster of `dataDir` into the user's kubeconfig; returns the file written. */
export function mergeIntoUserKubeconfig(ours: string, name = DEFAULT_CONTEXT, env: NodeJS.ProcessEnv = process.env): string {
  const target = userKubeconfigPath(env);
  const existing = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  const text = mergeKubeconfig(existing, ours, name);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  writeFileSync(target, text, { mode: 0o600 });
  return target;
}

/** Removes the cluster of `ours` from the user's kubeconfig when it was merged there; returns what was removed. */
export function removeFromUserKubeconfig(ours: string, env: NodeJS.ProcessEnv = process.env): { file: string; removed: string[] } {
  const target = userKubeconfigPath(env);
  if (!existsSync(target)) return { file: target, removed: [] };
  const r = removeFromKubeconfig(readFileSync(target, 'utf8'), ours);
  if (r.removed.length) writeFileSync(target, r.text, { mode: 0o600 });
  return { file: target, removed: r.removed };
}

export async function runKubeconfig(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { merge: { type: 'boolean' }, context: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void process.stdout.write(kubeconfigHelp);
  if (positionals.length) throw new CliError(`k8ts kubeconfig takes no arguments (got "${positionals[0]}"): run k8ts kubeconfig --help`);
  const dataDir = resolveDataDir(values['data-dir'], process.env, values.config);
  const path = join(dataDir, 'kubeconfig.yaml');
  if (!existsSync(path)) throw new CliError(`no cluster in ${dataDir} (no kubeconfig.yaml): start one with k8ts start`);
  const ours = readFileSync(path, 'utf8');
  if (!values.merge) return void process.stdout.write(ours);
  const name = values.context ?? DEFAULT_CONTEXT;
  const file = mergeIntoUserKubeconfig(ours, name);
  process.stdout.write(`merged the cluster of ${dataDir} into ${file} as context "${name}" (now the current context)\n`);
}
