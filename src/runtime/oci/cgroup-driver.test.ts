import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupHierarchyProblems, cgroupVersion, describeCgroupHierarchy, detectCgroupHierarchy } from './cgroup-hierarchy.js';
import { syncProbes as fsProbes, CgroupV1Driver, CgroupV2Driver, createCgroupDriver, cpuSharesToWeight, oomKillsOf, v2ContainerFiles } from './cgroup-driver.js';
import { RuntimeError } from '../network/exec.js';
import { ERR_RUNTIME_CGROUP } from '../../util/error-codes.js';
import { fakeCgroupfs, type FakeCgroupfs } from './testing/fake-cgroupfs.js';


function withTree<T>(tree: FakeCgroupfs, fn: (t: FakeCgroupfs) => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(() => fn(tree))
    .finally(() => tree.dispose());
}

const read = (t: FakeCgroupfs, rel: string): string => readFileSync(join(t.root, rel), 'utf8');
const enabledIn = (t: FakeCgroupfs, rel: string): string[] => read(t, join(rel, 'cgroup.subtree_control')).split(/\s+/).filter(Boolean).map((w) => w.replace(/^\+/, ''));

describe('cgroup hierarchy detection over a fake root', () => {
  it('tells v1, hybrid, unified and none apart, and which driver each gets', { timeout: 10_000 }, async () => {
    for (const [shape, mode, version] of [['v1', 'v1', 1], ['hybrid', 'hybrid', 1], ['unified', 'unified', 2], ['none', 'none', 1]] as const) {
      await withTree(fakeCgroupfs(shape), (t) => {
        const h = detectCgroupHierarchy(fsProbes, t.root);
        assert.equal(h.mode, mode, shape);
        assert.equal(cgroupVersion(h), version, shape);
        if (shape !== 'none') assert.equal(createCgroupDriver({ root: t.root }).version, version, shape);
        if (shape === 'hybrid') assert.deepEqual([h.unifiedMount, h.v2Controllers], [join(t.root, 'unified'), ['hugetlb']]);
        if (shape === 'unified') assert.deepEqual(h.v2Controllers, ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids']);
      });
    }
  });

  it('names the hierarchy found and the driver used in one line', { timeout: 10_000 }, async () => {
    await withTree(fakeCgroupfs('unified'), (t) => {
      assert.equal(
        describeCgroupHierarchy(detectCgroupHierarchy(fsProbes, t.root), '/k8ts'),
        `cgroup v2 (unified hierarchy at ${t.root}, controllers: cpuset cpu io memory hugetlb pids): pods use the v2 driver (cgroupfs) under /k8ts`,
      );
    });
    await withTree(fakeCgroupfs('hybrid'), (t) => {
      assert.match(describeCgroupHierarchy(detectCgroupHierarchy(fsProbes, t.root), '/k8ts'), /^cgroup hybrid \(v1 controllers under .*, cgroup2 at .*\/unified\): pods use the v1 driver \(cgroupfs\) under \/k8ts$/);
    });
  });

  it('a v2 host without a controller delegated: one line naming the controller, the file and the fix', { timeout: 10_000 }, async () => {
    await withTree(fakeCgroupfs('unified', { controllers: 'cpuset io hugetlb pids' }), (t) => {
      const problems = cgroupHierarchyProblems(detectCgroupHierarchy(fsProbes, t.root), fsProbes);
      assert.equal(problems.length, 2, problems.join('\n'));
      assert.match(problems[0], new RegExp(`^cgroup v2 controller cpu is not delegated to k8ts \\(missing from ${t.root}/cgroup.controllers\\): enable it in the parent cgroup \\(echo \\+cpu > <parent>/cgroup.subtree_control`));
      assert.match(problems[1], /controller memory is not delegated/);
      for (const p of problems) assert.doesNotMatch(p, /\n/);
    });
    // Offered but not enabled, and the subtree_control file not writable (a read-only mount).
    await withTree(fakeCgroupfs('unified', { subtreeControl: 'cpu memory' }), (t) => {
      const problems = cgroupHierarchyProblems(detectCgroupHierarchy(fsProbes, t.root), { ...fsProbes, writable: () => false });
      assert.deepEqual(problems, [`cgroup v2 controller pids cannot be enabled: ${t.root}/cgroup.subtree_control is not writable (read-only cgroup mount?): mount ${t.root} read-write, or enable it beforehand (echo +pids > ${t.root}/cgroup.subtree_control), or use --runtime simulated`]);
    });
    await withTree(fakeCgroupfs('unified'), (t) => assert.deepEqual(cgroupHierarchyProblems(detectCgroupHierarchy(fsProbes, t.root), fsProbes), []));
    await withTree(fakeCgroupfs('none'), (t) => assert.match(cgroupHierarchyProblems(detectCgroupHierarchy(fsProbes, t.root), fsProbes)[0], /no cgroup2 mount .* and no cgroup v1 memory controller/));
  });
});

describe('cpu.shares → cpu.weight (upstream: 1 + (shares - 2) * 9999 / 262142)', () => {
  it('maps the ends and common requests', () => {
    assert.equal(cpuSharesToWeight(2), 1); // BestEffort
    assert.equal(cpuSharesToWeight(262144), 10000);
    assert.equal(cpuSharesToWeight(1024), 39); // 1 CPU
    assert.equal(cpuSharesToWeight(102), 4); // 100m
    assert.equal(cpuSharesToWeight(512), 20);
    assert.equal(cpuSharesToWeight(1), 1, 'below the minimum: clamped to 2');
    assert.equal(cpuSharesToWeight(1 << 20), 10000, 'above the maximum: clamped');
  });
});

describe('v2 container files per QoS class', () => {
  it('BestEffort: weight 1 and pids.max only', () => {
    assert.deepEqual(v2ContainerFiles({ cpuShares: 2, pidsLimit: 4096 }), { 'cpu.weight': '1', 'pids.max': '4096' });
  });
  it('Burstable: weight from the request, memory.max from the limit, no cpu.max without a CPU limit', () => {
    assert.deepEqual(v2ContainerFiles({ cpuShares: 256, memoryLimitBytes: 64 << 20, pidsLimit: 4096 }), { 'cpu.weight': '10', 'memory.max': String(64 << 20), 'pids.max': '4096' });
  });
  it('Guaranteed: cpu.max "quota period" and memory.max; never memory.high (MemoryQoS is off upstream by default)', () => {
    const f = v2ContainerFiles({ cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 128 << 20, pidsLimit: 4096 });
    assert.ok(!('memory.high' in f));
    assert.deepEqual(f, { 'cpu.weight': '20', 'cpu.max': '50000 100000', 'memory.max': String(128 << 20), 'pids.max': '4096' });
  });
});

describe('CgroupV2Driver over a fake unified root', () => {
  for (const [qos, path] of [
    ['Guaranteed', '/k8ts/kubepods/pod-u1'],
    ['Burstable', '/k8ts/kubepods/burstable/pod-u1'],
    ['BestEffort', '/k8ts/kubepods/besteffort/pod-u1'],
  ] as const) {
    it(`${qos}: makes ${path} and enables cpu, memory, pids and io at every level down to the pod`, { timeout: 10_000 }, async () => {
      await withTree(fakeCgroupfs('unified'), async (t) => {
        const d = createCgroupDriver({ root: t.root });
        assert.ok(d instanceof CgroupV2Driver);
        await d.ensurePodCgroup(path);
        assert.deepEqual(d.dirsOf(`${path}/c1`), [join(t.root, path, 'c1')]);
        const levels = ['', ...path.split('/').filter(Boolean).map((_, i, a) => a.slice(0, i + 1).join('/'))];
        for (const l of levels) assert.deepEqual(enabledIn(t, l).sort(), ['cpu', 'io', 'memory', 'pids'], `level /${l}`);
        // Not wanted: hugetlb and cpuset stay off.
        assert.ok(!enabledIn(t, '').includes('hugetlb'));
        // Idempotent: a second pod of the class writes nothing new at the shared levels.
        const before = read(t, 'cgroup.subtree_control');
        await d.ensurePodCgroup(path.replace('pod-u1', 'pod-u2'));
        assert.equal(read(t, 'cgroup.subtree_control'), before);
      });
    });
  }

  it('io is optional: a root without it still works; cpu missing fails with the one line', { timeout: 10_000 }, async () => {
    await withTree(fakeCgroupfs('unified', { controllers: 'cpu memory pids' }), async (t) => {
      await createCgroupDriver({ root: t.root }).ensurePodCgroup('/k8ts/kubepods/besteffort/pod-x');
      assert.deepEqual(enabledIn(t, 'k8ts/kubepods/besteffort/pod-x').sort(), ['cpu', 'memory', 'pids']);
    });
    await withTree(fakeCgroupfs('unified', { controllers: 'memory pids io' }), async (t) => {
      const err = await createCgroupDriver({ root: t.root }).ensurePodCgroup('/k8ts/kubepods/pod-x').then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof RuntimeError);
      assert.equal(err.code, ERR_RUNTIME_CGROUP);
      assert.equal(err.message, `cgroup v2 controller cpu is not delegated to k8ts (missing from ${t.root}/cgroup.controllers): enable it in the parent cgroup (echo +cpu > <parent>/cgroup.subtree_control, or Delegate=yes for a systemd unit)`);
      assert.ok(!existsSync(join(t.root, 'k8ts')), 'nothing made before the check');
      // Without the requirement (the private-mount placement test), the tree is made anyway.
      await createCgroupDriver({ root: t.root, requireControllers: false }).ensurePodCgroup('/k8ts/kubepods/pod-x');
      assert.ok(existsSync(join(t.root, 'k8ts/kubepods/pod-x')));
    });
  });

  it('OOM kills from memory.events (oom_kill), usage from memory.current, memory.stat and cpu.stat', { timeout: 10_000 }, async () => {
    await withTree(fakeCgroupfs('unified'), async (t) => {
      const c = 'k8ts/kubepods/burstable/pod-u/c1';
      const d = createCgroupDriver({ root: t.root });
      assert.equal(await d.readOomKillCount(`/${c}`), undefined, 'cgroup gone');
      t.write(`${c}/memory.events`, 'low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\noom_group_kill 0\n');
      assert.equal(await d.readOomKillCount(`/${c}`), 0);
      t.write(`${c}/memory.events`, 'low 0\nhigh 0\nmax 31\noom 1\noom_kill 1\noom_group_kill 0\n');
      assert.equal(await d.readOomKillCount(`/${c}`), 1);
      t.write(`${c}/memory.current`, '10485760\n');
      t.write(`${c}/memory.stat`, 'anon 6291456\nfile 4194304\nactive_file 1048576\ninactive_file 3145728\n');
      t.write(`${c}/cpu.stat`, 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
      assert.deepEqual(await d.readStats(`/${c}`), { memoryUsageBytes: 10485760, memoryWorkingSetBytes: 10485760 - 3145728, cpuUsageNanoseconds: 2_500_000 });
      assert.equal(await d.readStats('/k8ts/none'), undefined);
    });
  });
});

describe('CgroupV1Driver over fake v1 and hybrid roots', () => {
  it('reads oom_kill from memory.oom_control and usage from memory and cpuacct; names every hierarchy', { timeout: 10_000 }, async () => {
    for (const shape of ['v1', 'hybrid'] as const) {
      await withTree(fakeCgroupfs(shape), async (t) => {
        const d = createCgroupDriver({ root: t.root });
        assert.ok(d instanceof CgroupV1Driver, shape);
        const c = '/k8ts/kubepods/pod-u/c1';
        await d.ensurePodCgroup('/k8ts/kubepods/pod-u');
        assert.ok(!existsSync(join(t.root, 'memory/k8ts')), 'v1: runc makes the directories');
        const dirs = d.dirsOf(c).map((x) => x.slice(t.root.length + 1));
        const expected = ['blkio', 'cpu,cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd', ...(shape === 'hybrid' ? ['unified'] : [])].map((h) => `${h}${c}`);
        assert.deepEqual(dirs.sort(), expected.sort(), shape);
        t.write(`memory${c}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
        assert.equal(await d.readOomKillCount(c), 2);
        t.write(`memory${c}/memory.usage_in_bytes`, '8388608\n');
        t.write(`memory${c}/memory.stat`, 'cache 0\ninactive_file 0\ntotal_inactive_file 1048576\n');
        t.write(`cpu,cpuacct${c}/cpuacct.usage`, '123456789\n');
        assert.deepEqual(await d.readStats(c), { memoryUsageBytes: 8388608, memoryWorkingSetBytes: 7340032, cpuUsageNanoseconds: 123456789 });
      });
    }
  });

  it('oomKillsOf parses both files and says undefined without the counter', () => {
    assert.equal(oomKillsOf('low 0\nhigh 0\nmax 0\noom 3\noom_kill 3\n'), 3);
    assert.equal(oomKillsOf('oom_kill_disable 0\nunder_oom 0\n'), undefined);
  });
});
