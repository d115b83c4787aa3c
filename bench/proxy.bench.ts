// Service proxy benchmark: time to render and apply (one `nft -f -` transaction) the rules for
// N services × M endpoints (default 1,000 × 10, each service ClusterIP + NodePort). Applying
// needs root and nft; without them only rendering is timed. The table is `k8tsb-svc` (nothing
// routes to its addresses: 10.199.50.0/24 endpoints, 10.199.52.0/22 cluster IPs) and is removed
// at the end. Prints one `RESULT {...}` JSON line.
//
//   npx tsc -p tsconfig.json && node dist/bench/proxy.bench.js [--services 1000] [--endpoints 10] [--runs 5]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { applyNft, renderProxyRules, type ProxyServicePort } from '../src/proxy/index.js';

const { values: args } = parseArgs({ options: { services: { type: 'string', default: '1000' }, endpoints: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' } } });
const N = Number(args.services);
const M = Number(args.endpoints);
const RUNS = Number(args.runs);
const TABLE = 'k8tsb-svc';

function services(gen: number): ProxyServicePort[] {
  const out: ProxyServicePort[] = [];
  for (let i = 0; i < N; i++) {
    out.push({
      namespace: 'bench', name: `s${i}`, portName: 'http', protocol: 'tcp', port: 80,
      clusterIP: `10.199.${52 + Math.floor(i / 250)}.${(i % 250) + 1}`, nodePort: 30000 + i, externalIPs: [],
      externalTrafficLocal: false, internalTrafficLocal: false,
      endpoints: Array.from({ length: M }, (_, j) => ({ ip: `10.199.50.${((i * M + j + gen) % 250) + 1}`, port: 8000 + j, local: true, ready: true, serving: true, terminating: false })),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const canApply = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;
  const render: number[] = [];
  const apply: number[] = [];
  let bytes = 0;
  try {
    for (let r = 0; r < RUNS; r++) {
      const svcs = services(r); // a different endpoint set each run, so every apply is a real change
      const t0 = performance.now();
      const rules = renderProxyRules({ tableName: TABLE, clusterCIDR: '10.42.0.0/16', nodeIPs: [], services: svcs });
      const t1 = performance.now();
      bytes = rules.length;
      render.push(t1 - t0);
      if (canApply) {
        await applyNft(rules);
        apply.push(performance.now() - t1);
      }
      console.error(`run ${r + 1}: render ${(t1 - t0).toFixed(1)} ms${canApply ? `, apply ${apply[apply.length - 1].toFixed(1)} ms` : ''}`);
    }
  } finally {
    if (canApply) spawnSync('nft', ['delete', 'table', 'ip', TABLE]);
  }
  const med = (xs: number[]) => (xs.length ? +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1) : null);
  const result = { services: N, endpointsPerService: M, runs: RUNS, rulesetBytes: bytes, renderMsMedian: med(render), applyMsMedian: med(apply), totalMsMedian: canApply ? med(render.map((x, i) => x + apply[i])) : null };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
