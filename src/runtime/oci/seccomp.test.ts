import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerConfig } from '../types.js';
import { buildOciSpec, DEFAULT_CAPABILITIES } from './spec.js';
import { runtimeDefaultSeccomp } from './seccomp.js';

const base: ContainerConfig = {
  name: 'web', attempt: 0, image: 'busybox', args: ['sleep', '1'], env: [], mounts: [], resources: {},
  security: {}, tty: false, stdin: false, stdinOnce: false, labels: {}, annotations: {}, logPath: '/tmp/x.log',
};
const sandbox = { netnsPath: '/n', ipcNsPath: '/i', utsNsPath: '/u', hostname: 'web', cgroupsPath: '/k8ts/p/c' };
const host = { rootfs: '/r', tini: '/t' };

describe('RuntimeDefault seccomp', () => {
  it('allows by default and refuses the host-reaching syscalls with EPERM', () => {
    const p = runtimeDefaultSeccomp([...DEFAULT_CAPABILITIES]);
    assert.equal(p.defaultAction, 'SCMP_ACT_ALLOW');
    assert.equal(p.syscalls.length, 1);
    assert.equal(p.syscalls[0].action, 'SCMP_ACT_ERRNO');
    assert.equal(p.syscalls[0].errnoRet, 1);
    for (const s of ['mount', 'unshare', 'setns', 'ptrace', 'init_module', 'reboot', 'keyctl', 'bpf', 'kexec_load', 'clock_settime']) assert.ok(p.syscalls[0].names.includes(s), s);
    for (const s of ['read', 'write', 'clone', 'execve', 'socket']) assert.ok(!p.syscalls[0].names.includes(s), s);
  });

  it('leaves a capability-granted syscall to a container holding that capability', () => {
    const p = runtimeDefaultSeccomp([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
    assert.ok(!p.syscalls[0].names.includes('mount'));
    assert.ok(!p.syscalls[0].names.includes('ptrace'));
    assert.ok(p.syscalls[0].names.includes('reboot'));
    assert.ok(p.syscalls[0].names.includes('keyctl'));
  });

  it('is in the runtime spec only when asked, and never for privileged containers', () => {
    const none = buildOciSpec(base, {}, sandbox, host, { uid: 0, gid: 0 });
    assert.equal(none.linux.seccomp, undefined);
    const rd = buildOciSpec({ ...base, security: { seccompProfile: 'RuntimeDefault', allowPrivilegeEscalation: false } }, {}, sandbox, host, { uid: 0, gid: 0 });
    assert.ok(rd.linux.seccomp?.syscalls[0].names.includes('mount'));
    assert.equal(rd.process.noNewPrivileges, true);
    const priv = buildOciSpec({ ...base, security: { seccompProfile: 'RuntimeDefault', privileged: true } }, {}, sandbox, host, { uid: 0, gid: 0 });
    assert.equal(priv.linux.seccomp, undefined);
  });
});
