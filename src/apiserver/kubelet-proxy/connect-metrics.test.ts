// CONNECT requests (log, exec) through the kubelet proxy in the request metrics: counted with
// their status (101 for an upgraded exec), tracked as long-running while open, and never left
// open in apiserver_longrunning_requests after they end. Skipped when kubectl is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '../../util/metrics.js';
import { startStreamingHarness, type StreamingHarness } from './testing/harness.js';

const KUBECTL = fileURLToPath(new URL('../../../../.tools/kubectl', import.meta.url));
const skip = !existsSync(KUBECTL) && 'kubectl binary not found';

let h: StreamingHarness;

before(async () => {
  if (skip) return;
  h = await startStreamingHarness();
  await h.createPod('web', ['main']);
  h.log('main', 'stdout', 'hello');
});

after(async () => {
  if (!skip) await h.stop();
});

function kubectl(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(KUBECTL, ['--kubeconfig', h.kubeconfigPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Sum of the samples named `name` (a metric, or a histogram's `_count`) whose labels include `want`. */
async function sample(name: string, want: Record<string, string>): Promise<number> {
  const m = registry.getSingleMetric(name.replace(/_count$/, ''));
  assert.ok(m, `no metric ${name}`);
  const j = (await m.get()) as { values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }> };
  let sum = 0;
  for (const v of j.values) if ((v.metricName ?? name) === name && Object.entries(want).every(([k, x]) => v.labels[k] === x)) sum += v.value;
  return sum;
}

async function settled(name: string, want: Record<string, string>, value: number): Promise<void> {
  const end = Date.now() + 5000;
  while ((await sample(name, want)) !== value) {
    if (Date.now() > end) assert.fail(`${name}${JSON.stringify(want)} stayed at ${await sample(name, want)}, wanted ${value}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const POD = { group: '', version: 'v1', resource: 'pods', scope: 'resource', verb: 'CONNECT' };

test('kubectl logs and exec are CONNECT requests: counted with their code, not left open', { skip, timeout: 60_000 }, async () => {
  const logs0 = await sample('apiserver_request_total', { ...POD, subresource: 'log', code: '200' });
  const logs = await kubectl(['logs', 'web']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /hello/);
  await settled('apiserver_request_total', { ...POD, subresource: 'log', code: '200' }, logs0 + 1);

  for (const transport of ['WebSocket', 'SPDY']) {
    const env: Record<string, string> = transport === 'SPDY' ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } : {};
    const exec0 = await sample('apiserver_request_total', { ...POD, subresource: 'exec', code: '101' });
    const durations0 = await sample('apiserver_request_duration_seconds_count', { ...POD, subresource: 'exec' });
    const run = await kubectl(['exec', 'web', '--', 'echo', 'hi'], env);
    assert.equal(run.code, 0, run.stderr);
    await settled('apiserver_request_total', { ...POD, subresource: 'exec', code: '101' }, exec0 + 1);
    await settled('apiserver_request_duration_seconds_count', { ...POD, subresource: 'exec' }, durations0 + 1);
  }
  await settled('apiserver_longrunning_requests', { ...POD, subresource: 'exec' }, 0);
  await settled('apiserver_longrunning_requests', { ...POD, subresource: 'log' }, 0);
  assert.equal(await sample('apiserver_request_sli_duration_seconds_count', { verb: 'CONNECT' }), 0);
});
