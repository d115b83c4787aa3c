// OCI runtime micro-benchmark (needs root, runc, conmon, tini, busybox-static, iproute2, nft,
// iptables and /usr/lib/cni).
//
//   npx tsc -p tsconfig.json && node dist/bench/runtime.bench.js [--pods 20]
//
// 1. Pod start through OciRuntime, per pod: runPodSandbox (netns + IPC/UTS + direct-bridge
//    network + files) → createContainer (overlay mount + config.json + conmon/runc create) →
//    startContainer (runc start; the process is running when it returns). p50/p99 per phase.
// 2. Bare `runc run -d` of the same config.json (same namespaces joined, pre-mounted rootfs, own
//    cgroup), as the baseline: the ratio pod-start / bare-run is the figure.
// 3. Network setup alone: direct bridge vs CNI plugins (bridge + host-local + portmap + loopback),
//    each on its own test bridge and subnet (10.199.10.0/24, 10.199.11.0/24).
// Everything is named k8tsb* and removed at the end. Prints one `RESULT {...}` JSON line.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OciRuntime } from '../src/runtime/oci/runtime.js';
import { DirectBridgeNetwork } from '../src/runtime/network/bridge.js';
import { CniNetwork } from '../src/runtime/network/cni.js';
import type { PodNetwork } from '../src/runtime/network/types.js';
import type { ContainerConfig, PodSandboxConfig } from '../src/runtime/types.js';
import { StaticRootfsProvider, TOOLS, buildBusyboxLayer, containerSkipReason } from '../src/runtime/oci/testing/rootfs.js';
import { cgroupMounts } from '../src/runtime/oci/cgroups.js';

const { values: args } = parseArgs({ options: { pods: { type: 'string', default: '20' } } });
const N = Number(args.pods);
const CG = '/k8tsb';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
const f = (x: number) => x.toFixed(1);
function summary(xs: number[]) {
  return { p50: +f(pct(xs, 50)), p99: +f(pct(xs, 99)), mean: +f(xs.reduce((a, b) => a + b, 0) / xs.length) };
}

function pod(i: number): PodSandboxConfig {
  return { name: `k8tsb-${i}`, namespace: 'bench', uid: `b${i}`, attempt: 0, hostname: `k8tsb-${i}`, hostNetwork: false, portMappings: [], labels: {}, annotations: {}, cgroupParent: `${CG}/podb${i}` };
}
function ctr(dir: string, i: number): ContainerConfig {
  return {
    name: 'c', attempt: 0, image: 'busybox', args: ['sleep', '1000'], env: [], mounts: [], resources: { memoryLimitBytes: 64 << 20, cpuShares: 102 },
    security: {}, tty: false, stdin: false, stdinOnce: false, labels: {}, annotations: {}, logPath: join(dir, 'logs', `c${i}.log`),
  };
}

async function main(): Promise<void> {
  const skip = containerSkipReason();
  if (skip) {
    console.log(`runtime bench skipped: ${skip}`);
    console.log(`RESULT ${JSON.stringify({ skipped: skip })}`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'k8tsb-'));
  const root = join(dir, 'runtime');
  const ipForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
  const nftBefore = execFileSync('nft', ['list', 'tables']).toString();
  const layer = await buildBusyboxLayer(join(dir, 'layer'));
  const images = new StaticRootfsProvider();
  images.add('busybox', [layer], { Env: ['PATH=/bin'] });
  const bridge = new DirectBridgeNetwork({ podCidr: '10.199.10.0/24', stateDir: join(root, 'network'), namePrefix: 'k8tsb', bridge: 'k8tsb-br0' });
  const cni = new CniNetwork({ podCidr: '10.199.11.0/24', stateDir: join(dir, 'cni'), namePrefix: 'k8tsb', bridge: 'k8tsb-cni0' });
  const rt = new OciRuntime({ root, runcPath: TOOLS.runc, conmonPath: TOOLS.conmon, tiniPath: TOOLS.tini, rootfs: images, network: bridge, cgroupRoot: CG, namePrefix: 'k8tsb' });
  const bareRoot = join(dir, 'bare-runc');
  const bareIds: string[] = [];
  const cniNs: string[] = [];
  const result: Record<string, unknown> = { pods: N };
  try {
    await bridge.init();
    // Warm-up (page cache, first bridge/nft setup).
    const w = await rt.runPodSandbox(pod(999));
    const wc = await rt.createContainer(w, ctr(dir, 999));
    await rt.startContainer(wc);

    // 1. Pod start through the runtime.
    const phases = { sandbox: [] as number[], create: [] as number[], start: [] as number[], total: [] as number[] };
    const sandboxes: string[] = [];
    const containers: string[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const sb = await rt.runPodSandbox(pod(i));
      const t1 = performance.now();
      const c = await rt.createContainer(sb, ctr(dir, i));
      const t2 = performance.now();
      await rt.startContainer(c);
      const t3 = performance.now();
      phases.sandbox.push(t1 - t0);
      phases.create.push(t2 - t1);
      phases.start.push(t3 - t2);
      phases.total.push(t3 - t0);
      sandboxes.push(sb);
      containers.push(c);
    }
    const running = (await rt.listContainers()).filter((c) => c.state === 'running').length;
    result.podStart = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, summary(v)]));
    result.runningAfter = running;

    // 2. Bare runc run -d of the same config.json (joins the warm-up pod's namespaces).
    const cfg = JSON.parse(await readFile(join(root, 'containers', wc, 'config.json'), 'utf8')) as { root: { path: string }; linux: { cgroupsPath: string } };
    const bare: number[] = [];
    for (let i = 0; i < N; i++) {
      const b = join(dir, 'bare', `b${i}`);
      for (const d of ['rootfs', 'u', 'w']) await mkdir(join(b, d), { recursive: true });
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${layer},upperdir=${join(b, 'u')},workdir=${join(b, 'w')}`, join(b, 'rootfs')], { stdio: 'ignore' }) ;
      cfg.root.path = join(b, 'rootfs');
      cfg.linux.cgroupsPath = `${CG}/bare/b${i}`;
      await writeFile(join(b, 'config.json'), JSON.stringify(cfg));
      const t0 = performance.now();
      // stdio must not be a pipe: the detached container inherits it and would hold it open.
      const r = spawnSync(TOOLS.runc, ['--root', bareRoot, 'run', '-d', '-b', b, `k8tsb-bare-${i}`], { stdio: 'ignore', timeout: 30_000 });
      bare.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`runc run -d failed (${r.status})`);
      bareIds.push(`k8tsb-bare-${i}`);
    }
    result.bareRuncRun = summary(bare);
    result.ratioP50 = +(pct(phases.total, 50) / pct(bare, 50)).toFixed(2);
    result.ratioP99 = +(pct(phases.total, 99) / pct(bare, 99)).toFixed(2);

    // Pod teardown.
    const stop: number[] = [];
    for (const sb of sandboxes) {
      const t0 = performance.now();
      await rt.stopPodSandbox(sb);
      await rt.removePodSandbox(sb);
      stop.push(performance.now() - t0);
    }
    result.podTeardown = summary(stop);

    // 3. Network setup alone: direct bridge vs CNI.
    const netTimes = async (net: PodNetwork, tag: string) => {
      const setup: number[] = [];
      const teardown: number[] = [];
      await net.init();
      for (let i = 0; i < N; i++) {
        const ns = `k8tsb-${tag}-${i}`;
        execFileSync('ip', ['netns', 'add', ns]);
        cniNs.push(ns);
        const t0 = performance.now();
        await net.setup({ sandboxId: ns, netnsPath: `/var/run/netns/${ns}`, portMappings: i % 2 ? [{ protocol: 'TCP', containerPort: 80, hostPort: 19000 + i }] : [] });
        setup.push(performance.now() - t0);
      }
      for (let i = 0; i < N; i++) {
        const t0 = performance.now();
        await net.teardown(`k8tsb-${tag}-${i}`);
        teardown.push(performance.now() - t0);
      }
      return { setup: summary(setup), teardown: summary(teardown) };
    };
    result.networkBridge = await netTimes(bridge, 'br');
    result.networkCni = await netTimes(cni, 'cni');
    await rt.removePodSandbox(w);
  } finally {
    for (const id of bareIds) spawnSync(TOOLS.runc, ['--root', bareRoot, 'delete', '--force', id], { stdio: 'ignore' });
    for (const e of await readdir(join(dir, 'bare')).catch(() => [] as string[])) spawnSync('umount', [join(dir, 'bare', e, 'rootfs')], { stdio: 'ignore' });
    for (const s of await rt.listPodSandboxes().catch(() => [])) await rt.removePodSandbox(s.id).catch(() => undefined);
    for (const ns of cniNs) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    await bridge.destroy().catch(() => undefined);
    await cni.destroy().catch(() => undefined);
    for (const family of ['ip', 'ip6']) {
      if (nftBefore.includes(`table ${family} nat\n`)) continue;
      const t = spawnSync('nft', ['list', 'table', family, 'nat']).stdout?.toString() ?? '';
      if (t && !/\n\s+(ip|ip6|meta|counter|jump|tcp|udp|oifname|ct|fib|mark)\b/.test(t)) spawnSync('nft', ['delete', 'table', family, 'nat']);
    }
    for (const m of await cgroupMounts()) {
      await rmdir(join(m, CG, 'bare')).catch(() => undefined);
      await rmdir(join(m, CG)).catch(() => undefined);
    }
    if (ipForward === '0' && !(await readdir('/sys/class/net')).some((l) => l.startsWith('k8ts'))) await writeFile('/proc/sys/net/ipv4/ip_forward', '0');
    await rm(dir, { recursive: true, force: true });
  }
  const p = result.podStart as Record<string, { p50: number; p99: number }>;
  const row = (name: string, s: { p50: number; p99: number }) => console.log(`${name.padEnd(34)} p50 ${String(s.p50).padStart(7)} ms   p99 ${String(s.p99).padStart(7)} ms`);
  console.log(`pod start over ${N} pods (busybox, cached image, direct bridge):`);
  for (const k of ['sandbox', 'create', 'start', 'total']) row(`  ${k}`, p[k]!);
  row('bare runc run -d (same config)', result.bareRuncRun as { p50: number; p99: number });
  console.log(`  ratio pod start / bare runc run: p50 ${result.ratioP50}x, p99 ${result.ratioP99}x`);
  row('pod stop+remove', result.podTeardown as { p50: number; p99: number });
  const nb = result.networkBridge as Record<string, { p50: number; p99: number }>;
  const nc = result.networkCni as Record<string, { p50: number; p99: number }>;
  row('network setup: direct bridge', nb.setup!);
  row('network setup: CNI plugins', nc.setup!);
  row('network teardown: direct bridge', nb.teardown!);
  row('network teardown: CNI plugins', nc.teardown!);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
