// cgroup v2 on this (v1/hybrid) machine: a cgroup2 filesystem mounted in a private mount
// namespace is detected as v2, and the v2 driver's kubepods → QoS → pod → container tree holds
// processes (one placed by hand, one runc container). There v1 holds every controller, so no
// limits can be shown; the unit tests cover the files written. Touches host-wide state (the one
// cgroup2 hierarchy is the host's /sys/fs/cgroup/unified): the runner runs it in the host lane,
// and by hand it runs under `flock /tmp/k8ts-host.lock`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmdirTree } from './cgroup-driver.js';
import type { Cgroup2ProbeResult } from './testing/cgroup2-probe.js';

const probe = fileURLToPath(new URL('./testing/cgroup2-probe.js', import.meta.url));

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces, cgroup2 mounts)';
  if (spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status !== 0) return 'unshare --mount does not work here';
  return undefined;
}

describe('a cgroup2 filesystem in a private mount namespace', { skip: skipReason() }, () => {
  it('is detected as v2; the pod tree holds a process and a runc container; pod removal and k8ts stop remove all of it', { timeout: 120_000 }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'k8ts-test-cg2-'));
    const subtree = `/k8ts-test-cg2-${process.pid}`;
    try {
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, probe, work, subtree], { encoding: 'utf8', timeout: 90_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      assert.equal(r.status, 0, `probe: exit ${r.status} ${r.stderr}\n${line}`);
      const res = JSON.parse(line) as Cgroup2ProbeResult;
      if (res.skip) {
        t.skip(res.skip);
        return;
      }
      assert.equal(res.mode, 'unified');
      // v1 holds cpu, memory and pids: k8ts says so in one line instead of running without limits.
      assert.ok(!res.controllers?.includes('memory'), `controllers: ${res.controllers}`);
      assert.match(res.strictError ?? '', /^cgroup v2 controller cpu is not delegated to k8ts \(missing from .*\/cg2\/cgroup\.controllers\): enable it in the parent cgroup/);
      assert.equal(res.placed, `0::${subtree}/kubepods/burstable/pod-probe/c1`);
      if (res.runcError?.startsWith('skipped')) t.diagnostic(res.runcError);
      else {
        assert.equal(res.runcError, undefined);
        assert.equal(res.runcMode, 'unified');
        assert.equal(res.runcPlaced, `0::${subtree}/kubepods/besteffort/pod-runc/c1`);
        assert.equal(res.runcInside, '0::/', 'a private cgroup namespace inside');
      }
      assert.deepEqual(res.leftAfterRemove, []);
      assert.equal(res.stopCgroups, 2, 'k8ts stop: the pod and container cgroups its records name');
      assert.equal(res.subtreeGone, true, 'k8ts stop: the emptied QoS, kubepods and subtree cgroups');
    } finally {
      // The same hierarchy is the host's cgroup2 mount: nothing of the probe may stay there.
      for (const m of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) if (existsSync(join(m, 'cgroup.controllers'))) await rmdirTree(join(m, subtree));
      rmSync(work, { recursive: true, force: true });
    }
    for (const m of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) assert.ok(!existsSync(join(m, subtree)), `${m}${subtree} left behind`);
  });
});
