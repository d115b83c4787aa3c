import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { preflight, hostProbes, writeDataVersion, readDataVersion, RUNTIME_TOOLS, type PreflightProbes, type ListenResult } from './preflight.js';
import { DATA_FORMAT_VERSION, K8TS_VERSION } from './version.js';

/** A host where everything is fine, with overrides. */
function fakeHost(o: { uid?: number; missing?: string[]; files?: Record<string, string | undefined>; nft?: { status: number; stderr: string }; listen?: Record<number, ListenResult>; unwritable?: string } = {}): PreflightProbes {
  const files: Record<string, string | undefined> = { '/proc/filesystems': 'nodev\tsysfs\nnodev\toverlay\n', ...o.files };
  const present = new Set([...RUNTIME_TOOLS.map(([, p]) => p), '/proc/sys/net/bridge', '/sys/fs/cgroup/memory', ...Object.keys(files).filter((k) => files[k] !== undefined)]);
  for (const m of o.missing ?? []) present.delete(m);
  return {
    uid: () => o.uid ?? 0,
    exists: (p) => present.has(p),
    readFile: (p) => files[p],
    run: () => o.nft ?? { status: 0, stderr: '' },
    listen: async (port) => o.listen?.[port] ?? 'ok',
    unwritable: () => o.unwritable,
  };
}

const ports = [
  { port: 6443, flag: '--port', what: 'API server' },
  { port: 10250, flag: '--kubelet-port', what: 'kubelet' },
  { port: 80, flag: '--ingress-http-port', what: 'Ingress HTTP' },
];

test('a good host: no problems', async () => {
  assert.deepEqual(await preflight({ runtime: 'oci', dataDir: '/d', ports }, fakeHost()), []);
});

test('oci without root: one line, run as root or use --runtime simulated (privileged ports not repeated)', async () => {
  const p = await preflight({ runtime: 'oci', dataDir: '/d', ports }, fakeHost({ uid: 1000, listen: { 80: 'denied' } }));
  assert.deepEqual(p, ['the oci runtime needs root (network namespaces, mounts, cgroups): run as root or use --runtime simulated']);
});

test('simulated without root: nothing about root, tools or the kernel', async () => {
  const host = fakeHost({ uid: 1000, missing: ['/usr/sbin/runc', '/sys/fs/cgroup/memory', '/proc/sys/net/bridge'], files: { '/proc/filesystems': 'nodev\tsysfs\n' } });
  assert.deepEqual(await preflight({ runtime: 'simulated', dataDir: '/d', ports: ports.slice(0, 1) }, host), []);
});

test('missing tools: one apt-get line', async () => {
  const p = await preflight({ runtime: 'oci', dataDir: '/d', ports: [] }, fakeHost({ missing: ['/usr/sbin/runc', '/usr/bin/conmon', '/usr/bin/tini-static'] }));
  assert.deepEqual(p, ['missing runc, conmon, tini: apt-get install -y runc conmon tini (or use --runtime simulated)']);
});

test('kernel features: overlay, br_netfilter, nf_tables, cgroup v1 memory', async () => {
  const p = await preflight(
    { runtime: 'oci', dataDir: '/d', ports: [] },
    fakeHost({ files: { '/proc/filesystems': 'nodev\tsysfs\n' }, missing: ['/proc/sys/net/bridge', '/sys/fs/cgroup/memory'], nft: { status: 1, stderr: 'Error: Could not process rule: Operation not supported\n' } }),
  );
  assert.equal(p.length, 4, p.join('\n'));
  assert.match(p[0], /no overlay filesystem.*: modprobe overlay$/);
  assert.match(p[1], /bridge netfilter.*: modprobe br_netfilter$/);
  assert.match(p[2], /nftables does not work.*Operation not supported\): modprobe nf_tables$/);
  assert.match(p[3], /cgroup v1 memory controller/);
  for (const line of p) assert.doesNotMatch(line, /\n/, 'one line each');
  // overlay as a loaded module (not listed yet) and br_netfilter as a module are fine.
  const ok = fakeHost({ files: { '/proc/filesystems': 'nodev\tsysfs\n', '/sys/module/overlay': '', '/sys/module/br_netfilter': '' }, missing: ['/proc/sys/net/bridge'] });
  assert.deepEqual(await preflight({ runtime: 'oci', dataDir: '/d', ports: [] }, ok), []);
});

test('cgroup v2 hosts: fine with cpu, memory and pids delegated; one line per missing controller otherwise', async () => {
  const unified = (controllers: string, subtree = ''): Record<string, string | undefined> => ({ '/sys/fs/cgroup/cgroup.controllers': controllers, '/sys/fs/cgroup/cgroup.subtree_control': subtree });
  const v2 = (files: Record<string, string | undefined>): PreflightProbes => fakeHost({ files, missing: ['/sys/fs/cgroup/memory'] });
  assert.deepEqual(await preflight({ runtime: 'oci', dataDir: '/d', ports: [] }, v2(unified('cpuset cpu io memory hugetlb pids'))), []);
  const p = await preflight({ runtime: 'oci', dataDir: '/d', ports: [] }, v2(unified('cpuset io hugetlb pids')));
  assert.deepEqual(p, [
    'cgroup v2 controller cpu is not delegated to k8ts (missing from /sys/fs/cgroup/cgroup.controllers): enable it in the parent cgroup (echo +cpu > <parent>/cgroup.subtree_control, or Delegate=yes for a systemd unit), or use --runtime simulated',
    'cgroup v2 controller memory is not delegated to k8ts (missing from /sys/fs/cgroup/cgroup.controllers): enable it in the parent cgroup (echo +memory > <parent>/cgroup.subtree_control, or Delegate=yes for a systemd unit), or use --runtime simulated',
  ]);
  // Simulated runtime: no cgroups needed.
  assert.deepEqual(await preflight({ runtime: 'simulated', dataDir: '/d', ports: [] }, v2(unified(''))), []);
});

test('ports in use or not allowed: which port, what, and the flag that picks another', async () => {
  const p = await preflight({ runtime: 'oci', dataDir: '/d', ports }, fakeHost({ listen: { 6443: 'in-use', 80: 'denied', 10250: { error: 'EADDRNOTAVAIL' } } }));
  assert.deepEqual(p, [
    'port 6443 (API server) is already in use: stop what listens there, or pick another port with --port',
    'cannot listen on port 10250 (kubelet): EADDRNOTAVAIL; pick another port with --kubelet-port',
    'no permission to listen on port 80 (Ingress HTTP): run as root, or pick a port above 1023 with --ingress-http-port',
  ]);
  const zero = await preflight({ runtime: 'simulated', dataDir: '/d', ports: [{ port: 0, flag: '--port', what: 'API server' }] }, fakeHost({ listen: { 0: 'in-use' } }));
  assert.deepEqual(zero, [], 'port 0 picks a free port');
});

test('the data dir: not writable; written by a newer k8ts; a broken VERSION', async () => {
  assert.deepEqual(await preflight({ runtime: 'simulated', dataDir: '/d', ports: [] }, fakeHost({ unwritable: '/: EACCES' })), [
    'cannot write the data dir /d (/: EACCES): pick one you can write with --data-dir',
  ]);
  const newer = fakeHost({ files: { '/d/VERSION': JSON.stringify({ format: DATA_FORMAT_VERSION + 1, k8ts: '9.9.9' }) } });
  assert.deepEqual(await preflight({ runtime: 'simulated', dataDir: '/d', ports: [] }, newer), [
    `the data dir /d was written by k8ts 9.9.9, newer than this k8ts ${K8TS_VERSION}: upgrade k8ts or use another --data-dir`,
  ]);
  const same = fakeHost({ files: { '/d/VERSION': JSON.stringify({ format: DATA_FORMAT_VERSION, k8ts: '0.0.1' }) } });
  assert.deepEqual(await preflight({ runtime: 'simulated', dataDir: '/d', ports: [] }, same), []);
  const broken = fakeHost({ files: { '/d/VERSION': 'garbage' } });
  const [line] = await preflight({ runtime: 'simulated', dataDir: '/d', ports: [] }, broken);
  assert.match(line, /^\/d\/VERSION is not a k8ts version record .*: remove it if this data dir is yours, or use another --data-dir$/);
});

test('writeDataVersion writes the format and the version; readDataVersion reads it back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-preflight-test-'));
  try {
    assert.equal(readDataVersion(dir), undefined);
    writeDataVersion(join(dir, 'sub'));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'sub', 'VERSION'), 'utf8')), { format: DATA_FORMAT_VERSION, k8ts: K8TS_VERSION });
    assert.deepEqual(readDataVersion(join(dir, 'sub')), { format: DATA_FORMAT_VERSION, k8ts: K8TS_VERSION });
    writeFileSync(join(dir, 'VERSION'), '{"format":"x"}');
    assert.throws(() => readDataVersion(dir), /not a k8ts version record/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the real listen probe sees a port in use', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  try {
    assert.equal(await hostProbes.listen(port, '0.0.0.0'), 'in-use');
  } finally {
    s.close();
  }
  assert.equal(await hostProbes.listen(port, '127.0.0.1'), 'ok');
  assert.equal(hostProbes.unwritable(tmpdir()), undefined);
  assert.equal(hostProbes.unwritable(join(tmpdir(), 'k8ts-not-there', 'deeper')), undefined, 'the nearest existing parent counts');
});
