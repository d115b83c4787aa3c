// `k8ts why KIND/NAME [-n NS] [-o json]` (and `kubectl why …` through bin/kubectl-why): one
// plain-words diagnosis that follows the chain of cause. Exit code 0 healthy, 1 a cause was
// found, 2 no answer (bad input, an object the user may not read, the server unreachable).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, parseCommandArgs } from './errors.js';
import { kubeconfigClient } from './kube-client.js';
import { diagnose, fetchFacts, parseTarget, renderJson, renderText, restSource, WhyInputError, SUPPORTED_KINDS } from '../why/index.js';

export const WHY_EXIT_BAD_INPUT = 2;

export const whyHelp = `Usage: k8ts why KIND/NAME [-n NAMESPACE] [-o text|json] [--kubeconfig FILE | --data-dir DIR]
       kubectl why KIND/NAME ...      (the same, as a kubectl plugin: bin/kubectl-why on PATH)

Says in plain words why an object is not working, following the chain of cause
(Deployment → ReplicaSet → Pod → container, Service → EndpointSlices → pods, Ingress →
Service → endpoints, PVC → PV/StorageClass, Node). The first line names the first broken link
and the cause; the lines below give the evidence (scheduler reasons, image pull errors, exit
codes with the last log lines, probe output, near-miss labels, ...).

Kinds: ${SUPPORTED_KINDS.join(', ')} (kubectl's names and short names work: deploy, svc, po, pvc, ing, no, ...)

Exit code: 0 healthy, 1 a cause was found, 2 no answer (bad input, not readable, unreachable).

Flags:
  -n, --namespace NS       the object's namespace (default: the kubeconfig context's, else "default")
  -o, --output FORMAT      text (default) or json: {healthy, cause, chain, evidence}
  --kubeconfig FILE        the kubeconfig to use (default $KUBECONFIG, else the local server's)
  --data-dir DIR           the local server's data dir (its kubeconfig.yaml is used)
  -h, --help               show this help
`;

export async function runWhy(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('why', {
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      output: { type: 'string', short: 'o', default: 'text' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }, WHY_EXIT_BAD_INPUT);
  if (values.help) return void process.stdout.write(whyHelp);
  if (!positionals.length) throw new CliError("k8ts why needs an object: KIND/NAME, e.g. 'k8ts why deploy/web'", WHY_EXIT_BAD_INPUT);
  if (values.output !== 'text' && values.output !== 'json') throw new CliError(`-o must be text or json, got "${values.output}"`, WHY_EXIT_BAD_INPUT);
  let target;
  try {
    target = parseTarget(positionals);
  } catch (e) {
    if (e instanceof WhyInputError) throw new CliError(e.message, WHY_EXIT_BAD_INPUT);
    throw e;
  }
  const kubeconfig = values.kubeconfig ?? pluginKubeconfig();
  let kc;
  try {
    kc = kubeconfigClient({ kubeconfig, dataDir: values['data-dir'] }, 'k8ts-why');
  } catch (e) {
    if (e instanceof CliError) throw new CliError(e.message, WHY_EXIT_BAD_INPUT);
    throw e;
  }
  const { client, server } = kc;
  try {
    let fetched;
    try {
      fetched = await fetchFacts(restSource(client), target, values.namespace ?? kc.namespace);
    } catch (e) {
      if (e instanceof WhyInputError) throw new CliError(e.message, WHY_EXIT_BAD_INPUT);
      throw new CliError(`cannot ask the API server at ${server}: ${(e as Error).message}`, WHY_EXIT_BAD_INPUT);
    }
    const d = diagnose(fetched.subject, fetched.facts);
    const width = process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100;
    process.stdout.write(values.output === 'json' ? renderJson(d) : renderText(d, width));
    process.exitCode = d.healthy ? 0 : 1;
  } finally {
    client.close();
  }
}

/**
 * As a kubectl plugin the user expects kubectl's kubeconfig: $KUBECONFIG, else ~/.kube/config.
 * (kubeconfigClient falls back to the local server's kubeconfig instead.)
 */
function pluginKubeconfig(): string | undefined {
  if (process.env.K8TS_KUBECTL_PLUGIN !== '1' || process.env.KUBECONFIG) return undefined;
  const p = join(homedir(), '.kube', 'config');
  return existsSync(p) ? p : undefined;
}

