// Service proxy benchmark, N services × M endpoints (default 1,000 × 10, each ClusterIP + NodePort,
// one EndpointSlice per service):
//   full    — compile and render the whole table, then apply it (one `nft -f -` transaction that
//             replaces the table: what the proxy does at start and after a failed apply)
//   change  — one endpoint of one service replaced, as the proxy syncs it: state from the objects
//             (buildServicePorts), compile (reusing unchanged ports), diff, apply the delta
// Applying needs root, nft, ip and nsenter. The bench then creates its own network namespace
// (k8tsb-proxy-<pid>) and runs every nft inside it, deleting it at the end: the host's rules are
// never touched. Without them only the pure parts are timed. Prints one `RESULT {...}` JSON line.
//
//   npx tsc -p tsconfig.json && node dist/bench/proxy.bench.js [--services 1000] [--endpoints 10] [--runs 5] [--changes 20]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { EndpointSlice, KObject } from '../src/api/types/index.js';
import {
  applyNft, buildServicePorts, compileRules, readAffinityEntries, renderDeltaRules, renderFullRules, runNft, type CompiledRules, type ProxyState,
} from '../src/proxy/index.js';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    endpoints: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    changes: { type: 'string', default: '20' },
  },
});
const N = Number(args.services);
const M = Number(args.endpoints);
const RUNS = Number(args.runs);
const CHANGES = Number(args.changes);
const TABLE = 'k8tsb-svc';
const NS = `k8tsb-proxy-${process.pid}`;

// Nothing routes to these: endpoints in 10.199.48.0/22, cluster IPs in 10.199.52.0/22.
const endpointIP = (n: number) => `10.199.${48 + Math.floor(n / 250) % 4}.${(n % 250) + 1}`;

function objects(gen: number): { services: KObject[]; slices: EndpointSlice[] } {
  const services: KObject[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < N; i++) {
    services.push({
      metadata: { namespace: 'bench', name: `s${i}` },
      spec: { type: 'NodePort', clusterIP: `10.199.${52 + Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30000 + (i % 2768) }] },
    });
    slices.push(slice(i, Array.from({ length: M }, (_, j) => endpointIP(i * M + j + gen))));
  }
  return { services, slices };
}

function slice(i: number, ips: string[]): EndpointSlice {
  return {
    metadata: { namespace: 'bench', name: `s${i}-1`, labels: { 'kubernetes.io/service-name': `s${i}` } }, addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints: ips.map((ip) => ({ addresses: [ip], nodeName: 'bench', conditions: { ready: true, serving: true, terminating: false } })),
  };
}

const state = (o: { services: KObject[]; slices: EndpointSlice[] }): ProxyState => ({
  tableName: TABLE, clusterCIDR: '10.42.0.0/16', nodeIPs: [], services: buildServicePorts(o.services, o.slices, 'bench'),
});

const med = (xs: number[]) => (xs.length ? +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1) : null);
const ms = (t0: number) => performance.now() - t0;

async function main(): Promise<void> {
  const have = (cmd: string, a: string[]) => spawnSync(cmd, a, { stdio: 'ignore' }).status === 0;
  const canApply = process.getuid?.() === 0 && have('nft', ['--version']) && have('ip', ['-V']) && have('nsenter', ['--version']);
  const full = { build: [] as number[], render: [] as number[], readAffinity: [] as number[], apply: [] as number[] };
  const change = { build: [] as number[], compile: [] as number[], diff: [] as number[], apply: [] as number[], total: [] as number[], bytes: [] as number[] };
  const floor: number[] = [];
  let bytes = 0;
  let chainsInKernel: number | null = null;
  let expectedChains = 0;
  if (canApply && spawnSync('ip', ['netns', 'add', NS]).status !== 0) throw new Error(`cannot create network namespace ${NS}`);
  try {
    // Full rebuilds, a different endpoint set each run so every apply is a real change.
    let current: CompiledRules | undefined;
    let objs = objects(0);
    for (let r = 0; r < RUNS; r++) {
      objs = objects(r);
      let t0 = performance.now();
      const st = state(objs);
      full.build.push(ms(t0));
      t0 = performance.now();
      const compiled = compileRules(st);
      const text = renderFullRules(compiled);
      full.render.push(ms(t0));
      bytes = text.length;
      if (canApply) {
        t0 = performance.now();
        await readAffinityEntries(TABLE, NS);
        full.readAffinity.push(ms(t0));
        t0 = performance.now();
        await applyNft(text, NS);
        full.apply.push(ms(t0));
      }
      current = compiled;
      const last = (xs: number[]) => (xs.length ? xs[xs.length - 1].toFixed(1) : '-');
      console.error(`full ${r + 1}: build ${last(full.build)} ms, render ${last(full.render)} ms, apply ${canApply ? last(full.apply) : '-'} ms`);
    }

    // One endpoint changed per sync, applied as a delta on top of the table above.
    for (let c = 0; c < CHANGES; c++) {
      const i = (c * 397) % N;
      const sl = objs.slices[i] as unknown as { endpoints: { addresses: string[] }[] };
      const ips = sl.endpoints.map((e) => e.addresses[0]);
      ips[c % M] = `10.199.51.${(c % 250) + 1}`;
      objs = { services: objs.services, slices: objs.slices.map((s, k) => (k === i ? slice(i, ips) : s)) };
      const t0 = performance.now();
      const st = state(objs);
      const t1 = performance.now();
      const next = compileRules(st, current);
      const t2 = performance.now();
      const delta = renderDeltaRules(current!, next)!;
      const t3 = performance.now();
      if (canApply) await applyNft(delta.text, NS);
      const t4 = performance.now();
      current = next;
      change.build.push(t1 - t0);
      change.compile.push(t2 - t1);
      change.diff.push(t3 - t2);
      if (canApply) change.apply.push(t4 - t3);
      change.total.push(t4 - t0);
      change.bytes.push(delta.text.length);
      console.error(`change ${c + 1}: build ${(t1 - t0).toFixed(1)} ms, compile ${(t2 - t1).toFixed(1)} ms, diff ${(t3 - t2).toFixed(1)} ms, apply ${canApply ? (t4 - t3).toFixed(1) : '-'} ms, ${delta.text.length} bytes`);
    }
    expectedChains = [...current!.ports.values()].reduce((n, p) => n + p.chains.size, 0) + 8;

    if (canApply) {
      // The cost of starting nft at all (an empty script), and a check that the deltas left the table whole.
      for (let k = 0; k < 10; k++) {
        const t0 = performance.now();
        await applyNft('', NS);
        floor.push(ms(t0));
      }
      chainsInKernel = (await runNft(['list', 'chains', 'ip'], undefined, NS)).split('\n').filter((l) => /^\s*chain /.test(l)).length;
      if (chainsInKernel !== expectedChains) throw new Error(`kernel has ${chainsInKernel} chains, expected ${expectedChains}`);
    }
  } finally {
    if (canApply) spawnSync('ip', ['netns', 'delete', NS]);
  }
  const result = {
    services: N, endpointsPerService: M, runs: RUNS, rulesetBytes: bytes,
    full: { buildMsMedian: med(full.build), renderMsMedian: med(full.render), readAffinityMsMedian: med(full.readAffinity), applyMsMedian: med(full.apply) },
    endpointChange: {
      changes: CHANGES, deltaBytesMedian: med(change.bytes), buildMsMedian: med(change.build), compileMsMedian: med(change.compile),
      diffMsMedian: med(change.diff), applyMsMedian: med(change.apply), totalMsMedian: med(change.total),
    },
    nftEmptyApplyMsMedian: med(floor),
    chainsInKernel,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
