// `k8ts history KIND/NAME [-n NS] [--diff REV | --diff REV1..REV2]` and
// `k8ts history --deleted KIND [-n NS]`: the object history the API server keeps
// (history.k8ts.io/v1 revisions), through the kubeconfig, so with the user's credentials and RBAC.
import { CliError, parseCommandArgs } from './errors.js';
import { kubeconfigClient } from './kube-client.js';
import { unifiedDiff } from './unified-diff.js';
import { isStatusError } from '../api/status.js';
import type { RestClient } from '../client/rest-client.js';

export const historyHelp = `Usage: k8ts history KIND/NAME [-n NAMESPACE] [--diff REV | --diff REV1..REV2]
       k8ts history --deleted KIND [-n NAMESPACE | -A]

Shows the revisions the API server kept of an object (every change, also after the object was
deleted; --history-retention, default 24h): resourceVersion, time, user, field manager,
operation and the changed paths. KIND is kubectl's: deploy, deployments.apps, cm, pod, ...

Flags:
  -n, --namespace NS       the object's namespace (default: the kubeconfig context's, else "default"; ignored for cluster-scoped kinds)
  --diff REV               unified diff of revision REV against the revision before it
  --diff REV1..REV2        unified diff between two revisions
  --deleted KIND           list the deleted objects of KIND: name, deleted at, by whom
  -A, --all-namespaces     with --deleted: in every namespace (needs get on KIND cluster-wide)
  --kubeconfig FILE        the kubeconfig to use (default $KUBECONFIG, else the local server's)
  --data-dir DIR           the local server's data dir (its kubeconfig.yaml is used)
  -h, --help               show this help
`;

/** A history.k8ts.io/v1 Revision, as the CLI reads it. */
export interface Revision {
  metadata: { name: string; namespace?: string; creationTimestamp: string };
  target: { group: string; resource: string; namespace?: string; name: string };
  resourceVersion: string;
  operation: 'Create' | 'Update' | 'Delete';
  time: string;
  user?: string;
  /** --deleted: who asked for the deletion (set deletionTimestamp), when it was not the final Delete's writer. */
  deletedBy?: string;
  managers?: string[];
  changedPaths: string[];
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

interface RevisionList {
  items: Revision[];
  retainedSinceRevision: string;
}

async function fetchRevisions(client: RestClient, kind: string, namespace: string | undefined, selector: string): Promise<{ list: RevisionList; namespaced: boolean }> {
  const q = `?fieldSelector=${encodeURIComponent(`resource=${kind},${selector}`)}`;
  const get = async (path: string): Promise<RevisionList> => {
    const r = await client.request('GET', path + q);
    const body = r.body.toString('utf8');
    if (r.status >= 200 && r.status < 300) return JSON.parse(body) as RevisionList;
    let message = body.trim();
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // not a Status
    }
    throw Object.assign(new CliError(message), { status: r.status });
  };
  try {
    if (namespace === undefined) return { list: await get('/apis/history.k8ts.io/v1/revisions'), namespaced: false };
    return { list: await get(`/apis/history.k8ts.io/v1/namespaces/${encodeURIComponent(namespace)}/revisions`), namespaced: true };
  } catch (e) {
    // Cluster-scoped kinds are asked for without a namespace.
    if ((e as { status?: number }).status === 400 && /is cluster-scoped/.test((e as Error).message)) return { list: await get('/apis/history.k8ts.io/v1/revisions'), namespaced: false };
    if ((e as { status?: number }).status === 404 && /^the server could not find the requested resource/.test((e as Error).message))
      throw new CliError('the server keeps no object history (history.k8ts.io is not served: it runs with --history-retention 0, or is older)');
    throw e;
  }
}

/** Parses `--diff` as one revision or `REV1..REV2`. Pure. */
export function parseDiffArg(v: string): { from?: string; to: string } {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v);
  if (!m) throw new CliError(`--diff takes a revision (1234) or two (1200..1234), got "${v}"`);
  return m[2] ? { from: m[1], to: m[2] } : { to: m[1] };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('   ').trimEnd()).join('\n') + '\n';
}

/** The revision table of one object. Pure. */
export function renderRevisions(items: readonly Revision[]): string {
  const rows = [['REVISION', 'TIME', 'USER', 'MANAGER', 'OPERATION', 'CHANGES']];
  for (const r of items) rows.push([r.resourceVersion, r.time, r.user ?? '<unknown>', r.managers?.join(',') ?? '', r.operation, r.operation === 'Update' ? r.changedPaths.join(', ') : '']);
  return table(rows);
}

/** The deleted-objects table (with a NAMESPACE column across namespaces). Pure. */
export function renderDeleted(items: readonly Revision[], withNamespace = false): string {
  const rows = [[...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'DELETED AT', 'BY', 'REVISION']];
  for (const r of items) rows.push([...(withNamespace ? [r.target.namespace ?? ''] : []), r.target.name, r.time, r.deletedBy ?? r.user ?? '<unknown>', r.resourceVersion]);
  return table(rows);
}

/** YAML of a revision's object without what every write changes (managedFields, resourceVersion). */
async function objectText(r: Revision | undefined): Promise<string> {
  if (!r) return '';
  const { stringify } = await import('yaml');
  const o = structuredClone(r.object);
  if (o.metadata) {
    delete o.metadata.managedFields;
    delete o.metadata.resourceVersion;
  }
  return stringify(o);
}

export async function runHistory(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('history', {
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      diff: { type: 'string' },
      deleted: { type: 'string' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(historyHelp);
  const { client, server, namespace: contextNs } = kubeconfigClient({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] }, 'k8ts-history');
  const namespace = values.namespace ?? contextNs;
  const ask = async (kind: string, selector: string, allNamespaces = false): Promise<{ list: RevisionList; namespaced: boolean }> => {
    try {
      return await fetchRevisions(client, kind, allNamespaces ? undefined : namespace, selector);
    } catch (e) {
      if (e instanceof CliError) throw e;
      if (isStatusError(e)) throw new CliError(`cannot ask the API server at ${server}: ${e.message}`);
      throw e;
    }
  };

  if (values['all-namespaces'] && values.deleted === undefined) throw new CliError('-A goes with --deleted KIND; an object\'s history is asked for in its namespace (-n)');
  if (values.deleted !== undefined) {
    if (positionals.length || values.diff) throw new CliError("--deleted takes a kind and nothing else, e.g. 'k8ts history --deleted pods -n default'");
    const all = !!values['all-namespaces'];
    const { list, namespaced } = await ask(values.deleted, 'deleted=true', all);
    if (!list.items.length) {
      process.stdout.write(`no deleted ${values.deleted}${namespaced ? ` in namespace ${namespace}` : ''} since revision ${list.retainedSinceRevision}\n`);
      return;
    }
    process.stdout.write(renderDeleted(list.items, all));
    return;
  }

  let kind: string;
  let name: string;
  if (positionals.length === 1 && positionals[0].includes('/')) [kind, name] = [positionals[0].slice(0, positionals[0].indexOf('/')), positionals[0].slice(positionals[0].indexOf('/') + 1)];
  else if (positionals.length === 2 && !positionals[0].includes('/')) [kind, name] = positionals as [string, string];
  else throw new CliError("k8ts history needs one object: KIND/NAME (e.g. 'k8ts history deploy/web'), or --deleted KIND");
  if (!kind || !name || name.includes('/')) throw new CliError(`expected KIND/NAME (e.g. deploy/web), got "${positionals.join(' ')}"`);
  const { list, namespaced } = await ask(kind, `name=${name}`);
  const what = `${kind}/${name}${namespaced ? ` in namespace ${namespace}` : ''}`;
  if (!list.items.length) throw new CliError(`no history of ${what}: no revision kept since revision ${list.retainedSinceRevision} (never existed, or pruned)`);

  if (values.diff === undefined) {
    process.stdout.write(renderRevisions(list.items));
    return;
  }
  const d = parseDiffArg(values.diff);
  const find = (rev: string): number => {
    const i = list.items.findIndex((r) => r.resourceVersion === rev);
    if (i >= 0) return i;
    if (Number(rev) < Number(list.retainedSinceRevision) || Number(rev) < Number(list.items[0].resourceVersion))
      throw new CliError(`revision ${rev} of ${what} is not kept (pruned, or before the history started); the oldest kept is ${list.items[0].resourceVersion}`);
    throw new CliError(`${what} has no revision ${rev}; 'k8ts history ${kind}/${name}' lists them`);
  };
  const to = find(d.to);
  const from = d.from !== undefined ? find(d.from) : to - 1;
  const a = from >= 0 ? list.items[from] : undefined;
  const b = list.items[to];
  // A Delete revision carries the last value: its diff against the one before is empty, so say so.
  const text = unifiedDiff(await objectText(a), b.operation === 'Delete' ? '' : await objectText(b), {
    fromLabel: a ? `${what} revision ${a.resourceVersion}` : '/dev/null',
    toLabel: b.operation === 'Delete' ? `${what} deleted at revision ${b.resourceVersion}` : `${what} revision ${b.resourceVersion}`,
  });
  process.stdout.write(text || `revisions ${a?.resourceVersion ?? '(none)'} and ${b.resourceVersion} of ${what} do not differ\n`);
}
