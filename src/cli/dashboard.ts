// `k8ts dashboard`: prints the URL of the web dashboard the API server serves (src/dashboard/),
// opens it with --open, and prints a bearer token to sign in with (--token): the kubeconfig's own
// token when it has one, else a fresh TokenRequest for a service account (`kubectl create token`).
import { spawn, spawnSync } from 'node:child_process';
import { CliError, parseCommandArgs } from './errors.js';
import { kubeconfigClient } from './kube-client.js';
import { R } from '../client/index.js';
import { isForbidden, isNotFound } from '../api/status.js';
import { loadKubeconfigTransport } from '../client/kubeconfig.js';

export const dashboardHelp = `Usage: k8ts dashboard [--open] [--token [--service-account NAMESPACE/NAME] [--duration D]]
                      [--kubeconfig FILE | --data-dir DIR]

Prints the URL of the live web dashboard the API server serves at /dashboard/ (namespaces,
workloads and their rollouts, the Ingress → Service → Pods → Node topology, pod logs, events,
why, nodes; updated over one watch stream). The page signs in with a bearer token and acts
with that identity's RBAC.

Flags:
  --open                     open the URL in this machine's browser (xdg-open)
  --token                    print a token to paste on the login page: the kubeconfig's own
                             token, else one minted for --service-account (a TokenRequest)
  --service-account NS/NAME  the service account to mint the token for
  --duration D               how long a minted token is valid: 30m, 1h, 24h (default 1h)
  --kubeconfig FILE          the kubeconfig to use (default $KUBECONFIG, else the local server's)
  --data-dir DIR             the local server's data dir (its kubeconfig.yaml is used)
  -h, --help                 show this help
`;

function seconds(d: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(d);
  if (!m) throw new CliError(`--duration must look like 30m, 1h or 24h, got "${d}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export async function runDashboard(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('dashboard', {
    args: argv,
    options: {
      open: { type: 'boolean' },
      token: { type: 'boolean' },
      'service-account': { type: 'string' },
      duration: { type: 'string', default: '1h' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(dashboardHelp);
  const kc = kubeconfigClient({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] }, 'k8ts-dashboard');
  const url = `${kc.server.replace(/\/+$/, '')}/dashboard/`;
  try {
    if (values.token) process.stdout.write(`${await token(kc, values['service-account'], seconds(values.duration!))}\n`);
    else {
      process.stdout.write(`${url}\n`);
      process.stderr.write("sign in with a bearer token: 'k8ts dashboard --token --service-account NAMESPACE/NAME' prints one (or kubectl create token NAME -n NAMESPACE)\n");
    }
    if (values.open) openBrowser(url);
  } finally {
    kc.client.close();
  }
}

async function token(kc: ReturnType<typeof kubeconfigClient>, sa: string | undefined, expirationSeconds: number): Promise<string> {
  if (!sa) {
    const own = loadKubeconfigTransport(kc.path);
    if (own.token) return own.token;
    throw new CliError("the kubeconfig's user signs in with a certificate, which a browser cannot use: pass --service-account NAMESPACE/NAME to mint a token for a service account");
  }
  const [ns, name, extra] = sa.split('/');
  if (!ns || !name || extra !== undefined) throw new CliError(`--service-account must be NAMESPACE/NAME, got "${sa}"`);
  try {
    const tr = await kc.client.createSubresource<{ status?: { token?: string } }>(R.serviceaccounts, ns, name, 'token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds },
    });
    if (!tr.status?.token) throw new CliError('the server answered the token request without a token');
    return tr.status.token;
  } catch (e) {
    if (isNotFound(e)) throw new CliError(`service account ${ns}/${name} not found: create it with kubectl create serviceaccount ${name} -n ${ns}`);
    if (isForbidden(e)) throw new CliError(`you may not create tokens for ${ns}/${name}: ${(e as Error).message}`);
    throw e;
  }
}

function openBrowser(url: string): void {
  const which = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
  if (which.status !== 0) {
    process.stderr.write(`no browser opener (xdg-open) on this machine: open ${url} yourself\n`);
    return;
  }
  spawn('xdg-open', [url], { stdio: 'ignore', detached: true }).unref();
}
