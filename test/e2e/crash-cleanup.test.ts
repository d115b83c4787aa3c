// Issue 10, "orphans after a crash": the server of a real cluster is killed with -9 (as the OOM
// killer or a power cut would end it) while its pods run. Its containers, conmons, pod network
// namespaces, veths, mounts and cgroups outlive it. `k8ts stop` must then remove every one of
// them from the data dir alone, say what it removed, and `k8ts delete` must delete the data dir.
//
// One machine made of a network namespace (test/helpers/hosts.ts), so the node's bridge and nft
// tables never meet another test's. Host lane: runs under the host-wide lock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { K8TS, KUBECTL, SEED, eventually } from '../helpers/cluster.js';
import { cleanupCgroups, forceCleanupRuntime, runtimeSkipReason } from '../helpers/node.js';
import { createHosts, hostsSkipReason, type Hosts } from '../helpers/hosts.js';
import { ensureTestImages, testImagePath } from '../../src/runtime/images/testing/index.js';
import { mountsUnder } from '../../src/runtime/oci/cleanup.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What a data dir's pods leave on the host: each list must be empty after `k8ts stop`. */
interface Leftovers {
  /** Live container init processes (the pids runc recorded). */
  containers: number[];
  conmons: number[];
  netns: string[];
  veths: string[];
  mounts: string[];
  cgroups: string[];
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

function processesWithArg(exe: string, needle: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (basename(argv[0]) === exe && argv.some((a) => a.includes(needle)) && alive(Number(p))) out.push(Number(p));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe('k8ts stop after the server was killed with -9', { skip: runtimeSkipReason() ?? hostsSkipReason() ?? false, timeout: 420_000 }, () => {
  let hosts: Hosts;
  let base: string;
  let dataDir: string;
  let images: { dir: string } | { skip: string };
  /** Container pids, netns names, veths and cgroups seen while the pods ran. */
  let seen: Leftovers;
  const inHost = (args: string[], timeoutMs = 150_000): Run => {
    const r = hosts.run(hosts.hosts[0], process.execPath, [K8TS, ...args], { timeoutMs });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  const kubectl = (args: string[]): Run => {
    const r = hosts.run(hosts.hosts[0], KUBECTL, ['--kubeconfig', join(dataDir, 'kubeconfig.yaml'), ...args], { timeoutMs: 150_000 });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };

  /** What of the data dir's pods is on the host now; `known` adds what was seen before. */
  const leftovers = (known?: Leftovers): Leftovers => {
    const runcRoot = join(dataDir, 'runtime', 'runc');
    const listed = spawnSync('runc', ['--root', runcRoot, 'list', '--format', 'json'], { encoding: 'utf8' });
    let pids: number[] = [];
    try {
      pids = ((JSON.parse(listed.stdout || 'null') ?? []) as Array<{ pid: number }>).map((c) => c.pid).filter((p) => p > 0);
    } catch {
      /* no runc state */
    }
    const netnsNames = new Set<string>();
    const cgroups = new Set<string>(known?.cgroups ?? []);
    const sandboxes = join(dataDir, 'runtime', 'sandboxes');
    for (const f of existsSync(sandboxes) ? readdirSync(sandboxes).filter((x) => x.endsWith('.json')) : []) {
      const rec = JSON.parse(readFileSync(join(sandboxes, f), 'utf8')) as { netnsPath?: string; cgroupParent?: string };
      if (rec.netnsPath) netnsNames.add(basename(rec.netnsPath));
      if (rec.cgroupParent) cgroups.add(rec.cgroupParent);
    }
    for (const n of known?.netns ?? []) netnsNames.add(n);
    const links = spawnSync('ip', ['-n', hosts.hosts[0].ns, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).stdout;
    return {
      containers: [...new Set([...pids, ...(known?.containers ?? [])])].filter(alive),
      conmons: processesWithArg('conmon', join(dataDir, 'runtime')),
      netns: [...netnsNames].filter((n) => existsSync(`/run/netns/${n}`)),
      // The pods' host-side veths are k8tsv<hash> on the node's bridge (the host's own eth0 is a veth too).
      veths: [...links.matchAll(/^\d+: (k8tsv[^@:]+)/gm)].map((m) => m[1]),
      mounts: mountsUnder(dataDir),
      cgroups: [...cgroups].filter((cg) => existsSync(join('/sys/fs/cgroup/memory', cg))),
    };
  };

  before(() => {
    images = ensureTestImages();
    if ('skip' in images) return;
    hosts = createHosts('k8tscrash', 1);
    base = mkdtempSync(join(tmpdir(), 'k8ts-crash-'));
    dataDir = join(base, 'data');
  });

  after(() => {
    if (!hosts) return;
    try {
      process.kill(Number(readFileSync(join(dataDir, 'server.pid'), 'utf8')), 'SIGKILL');
    } catch {
      /* not running */
    }
    if (existsSync(dataDir)) forceCleanupRuntime(dataDir);
    hosts.destroy();
    cleanupCgroups();
    rmSync(base, { recursive: true, force: true });
  });

  it("the article's nginx runs; kill -9 of the server leaves its pods running", { timeout: 240_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    const h = hosts.hosts[0];
    const started = inHost(['start', '--data-dir', dataDir, '--node-name', h.name, '--node-ip', h.ip, '--disable', 'ingress']);
    assert.equal(started.code, 0, started.stderr + started.stdout);
    assert.equal(inHost(['image', 'load', '--data-dir', dataDir, testImagePath('nginx114')]).code, 0);
    assert.equal(kubectl(['apply', '-f', join(SEED, 'nginx.yaml')]).code, 0);
    const rolled = kubectl(['rollout', 'status', 'deployment/nginx-dep', '--timeout=150s']);
    assert.equal(rolled.code, 0, rolled.stderr);

    seen = await eventually(() => {
      const l = leftovers();
      return l.containers.length >= 5 && l.netns.length >= 5 && l.veths.length >= 5 ? l : undefined;
    }, 30_000);
    assert.ok(seen.conmons.length >= 5, `a conmon per container: ${seen.conmons}`);
    assert.ok(seen.mounts.length >= 5, `rootfs mounts under the data dir: ${seen.mounts}`);
    assert.ok(seen.cgroups.length >= 5, `pod cgroups: ${seen.cgroups}`);

    const pid = Number(readFileSync(join(dataDir, 'server.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually(() => !alive(pid), 10_000);
    // The crash is what makes the orphans: everything still runs without its server.
    const orphans = leftovers(seen);
    assert.equal(orphans.containers.length, seen.containers.length, 'the containers outlive the server');
    assert.ok(orphans.conmons.length >= 5 && orphans.netns.length >= 5 && orphans.veths.length >= 5 && orphans.mounts.length >= 5);
    const status = inHost(['status', '--data-dir', dataDir]);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /^k8ts: Stopped \(.*the server exited without k8ts stop/m);
    assert.match(status.stdout, new RegExp(`^  ${orphans.conmons.length} container\\(s\\) of its pods still run without it: k8ts stop removes them$`, 'm'));
  });

  it('k8ts stop removes every container, conmon, netns, veth, mount and cgroup of the data dir, and says so', { timeout: 90_000 }, (t) => {
    if (!seen) return t.skip('no cluster ran');
    const r = inHost(['stop', '--data-dir', dataDir]);
    t.diagnostic(r.stdout.trim());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(leftovers(seen), { containers: [], conmons: [], netns: [], veths: [], mounts: [], cgroups: [] });
    assert.match(r.stdout, /^k8ts was not running; removed \d+ containers?, \d+ conmons?, \d+ pod network namespaces?, \d+ veths?, \d+ mounts?, \d+ cgroups?$/m);
    const [, containers, , , , mounts] = /removed (\d+) containers?, (\d+) conmons?, (\d+) pod network namespaces?, (\d+) veths?, (\d+) mounts?/.exec(r.stdout)!.map(Number);
    assert.ok(containers >= seen.containers.length, `${containers} containers removed, ${seen.containers.length} ran`);
    assert.ok(mounts >= 5, `${mounts} mounts removed`);

    const again = inHost(['stop', '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^k8ts was not running; nothing of it was left$/m);
  });

  it('k8ts delete then removes the data dir', { timeout: 60_000 }, (t) => {
    if (!seen) return t.skip('no cluster ran');
    const r = inHost(['delete', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /data dir .* removed/);
    assert.ok(!existsSync(dataDir));
  });
});
