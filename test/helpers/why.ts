// Runs `k8ts why` (and `kubectl why`, the plugin in bin/ on PATH) against a test cluster.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { KUBECTL, K8TS, ROOT, eventually, type TestCluster } from './cluster.js';

export interface WhyResult {
  code: number;
  stdout: string;
  stderr: string;
  first: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<WhyResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0;
      resolve({ code, stdout, stderr, first: stdout.split('\n')[0] });
    });
  });
}

export function why(c: TestCluster, args: string[], kubeconfig = c.kubeconfig): Promise<WhyResult> {
  return run(process.execPath, [K8TS, 'why', ...args], { ...process.env, KUBECONFIG: kubeconfig });
}

/** `kubectl why …`: kubectl finds bin/kubectl-why on PATH (node's own dir too, for its #!). */
export function kubectlWhy(c: TestCluster, args: string[]): Promise<WhyResult> {
  const path = [join(ROOT, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(':');
  return run(KUBECTL, ['why', ...args], { ...process.env, PATH: path, KUBECONFIG: c.kubeconfig, HOME: c.dataDir });
}

/** Asks until the first line matches (the cluster gets there in its own time), bounded. */
export function whyUntil(c: TestCluster, args: string[], first: RegExp, timeoutMs = 60_000): Promise<WhyResult> {
  let last: WhyResult | undefined;
  return eventually(async () => {
    last = await why(c, args);
    return first.test(last.first) ? last : undefined;
  }, timeoutMs, 500).catch((e: Error) => {
    throw new Error(`${e.message}; last answer (exit ${last?.code}):\n${last?.stdout}${last?.stderr}`);
  });
}
