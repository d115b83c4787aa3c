// The shared helpers on their hot paths (issue 11, "one home per helper"): ns per call of the
// pod-template hash, canonical JSON of a pod status (the kubelet's write-skip key), the
// scheduler's taint filter, IPv4 recognition (the proxy checks every endpoint address) and
// CIDR parsing/containment. With --base DIR (a compiled older checkout, e.g. one made with
// `git archive <commit> | tar -x -C DIR` and `tsc`), the same calls are timed on that build's
// copies of the helpers, alternating A/B rounds, so both see the same machine load.
//
//   node dist/bench/helpers.bench.js [--base DIR]
//
// Prints a table and, last, `RESULT {...}` with every figure.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeHash } from '../src/controllers/deployment/hash.js';
import { canonicalJson } from '../src/util/canonical-json.js';
import { findUntoleratedNoScheduleOrNoExecuteTaint, type Taint, type Toleration } from '../src/api/taints.js';
import { cidrContains, isIPv4, parseIPv4Cidr } from '../src/util/net.js';

const { values: args } = parseArgs({ options: { base: { type: 'string' } } });

type Impl = {
  hash(t: unknown): string;
  canonical(v: unknown): string;
  untolerated(taints: Taint[], tols: Toleration[]): Taint | undefined;
  ipv4(s: string): boolean;
  contains(cidr: string, ip: string): boolean;
};

const current: Impl = {
  hash: (t) => computeHash(t as never),
  canonical: (v) => canonicalJson(v),
  untolerated: (taints, tols) => findUntoleratedNoScheduleOrNoExecuteTaint(taints, tols),
  ipv4: (s) => isIPv4(s),
  contains: (cidr, ip) => cidrContains(parseIPv4Cidr(cidr), ip),
};

/** The same calls on an older build's copies (paths as they were before issue 11). */
async function baseImpl(dir: string): Promise<Impl> {
  const load = (p: string): Promise<Record<string, (...a: never[]) => unknown>> => import(pathToFileURL(join(resolve(dir), 'dist', p)).href);
  const [hash, status, taint, rules, cidr] = await Promise.all([
    load('src/controllers/deployment/hash.js'),
    load('src/kubelet/status/status-manager.js'),
    load('src/scheduler/plugins/taint-toleration/taint-toleration.js'),
    load('src/proxy/rules.js'),
    load('src/runtime/network/cidr.js'),
  ]);
  const f = <A extends unknown[], R>(m: Record<string, unknown>, name: string) => m[name] as (...a: A) => R;
  const parseCidr = f<[string], unknown>(cidr, 'parseCidr');
  const containsOld = f<[unknown, string], boolean>(cidr, 'contains');
  const hashOld = f<[unknown], string>(hash, 'computeHash');
  const canonicalOld = f<[unknown], string>(status, 'canonicalJson');
  const untoleratedOld = f<[Taint[], Toleration[]], Taint | undefined>(taint, 'findUntoleratedTaint');
  const ipv4Old = f<[string], boolean>(rules, 'isIPv4');
  // Each wrapped in an arrow, as the current build's calls are, so both pay the same call layer.
  return {
    hash: (t) => hashOld(t),
    canonical: (v) => canonicalOld(v),
    untolerated: (taints, tols) => untoleratedOld(taints, tols),
    ipv4: (s) => ipv4Old(s),
    contains: (c, ip) => containsOld(parseCidr(c), ip),
  };
}

const template = {
  metadata: { labels: { app: 'nginx', tier: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } },
  spec: {
    containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '100m', memory: '128Mi' } }, env: [], volumeMounts: [] }],
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, tolerations: null,
  },
};
const podStatus = {
  phase: 'Running', hostIP: '192.168.1.20', podIP: '10.42.0.17', podIPs: [{ ip: '10.42.0.17' }], qosClass: 'Burstable', startTime: '2026-01-01T00:00:00Z',
  conditions: ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:01Z' })),
  containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, started: true, image: 'nginx:1.14.2', imageID: 'sha256:abc', containerID: 'containerd://abc', state: { running: { startedAt: '2026-01-01T00:00:01Z' } }, lastState: {} }],
};
const taints: Taint[] = [
  { key: 'node-role.kubernetes.io/control-plane', effect: 'PreferNoSchedule' },
  { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
];
const tolerations: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'example.com/other', operator: 'Exists' },
];
const addresses = Array.from({ length: 256 }, (_, i) => (i % 16 === 0 ? `fd00::${i}` : `10.42.${i >> 4}.${i}`));

const cases: Array<{ name: string; n: number; run(impl: Impl): unknown }> = [
  { name: 'pod-template hash', n: 20_000, run: (m) => m.hash(template) },
  { name: 'canonical JSON of a pod status', n: 50_000, run: (m) => m.canonical(podStatus) },
  { name: 'taint filter (3 taints, 4 tolerations)', n: 1_000_000, run: (m) => m.untolerated(taints, tolerations) },
  { name: 'isIPv4 (256 addresses, 1/16 IPv6)', n: 5_000, run: (m) => { let k = 0; for (const a of addresses) if (m.ipv4(a)) k++; return k; } },
  { name: 'parse a /24 CIDR and test an address', n: 500_000, run: (m) => m.contains('10.42.3.0/24', '10.42.3.77') },
];

/** ns per call of one case, after a warm-up of the same length. */
function time(impl: Impl, c: (typeof cases)[number]): number {
  let sink: unknown;
  for (let i = 0; i < c.n; i++) sink = c.run(impl);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < c.n; i++) sink = c.run(impl);
  const ns = Number(process.hrtime.bigint() - t0) / c.n;
  if (sink === Symbol.for('never')) console.log(sink);
  return ns;
}

const base = args.base ? await baseImpl(args.base) : undefined;
const ROUNDS = 7;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results: Array<{ case: string; ns: number; baseNs?: number }> = [];
for (const c of cases) {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(time(current, c));
    if (base) b.push(time(base, c));
  }
  results.push({ case: c.name, ns: Math.round(median(a)), ...(base ? { baseNs: Math.round(median(b)) } : {}) });
}
console.log(`${'case'.padEnd(40)} ${'ns/call'.padStart(9)}${base ? `${'base'.padStart(9)}${'ratio'.padStart(8)}` : ''}`);
for (const r of results) {
  const ratio = r.baseNs ? (r.ns / r.baseNs).toFixed(2) : '';
  console.log(`${r.case.padEnd(40)} ${String(r.ns).padStart(9)}${r.baseNs !== undefined ? `${String(r.baseNs).padStart(9)}${ratio.padStart(8)}` : ''}`);
}
console.log(`RESULT ${JSON.stringify({ rounds: ROUNDS, results })}`);
