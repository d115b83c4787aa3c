import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerConfig } from '../types.js';
import { DEFAULT_CAPABILITIES, TINI_PATH, buildOciSpec, effectiveCapabilities, mergeEnv, resolveImageUser } from './spec.js';

const base: ContainerConfig = {
  name: 'web', attempt: 0, image: 'busybox', args: ['httpd', '-f'], env: [{ name: 'A', value: '2' }], mounts: [], resources: {},
  security: {}, tty: false, stdin: false, stdinOnce: false, labels: {}, annotations: {}, logPath: '/tmp/x.log',
};
const sandbox = { netnsPath: '/var/run/netns/k8ts-1', ipcNsPath: '/r/ipc', utsNsPath: '/r/uts', hostname: 'web-0', hostsFile: '/r/hosts', resolvConf: '/r/resolv.conf', hostnameFile: '/r/hostname', cgroupsPath: '/k8ts/podu/c1' };
const host = { rootfs: '/r/c1/rootfs', tini: '/usr/bin/tini-static' };

describe('buildOciSpec', () => {
  it('builds the default container: tini, Docker caps, namespaces joined, pod files, masked paths', () => {
    const s = buildOciSpec(base, { Env: ['PATH=/bin', 'A=1', 'B=3'], WorkingDir: '/www' }, sandbox, host, { uid: 0, gid: 0 });
    assert.deepEqual(s.process.args, [TINI_PATH, '-g', '--', 'httpd', '-f']);
    assert.deepEqual(s.process.env, ['PATH=/bin', 'A=2', 'B=3', 'HOSTNAME=web-0']);
    assert.equal(s.process.cwd, '/www');
    assert.deepEqual(s.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
    assert.deepEqual(s.linux.namespaces, [
      { type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/var/run/netns/k8ts-1' }, { type: 'ipc', path: '/r/ipc' }, { type: 'uts', path: '/r/uts' },
    ]);
    assert.equal(s.hostname, 'web-0');
    assert.equal(s.linux.cgroupsPath, '/k8ts/podu/c1');
    const dests = s.mounts.map((m) => m.destination);
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', TINI_PATH, '/etc/hosts', '/etc/resolv.conf', '/etc/hostname']) assert.ok(dests.includes(d), d);
    assert.ok(s.mounts.find((m) => m.destination === TINI_PATH)!.options.includes('ro'));
    assert.ok(s.linux.maskedPaths?.includes('/proc/kcore'));
    assert.equal(s.root.readonly, false);
    assert.equal(s.process.noNewPrivileges, false);
  });

  it('maps resources, security context, mounts and host network', () => {
    const s = buildOciSpec(
      {
        ...base,
        resources: { memoryLimitBytes: 1 << 25, cpuShares: 1, cpuQuota: 50000, pidsLimit: 64 },
        security: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['chown', 'CAP_KILL'] } },
        mounts: [
          { containerPath: '/data', hostPath: '/v/data', readOnly: true },
          { containerPath: '/cache', hostPath: '', readOnly: false, tmpfs: { sizeBytes: 1024 } },
          { containerPath: '/etc/hosts', hostPath: '/mine/hosts', readOnly: false, propagation: 'hostToContainer' },
        ],
      },
      {},
      { ...sandbox, netnsPath: '', utsNsPath: '' },
      host,
      { uid: 1000, gid: 1000, additionalGids: [5] },
    );
    assert.deepEqual(s.linux.resources.memory, { limit: 1 << 25 });
    assert.deepEqual(s.linux.resources.cpu, { shares: 2, quota: 50000, period: 100000 });
    assert.deepEqual(s.linux.resources.pids, { limit: 64 });
    assert.equal(s.root.readonly, true);
    assert.equal(s.process.noNewPrivileges, true);
    assert.ok(s.process.capabilities.bounding.includes('CAP_NET_ADMIN'));
    assert.ok(!s.process.capabilities.bounding.includes('CAP_CHOWN') && !s.process.capabilities.bounding.includes('CAP_KILL'));
    assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [5] });
    assert.deepEqual(s.mounts.find((m) => m.destination === '/data')?.options, ['rbind', 'rprivate', 'ro']);
    assert.deepEqual(s.mounts.find((m) => m.destination === '/cache'), { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=1024'] });
    assert.equal(s.mounts.filter((m) => m.destination === '/etc/hosts').length, 1, 'user mount wins over the pod file');
    assert.equal(s.linux.rootfsPropagation, 'rslave');
    assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['pid', 'mount', 'ipc'], 'host network and UTS');
    assert.equal(s.hostname, undefined);
  });

  it('cgroup v2: limits as the files runc writes verbatim (linux.resources.unified), no v1 fields', () => {
    const v2 = { ...sandbox, cgroupsPath: '/k8ts/kubepods/burstable/podu/c1', cgroupVersion: 2 as const };
    const s = buildOciSpec({ ...base, resources: { memoryLimitBytes: 1 << 25, cpuShares: 1024, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: 64 } }, {}, v2, host, { uid: 0, gid: 0 });
    assert.equal(s.linux.cgroupsPath, '/k8ts/kubepods/burstable/podu/c1');
    assert.deepEqual(s.linux.resources.unified, { 'cpu.weight': '39', 'cpu.max': '50000 100000', 'memory.max': String(1 << 25), 'pids.max': '64' });
    for (const k of ['memory', 'cpu', 'pids']) assert.equal(s.linux.resources[k], undefined, k);
    assert.deepEqual(s.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
    // BestEffort: the minimum shares become weight 1.
    const be = buildOciSpec({ ...base, resources: { cpuShares: 2, pidsLimit: 64 } }, {}, v2, host, { uid: 0, gid: 0 });
    assert.deepEqual(be.linux.resources.unified, { 'cpu.weight': '1', 'pids.max': '64' });
    // The /sys/fs/cgroup mount is the same cgroup mount (runc mounts cgroup2 on a v2 host), seen
    // through a private cgroup namespace (as containerd on v2), except for privileged containers.
    assert.equal(s.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.type, 'cgroup');
    assert.deepEqual(s.linux.namespaces.at(-1), { type: 'cgroup' });
    const priv = buildOciSpec({ ...base, security: { privileged: true } }, {}, v2, host, { uid: 0, gid: 0 });
    assert.ok(!priv.linux.namespaces.some((n) => n.type === 'cgroup'));
    assert.ok(!buildOciSpec(base, {}, sandbox, host, { uid: 0, gid: 0 }).linux.namespaces.some((n) => n.type === 'cgroup'), 'v1: none');
  });

  it('privileged: all capabilities, no masking, devices allowed', () => {
    const s = buildOciSpec({ ...base, security: { privileged: true } }, {}, sandbox, host, { uid: 0, gid: 0 });
    assert.ok(s.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
    assert.equal(s.linux.maskedPaths, undefined);
    assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  });

  it('capabilities drop ALL + add, env merge, image users', () => {
    assert.deepEqual(effectiveCapabilities({ capabilities: { drop: ['ALL'], add: ['net_bind_service'] } }), ['CAP_NET_BIND_SERVICE']);
    assert.deepEqual(mergeEnv(null, [], ''), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    const passwd = 'root:x:0:0::/:/bin/sh\nnginx:x:101:102::/:/bin/false\n';
    const group = 'root:x:0:\nnginx:x:102:\nstaff:x:50:\n';
    assert.deepEqual(resolveImageUser('nginx', passwd, group), { uid: 101, gid: 102 });
    assert.deepEqual(resolveImageUser('101:staff', passwd, group), { uid: 101, gid: 50 });
    assert.deepEqual(resolveImageUser('4242', passwd, group), { uid: 4242, gid: 0 });
    assert.deepEqual(resolveImageUser(undefined, '', ''), { uid: 0, gid: 0 });
    assert.throws(() => resolveImageUser('nobody', passwd, group), /unable to find user nobody/);
  });
});
