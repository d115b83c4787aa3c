// kubetail (Debian's, /usr/bin/kubetail: a shell script over `kubectl logs -f`) following the
// logs of a Deployment's pods with real containers (host lane, under flock /tmp/k8ts-host.lock).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { startReal, stopReal, runtimeSkipReason, eventually, KUBECTL, type TestCluster } from './support.js';

const KUBETAIL = '/usr/bin/kubetail';
const skip = runtimeSkipReason() ?? (!existsSync(KUBETAIL) ? 'needs Debian kubetail' : false);
const NS = 'kubetail-real';
let c: TestCluster;

const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  `metadata: {name: kt-ticker, namespace: ${NS}}`,
  'spec:',
  '  replicas: 2',
  '  selector: {matchLabels: {app: kt-ticker}}',
  '  template:',
  '    metadata: {labels: {app: kt-ticker}}',
  '    spec:',
  '      terminationGracePeriodSeconds: 1',
  '      containers:',
  '      - name: c',
  '        image: busybox:latest',
  '        imagePullPolicy: IfNotPresent',
  `        command: [sh, -c, 'i=0; while true; do echo "tick $(hostname) $i"; i=$((i+1)); sleep 1; done']`,
].join('\n');

before(async () => {
  if (skip) return;
  c = await startReal();
  await c.k(['create', 'namespace', NS]);
  await c.k(['apply', '-f', '-'], { input: deployment });
  await c.k(['-n', NS, 'rollout', 'status', 'deploy/kt-ticker', '--timeout=90s'], { timeoutMs: 100_000 });
});

after(async () => {
  await stopReal(c, [NS]);
});

describe('kubetail', { skip }, () => {
  it("follows the logs of every pod of a Deployment, each line tagged with its pod", { timeout: 120_000 }, async () => {
    const pods = (await c.k(['-n', NS, 'get', 'pods', '-l', 'app=kt-ticker', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ').sort();
    assert.equal(pods.length, 2);
    // kubetail 1.6.5 joins its `kubectl logs` pipelines with "${@/#/ & }", which bash 5.2's
    // patsub_replacement turns into "  " (an & in the replacement means the match), so under
    // Debian 12's bash it runs nothing. Its own defect, not the server's: run it with the
    // option off.
    const child = spawn('bash', ['-c', 'shopt -u patsub_replacement 2>/dev/null; . "$0" "$@"', KUBETAIL, '-l', 'app=kt-ticker', '-n', NS, '-k', 'false', '--since', '1h'], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir, PATH: `${dirname(KUBECTL)}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // kubetail wraps each line in tput sgr0 resets even without colours: strip them.
      const plain = (): string => out.replace(/\x1b\([A-Z0-9]|\x1b\[[0-9;]*m/g, '');
      const last = (pod: string): number => Math.max(-1, ...[...plain().matchAll(new RegExp(`^\\[${pod}\\] tick ${pod} (\\d+)\\s*$`, 'gm'))].map((m) => Number(m[1])));
      await eventually(() => pods.every((p) => last(p) >= 0), 30_000);
      const seen = pods.map(last);
      // Following: both pods' later lines keep arriving.
      await eventually(() => pods.every((p, i) => last(p) >= seen[i] + 2), 30_000);
      assert.match(out, /Will tail 2 logs/);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nkubetail printed:\n${out}`);
    } finally {
      // kubetail runs one `kubectl logs -f` per pod: end its whole process group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  });
});
