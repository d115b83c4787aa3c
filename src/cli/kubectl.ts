// `k8ts kubectl ARGS…`: runs kubectl against the cluster of the data dir (KUBECONFIG set to
// <data-dir>/kubeconfig.yaml), like `minikube kubectl`. The kubectl is $K8TS_KUBECTL, else
// `kubectl` on PATH, else the repository's .tools/kubectl (extracted by scripts/ensure-tools.mjs
// when missing). Standard streams are inherited and the exit code passes through.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CliError } from './errors.js';
import { resolveDataDir } from './config.js';

/** The repository (or installed package) root: dist/src/cli → ../../.. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export const kubectlHelp = `Usage: k8ts kubectl [--data-dir DIR] [--] ARGS...

Runs kubectl ARGS against the cluster in the data dir (KUBECONFIG=<data-dir>/kubeconfig.yaml).
Uses $K8TS_KUBECTL, else kubectl on PATH, else .tools/kubectl of this k8ts (extracted on first use).
The exit code is kubectl's. 'k8ts kubectl help' shows kubectl's own help.
`;

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The kubectl to run, or undefined when there is none (before extracting the bundled one). */
export function findKubectl(env: NodeJS.ProcessEnv = process.env, root = PACKAGE_ROOT): string | undefined {
  if (env.K8TS_KUBECTL) return env.K8TS_KUBECTL;
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && executable(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  const bundled = join(root, '.tools', 'kubectl');
  return executable(bundled) ? bundled : undefined;
}

function ensureKubectl(): string {
  const found = findKubectl();
  if (found) return found;
  const script = join(PACKAGE_ROOT, 'scripts', 'ensure-tools.mjs');
  if (existsSync(script)) spawnSync(process.execPath, [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  const again = findKubectl();
  if (!again) throw new CliError('no kubectl found: install kubectl (it must be on PATH), or set K8TS_KUBECTL to its path');
  return again;
}

/** Splits `[--data-dir DIR] [--] ARGS` (the k8ts flag comes first; everything else is kubectl's). */
export function splitKubectlArgs(argv: string[]): { dataDir?: string; args: string[] } {
  let i = 0;
  let dataDir: string | undefined;
  if (argv[0] === '--data-dir') {
    if (argv.length < 2) throw new CliError('--data-dir needs a directory');
    dataDir = argv[1];
    i = 2;
  } else if (argv[0]?.startsWith('--data-dir=')) {
    dataDir = argv[0].slice('--data-dir='.length);
    i = 1;
  }
  if (argv[i] === '--') i++;
  return { dataDir, args: argv.slice(i) };
}

export async function runKubectl(argv: string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) return void process.stdout.write(kubectlHelp);
  const { dataDir: flag, args } = splitKubectlArgs(argv);
  const dataDir = resolveDataDir(flag);
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  if (!existsSync(kubeconfig)) throw new CliError(`no cluster in ${dataDir} (no kubeconfig.yaml): start one with k8ts start`);
  const kubectl = ensureKubectl();
  const child = spawn(kubectl, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  // The terminal sends ^C and ^\ to kubectl as well; let kubectl decide. Others are forwarded.
  const ignore = (): void => undefined;
  const forward = (sig: NodeJS.Signals) => (): void => void child.kill(sig);
  const handlers: Array<[NodeJS.Signals, () => void]> = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward('SIGTERM')],
    ['SIGHUP', forward('SIGHUP')],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new CliError(`cannot run ${kubectl}: ${e.message}`)));
    child.once('exit', (c, sig) => resolve(c ?? 128 + (sig ? (osConstants.signals[sig] ?? 1) : 1)));
  });
  for (const [s, h] of handlers) process.off(s, h);
  process.exitCode = code;
}
