// Pod network tests. Pure parts (CIDR, IPAM, nft rendering) always run; the bridge and CNI
// tests need root, iproute2, nftables, iptables and /usr/lib/cni (skipped with the reason
// otherwise). Test objects: namespaces k8tstn-*, bridges k8tst-br0 / k8tst-cni0, subnets
// 10.199.0.0/24 and 10.199.1.0/24, nft tables k8tstn-*; all removed at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidr, gatewayOf, podRange, intToIp } from './cidr.js';
import { HostIpam } from './ipam.js';
import { renderHostPortTable } from './hostport-nft.js';
import { DirectBridgeNetwork } from './bridge.js';
import { CniNetwork } from './cni.js';
import { run } from './exec.js';
import type { PodNetwork } from './types.js';
import { httpGet } from '../../testing/http.js';

describe('cidr + ipam + nft rendering', () => {
  it('computes gateway and range', () => {
    const c = parseCidr('10.199.0.77/24');
    assert.equal(intToIp(c.network), '10.199.0.0');
    assert.equal(gatewayOf(c), '10.199.0.1');
    const r = podRange(c);
    assert.deepEqual([intToIp(r.first), intToIp(r.last)], ['10.199.0.2', '10.199.0.254']);
    assert.throws(() => parseCidr('10.0.0.0/31'));
  });

  it('allocates uniquely, persists, does not reuse a released address at once, exhausts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8tst-ipam-'));
    try {
      const ipam = new HostIpam(dir, parseCidr('10.199.9.0/29')); // .2 .. .6
      const got = await Promise.all(['a', 'b', 'c'].map((o) => ipam.allocate(o)));
      assert.deepEqual(got.sort(), ['10.199.9.2', '10.199.9.3', '10.199.9.4']);
      assert.equal(await ipam.allocate('a'), got[0], 'idempotent per owner');
      await ipam.release('a');
      assert.equal(await new HostIpam(dir, parseCidr('10.199.9.0/29')).allocate('d'), '10.199.9.5', 'next after the cursor, from disk');
      await ipam.allocate('e');
      assert.equal(await ipam.allocate('f'), '10.199.9.2', 'wraps to the freed one');
      await assert.rejects(ipam.allocate('g'), /no free address/);
      assert.equal((await ipam.allocations()).size, 5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders the hostport table', () => {
    const t = renderHostPortTable('k8ts-hostport', '10.42.0.0/24', [
      { podIp: '10.42.0.5', mapping: { protocol: 'TCP', containerPort: 80, hostPort: 8080 } },
      { podIp: '10.42.0.6', mapping: { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1' } },
    ]);
    assert.match(t, /fib daddr type local tcp dport 8080 ct mark set ct mark \| 0x00008000 dnat to 10\.42\.0\.5:80/);
    assert.match(t, /ip daddr 127\.0\.0\.1 udp dport 5353 .* dnat to 10\.42\.0\.6:53/);
    assert.match(t, /ip saddr 10\.42\.0\.0\/24 masquerade/);
    assert.equal(renderHostPortTable('x', '10.42.0.0/24', []), 'table ip x\ndelete table ip x\n');
  });
});

function networkSkipReason(cni: boolean): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['ip', 'nft', ...(cni ? ['iptables'] : [])]) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} not installed`;
    }
  }
  if (cni && !existsSync('/usr/lib/cni/bridge')) return 'containernetworking-plugins not installed (/usr/lib/cni)';
  return undefined;
}

async function retry<T>(fn: () => Promise<T>, ms = 4000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function serverIn(ns: string, port: number, text: string): ChildProcess {
  const js = `require('http').createServer((q,s)=>s.end(${JSON.stringify(text)})).listen(${port},'0.0.0.0')`;
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', js], { stdio: 'ignore' });
}

for (const mode of ['bridge', 'cni'] as const) {
  describe(`pod network: ${mode}`, { skip: networkSkipReason(mode === 'cni') }, () => {
    let dir: string;
    let net: PodNetwork;
    let natBefore: string;
    const ns = [`k8tstn-${mode}-a`, `k8tstn-${mode}-b`];
    const servers: ChildProcess[] = [];
    const cidr = mode === 'bridge' ? '10.199.0.0/24' : '10.199.1.0/24';
    const hostPort = mode === 'bridge' ? 18471 : 18472;
    let ipForward = '1';

    before(async () => {
      ipForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
      natBefore = (await run('nft', ['list', 'tables'])).stdout;
      dir = await mkdtemp(join(tmpdir(), `k8tst-net-${mode}-`));
      const opts = { podCidr: cidr, stateDir: dir, namePrefix: 'k8tstn' };
      net = mode === 'bridge' ? new DirectBridgeNetwork({ ...opts, bridge: 'k8tst-br0' }) : new CniNetwork({ ...opts, bridge: 'k8tst-cni0' });
      for (const n of ns) await run('ip', ['netns', 'add', n]);
    });

    after(async () => {
      for (const s of servers) s.kill('SIGKILL');
      for (const n of ns) await net?.teardown(`sb-${n}`).catch(() => undefined);
      for (const n of ns) await run('ip', ['netns', 'del', n], { allowFailure: true });
      await net?.destroy().catch(() => undefined);
      for (const family of ['ip', 'ip6']) {
        // iptables-nft created `table ip(6) nat` for portmap/ipMasq: drop it if nothing else uses it now.
        if (natBefore.includes(`table ${family} nat\n`)) continue;
        const t = await run('nft', ['list', 'table', family, 'nat'], { allowFailure: true });
        if (t.code === 0 && !/\n\s+(ip|ip6|meta|counter|jump|tcp|udp|oifname|iifname|ct|fib|mark)\b/.test(t.stdout)) await run('nft', ['delete', 'table', family, 'nat'], { allowFailure: true });
      }
      if (ipForward === '0' && !(await readdir('/sys/class/net')).some((l) => l.startsWith('k8ts'))) await writeFile('/proc/sys/net/ipv4/ip_forward', '0');
      await rm(dir, { recursive: true, force: true });
    });

    it('connects pods to each other, the host and hostPorts on 127.0.0.1; tears down cleanly', async (t) => {
      const t0 = performance.now();
      await net.init();
      const tInit = performance.now() - t0;
      const times: number[] = [];
      const ips: string[] = [];
      for (const [i, n] of ns.entries()) {
        const s = performance.now();
        const r = await net.setup({ sandboxId: `sb-${n}`, netnsPath: `/var/run/netns/${n}`, portMappings: i === 0 ? [{ protocol: 'TCP', containerPort: 8080, hostPort }] : [] });
        times.push(performance.now() - s);
        assert.ok(r.ip.startsWith(cidr.slice(0, 8)), r.ip);
        ips.push(r.ip);
      }
      t.diagnostic(`${mode}: init ${tInit.toFixed(1)} ms, setup ${times.map((x) => x.toFixed(1)).join(' / ')} ms`);
      assert.notEqual(ips[0], ips[1]);
      assert.equal((await net.status(`sb-${ns[0]}`))?.ip, ips[0]);
      servers.push(serverIn(ns[0]!, 8080, `hello from ${ns[0]}`));
      assert.equal(await retry(() => httpGet(`http://${ips[0]!}:8080/`, {}, 2000)), `hello from ${ns[0]}`, 'host → pod');
      const fromB = await run('ip', ['netns', 'exec', ns[1]!, process.execPath, '-e', `require('http').get('http://${ips[0]}:8080/',r=>r.pipe(process.stdout))`]);
      assert.equal(fromB.stdout, `hello from ${ns[0]}`, 'pod → pod');
      assert.equal(await retry(() => httpGet(`http://127.0.0.1:${hostPort}/`, {}, 2000)), `hello from ${ns[0]}`, 'hostPort via 127.0.0.1');
      const lo = await run('ip', ['netns', 'exec', ns[0]!, 'ip', '-o', 'link', 'show', 'lo']);
      assert.match(lo.stdout, /UP/);

      const td: number[] = [];
      for (const n of ns) {
        const s = performance.now();
        await net.teardown(`sb-${n}`);
        td.push(performance.now() - s);
      }
      t.diagnostic(`${mode}: teardown ${td.map((x) => x.toFixed(1)).join(' / ')} ms`);
      await net.teardown(`sb-${ns[0]}`); // idempotent
      assert.equal((await net.allocations()).size, 0);
      assert.equal(await net.status(`sb-${ns[0]}`), undefined);
      await assert.rejects(httpGet(`http://127.0.0.1:${hostPort}/`, {}, 2000));
      const links = (await readdir('/sys/class/net')).filter((l) => l.startsWith('k8tstn'));
      assert.deepEqual(links, []);
    });
  });
}
