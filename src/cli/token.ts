// `k8ts token create [--ttl D] | list | delete ID…`: join tokens that expire and can be revoked,
// like `kubeadm token` and `k3s token`. Each is a bootstrap token Secret
// (kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token) that the API server's
// join endpoint checks; `create` prints the full token an agent takes (`K10<CA hash>::<id>.<secret>`).
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { kubeconfigClient } from './kube-client.js';
import { R } from '../client/index.js';
import { isNotFound } from '../api/status.js';
import type { Secret } from '../api/types/index.js';
import {
  bootstrapJoinToken, bootstrapTokenSecret, bootstrapTokenSecretName, decodeSecretData, isBootstrapTokenId, newBootstrapToken, parseBootstrapToken, parseJoinToken,
  BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE,
} from '../pki/index.js';

export const tokenHelp = `Usage: k8ts token create [--ttl DURATION] [--description TEXT]
       k8ts token list
       k8ts token delete ID|TOKEN...
       (each also takes --data-dir DIR | --kubeconfig FILE)

Join tokens for agents (k8ts agent --server URL --token TOKEN), kept as bootstrap token Secrets
in kube-system like kubeadm's. 'create' prints a new token; it stops working after --ttl
(default 24h; 0 never expires) or when deleted. The server's own <data-dir>/node-token stays
valid besides them.

Flags:
  --ttl DURATION           how long the token is valid: 30m, 24h, 7d, 0 (default 24h)
  --description TEXT       a note kept with the token (shown by list)
  --data-dir DIR           the server's data dir (its kubeconfig.yaml is used)
  --kubeconfig FILE        an admin kubeconfig instead
  -h, --help               show this help
`;

/** Parses 90s, 30m, 24h, 7d, 1h30m or 0 into milliseconds. */
export function parseTtl(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+)(ms|s|m|h|d)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let end = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]];
    end = (m.index ?? 0) + m[0].length;
  }
  if (!s || end !== s.length || total <= 0) throw new CliError(`--ttl must be a duration like 30m, 24h or 7d (0: never expires), got "${s}"`);
  return total;
}

function formatTtl(ms: number): string {
  if (ms <= 0) return '<expired>';
  const h = Math.floor(ms / 3_600_000);
  if (h >= 48) return `${Math.floor(h / 24)}d`;
  if (h >= 1) return `${h}h`;
  return `${Math.max(1, Math.floor(ms / 60_000))}m`;
}

export async function runToken(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ttl: { type: 'string', default: '24h' }, description: { type: 'string' }, 'data-dir': { type: 'string' }, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb, ...args] = positionals;
  if (values.help || !verb) {
    process.stdout.write(tokenHelp);
    if (!values.help) throw new CliError('k8ts token needs a verb: create, list or delete');
    return;
  }
  const { client, server, caPem } = kubeconfigClient({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] });
  const unreachable = (e: unknown): never => {
    throw new CliError(`cannot reach the API server at ${server}: ${(e as Error).message}`);
  };
  try {
    switch (verb) {
      case 'create': {
        if (args.length) throw new CliError(`k8ts token create takes no arguments, got "${args.join(' ')}"`);
        if (!caPem) throw new CliError('the kubeconfig names no cluster CA, so the token could not pin it');
        const ttl = parseTtl(values.ttl!);
        const t = newBootstrapToken();
        const secret = bootstrapTokenSecret(t, { expiresAt: ttl ? new Date(Date.now() + ttl) : undefined, description: values.description });
        await client.create(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secret as unknown as Secret).catch(unreachable);
        process.stdout.write(bootstrapJoinToken(caPem, `${t.id}.${t.secret}`) + '\n');
        return;
      }
      case 'list': {
        const list = await client.list<Secret>(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE).catch(unreachable);
        const rows = [['ID', 'TTL', 'EXPIRES', 'DESCRIPTION']];
        for (const s of list.items) {
          if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) continue;
          const d = decodeSecretData(s.data);
          const exp = d.expiration;
          rows.push([d['token-id'] ?? '', exp ? formatTtl(Date.parse(exp) - Date.now()) : '<forever>', exp ?? '<never>', d.description ?? '<none>']);
        }
        const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
        process.stdout.write(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')).join('\n') + '\n');
        return;
      }
      case 'delete': {
        if (!args.length) throw new CliError('k8ts token delete needs the ID (or the whole token) of each token to delete');
        for (const a of args) {
          const cred = parseJoinToken(a)?.credential;
          const id = isBootstrapTokenId(a) ? a : cred ? parseBootstrapToken(cred)?.id : undefined;
          if (!id) throw new CliError(`"${a}" is neither a token ID (6 characters a-z0-9) nor a bootstrap token`);
          try {
            await client.delete(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecretName(id));
          } catch (e) {
            if (isNotFound(e)) throw new CliError(`no token with ID ${id}`);
            unreachable(e);
          }
          process.stdout.write(`token ${id} deleted\n`);
        }
        return;
      }
      default:
        throw new CliError(`unknown verb "${verb}": k8ts token create, list or delete`);
    }
  } finally {
    client.close();
  }
}
