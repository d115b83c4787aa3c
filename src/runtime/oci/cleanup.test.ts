import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupAncestors, describeStopPods, mountsUnder, podVeths, stopAllPods } from './cleanup.js';
import { parseCgroupMounts } from './cgroups.js';

test('mountsUnder: mount points at or below a dir from mountinfo, deepest first, unescaped', () => {
  const info = [
    '22 1 0:21 / / rw - ext4 /dev/sda1 rw',
    '30 22 0:30 / /data/k8ts rw - tmpfs tmpfs rw',
    '31 30 0:31 / /data/k8ts/runtime/containers/a/rootfs rw - overlay overlay rw,lowerdir=/x',
    '32 30 0:4 net:[4026532] /data/k8ts/runtime/sandboxes/b/ipc rw - nsfs nsfs rw',
    '33 22 0:32 / /data/k8ts-other/x rw - tmpfs tmpfs rw',
    '34 22 0:33 / /data/k8ts/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  assert.deepEqual(mountsUnder('/data/k8ts', info), ['/data/k8ts/runtime/containers/a/rootfs', '/data/k8ts/runtime/sandboxes/b/ipc', '/data/k8ts/with space', '/data/k8ts']);
  assert.deepEqual(mountsUnder('/nothing', info), []);
});

test('stopAllPods on a data dir without a runtime, or with only records, forgets the pods and touches nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-cleanup-test-'));
  try {
    assert.deepEqual(stopAllPods(dir, { graceSeconds: 0, runcPath: '/nonexistent/runc' }), { stopped: 0, containers: 0, conmons: 0, sandboxes: 0, veths: 0, unmounted: 0, cgroups: 0, leftoverMounts: [] });
    const rt = join(dir, 'runtime');
    mkdirSync(join(rt, 'sandboxes'), { recursive: true });
    mkdirSync(join(rt, 'containers', 'c1'), { recursive: true });
    mkdirSync(join(rt, 'network', 'ipam'), { recursive: true });
    mkdirSync(join(rt, 'network', 'pods'), { recursive: true });
    writeFileSync(join(rt, 'sandboxes', 's1.json'), JSON.stringify({ id: 's1', netnsPath: '/var/run/netns/k8ts-test-not-there', cgroupParent: '/k8ts-test-not-there/pod1' }));
    writeFileSync(join(rt, 'containers', 'c1', 'meta.json'), JSON.stringify({ id: 'c1', cgroupsPath: '/k8ts-test-not-there/pod1/c1' }));
    writeFileSync(join(rt, 'network', 'ipam', '10.42.0.5'), 's1');
    writeFileSync(join(rt, 'network', 'ipam', 'last'), '10.42.0.5');
    writeFileSync(join(rt, 'network', 'pods', 's1.json'), '{}');
    writeFileSync(join(dir, 'state.db'), 'keep');
    const r = stopAllPods(dir, { graceSeconds: 0, runcPath: '/nonexistent/runc' });
    assert.equal(r.sandboxes, 0, 'a namespace that is not there is not counted');
    assert.ok(!existsSync(join(rt, 'sandboxes')) && !existsSync(join(rt, 'containers')) && !existsSync(join(rt, 'network', 'pods')));
    assert.ok(!existsSync(join(rt, 'network', 'ipam', '10.42.0.5')), 'the reservation is released');
    assert.ok(existsSync(join(rt, 'network', 'ipam', 'last')), 'the allocation cursor stays');
    assert.ok(existsSync(join(dir, 'state.db')), 'the cluster state stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('podVeths: the host-side veths of the direct bridge and of cached CNI results, not the bridge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-cleanup-test-'));
  try {
    mkdirSync(join(dir, 'pods'));
    mkdirSync(join(dir, 'cache'));
    writeFileSync(join(dir, 'pods', 's1.json'), JSON.stringify({ sandboxId: 's1', ip: '10.42.0.5', veth: 'k8tsv0123abcd', portMappings: [] }));
    writeFileSync(join(dir, 'pods', 'broken.json'), '{');
    writeFileSync(join(dir, 'k8ts.conflist'), JSON.stringify({ plugins: [{ type: 'bridge', bridge: 'k8ts-cni0' }, { type: 'portmap' }] }));
    const result = { interfaces: [{ name: 'k8ts-cni0', mac: 'aa' }, { name: 'veth1a2b3c4d', mac: 'bb' }, { name: 'eth0', mac: 'cc', sandbox: '/var/run/netns/k8ts-x' }] };
    writeFileSync(join(dir, 'cache', 's2.json'), JSON.stringify({ sandboxId: 's2', result }));
    assert.deepEqual(podVeths(dir).sort(), ['k8tsv0123abcd', 'veth1a2b3c4d']);
    assert.deepEqual(podVeths(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('describeStopPods: what was removed, in words; nothing when nothing was there', () => {
  const none = { stopped: 0, containers: 0, conmons: 0, sandboxes: 0, veths: 0, unmounted: 0, cgroups: 0, leftoverMounts: [] };
  assert.equal(describeStopPods(none), undefined);
  assert.equal(
    describeStopPods({ ...none, stopped: 5, containers: 5, conmons: 5, sandboxes: 1, veths: 5, unmounted: 15, cgroups: 10 }),
    'removed 5 containers, 5 conmons, 1 pod network namespace, 5 veths, 15 mounts, 10 cgroups',
  );
});

test('cgroupAncestors: the QoS, kubepods and subtree cgroups above recorded pods, deepest first, once each', () => {
  assert.deepEqual(
    cgroupAncestors(['/k8ts/kubepods/burstable/podA/c1', '/k8ts/kubepods/burstable/podA', '/k8ts/kubepods/podB', '/k8ts/kubepods/besteffort/podC']),
    ['/k8ts/kubepods/burstable/podA', '/k8ts/kubepods/besteffort', '/k8ts/kubepods/burstable', '/k8ts/kubepods', '/k8ts'],
  );
  assert.deepEqual(cgroupAncestors(['/top']), []);
});

test('parseCgroupMounts: every cgroup and cgroup2 mount (v1, hybrid, unified), unescaped', () => {
  const info = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    '90 22 0:38 / /tmp/k8ts-test\\040cg2 rw,relatime - cgroup2 none rw',
  ].join('\n');
  assert.deepEqual(parseCgroupMounts(info), ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/tmp/k8ts-test cg2']);
  assert.deepEqual(parseCgroupMounts('25 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate'), ['/sys/fs/cgroup']);
});
