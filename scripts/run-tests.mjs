#!/usr/bin/env node
// Runs every compiled test (unit tests beside the code in dist/src, integration and
// end-to-end tests in dist/test) with node's test runner. Usage:
//   node scripts/run-tests.mjs [filter-substring...]
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = spawnSync(process.execPath, [join(root, 'scripts/ensure-tools.mjs')], { stdio: 'inherit' });
if (tools.status !== 0) process.exit(tools.status ?? 1);

function walk(dir, out) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = [...walk(join(root, 'dist/src'), []), ...walk(join(root, 'dist/test'), [])]
  .map((f) => relative(root, f))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();
if (!files.length) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// Tests that run real nodes (runc, the pod bridge, nftables, network namespaces as hosts) share
// host-wide state such as cgroups and run one after another in their own lane; everything else
// runs beside them in a second lane, so two cores stay busy.
// src/runtime/oci/runtime.test.js runs real runc containers and pod networks too; e2e/why-runc
// starts a real node (bridge DNS on 10.42.0.1:53, like the other real-node tests); so does e2e/dashboard-browser.
const isHostTest = (f) =>
  /(^|\/)e2e\/(kubelet|multinode|multiserver|cluster-cli|crash-cleanup|isolation|quiet-cluster|chaos|why-runc|dashboard-browser)\.test\.js$/.test(f) ||
  /(^|\/)clients\/[^/]*-real\.test\.js$/.test(f) ||
  /(^|\/)runtime\/(oci\/runtime|oci\/cgroup2-mount|network\/network)\.test\.js$/.test(f) ||
  // the node's 127.0.0.1 seen from a netns on a bridge: another node's martian rule would hide the hole it checks
  /(^|\/)proxy\/martian\.test\.js$/.test(f);
// Every file gets a time budget, so a test that hangs fails its file with a reason instead of
// holding CI until its limit. Node 20's --test-timeout bounds each test *file* (each runs in its
// own process), not each test in it: tests that take long declare their own { timeout }, which
// names the test that hung. K8TS_TEST_FILE_TIMEOUT_S overrides both budgets.
const budgetS = (fallback) => Number(process.env.K8TS_TEST_FILE_TIMEOUT_S) || fallback;
// K8TS_TEST_LANE=host|other runs one lane only (e.g. the other lane while a host-wide lock is held).
const only = process.env.K8TS_TEST_LANE;
const lanes = [
  { name: 'host', files: files.filter(isHostTest), timeoutS: budgetS(1800) },
  { name: 'other', files: files.filter((f) => !isHostTest(f)), timeoutS: budgetS(600) },
].filter((l) => l.files.length && (!only || l.name === only));
const env = { ...process.env, K8TS_ROOT: root };
const codes = await Promise.all(
  lanes.map(
    (lane) =>
      new Promise((resolve) => {
        const args = ['--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${lane.timeoutS * 1000}`, ...lane.files];
        const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: root, env });
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      }),
  ),
);
process.exit(codes.find((c) => c !== 0) ?? 0);
