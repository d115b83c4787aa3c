// The Node authorizer's cost in process: a kubelet's Secret GET decided through the graph,
// the pass-through for everyone else (every API request meets it), and keeping the graph
// (pod add/update) at 10,000 bound pods, with its heap.
// Usage: node --expose-gc dist/bench/node-authorizer.bench.js [--pods N]
import { parseArgs } from 'node:util';
import { NodeGraph } from '../src/apiserver/auth/node-graph.js';
import { NodeAuthorizer } from '../src/apiserver/auth/node-authorizer.js';
import { AuthenticatedAuthorizer, AuthorizerChain, MastersAuthorizer } from '../src/apiserver/auth/authorizers.js';
import type { Authorizer } from '../src/apiserver/auth/user.js';
import type { RequestAttributes } from '../src/apiserver/auth/user.js';
import type { Pod } from '../src/api/types/index.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '10000' } } });
const PODS = Number(values.pods);
const NODES = 100;

const pod = (i: number, node: number, rev = 0): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p${i}`, namespace: `ns${i % 50}`, uid: `u${i}`, resourceVersion: String(rev) },
  spec: {
    nodeName: `n${node}`,
    serviceAccountName: 'default',
    containers: [{ name: 'c', image: 'nginx', envFrom: [{ configMapRef: { name: `cm${i % 200}` } }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: `s${i}`, key: 'k' } } }] }],
    volumes: [{ name: 'v', secret: { secretName: `vol${i}` } }],
  },
});

function time(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label.padEnd(58)} ${ns.toFixed(0).padStart(7)} ns/op`);
}

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const graph = new NodeGraph();
const pods = Array.from({ length: PODS }, (_, i) => pod(i, i % NODES));
time(`graph: record a pod (add or replace; ${PODS} pods, ${NODES} nodes)`, PODS, (i) => graph.setPod(pods[i]));
gc?.();
const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
console.log(`${`graph heap for ${PODS} pods (incl. the pod objects, --expose-gc)`.padEnd(58)} ${heapMb.toFixed(1).padStart(7)} MB`);
time('graph: update a pod (same node)', PODS, (i) => graph.setPod(pod(i, i % NODES, 1)));

const node = new NodeAuthorizer(graph);
const plain = new AuthenticatedAuthorizer();
// The server's chain (masters → Node authorizer → RBAC); the RBAC stand-in grants nodes nothing,
// as the default policy does, and every other authenticated user everything.
const rbacStandIn: Authorizer = {
  authorize: (a) => (a.user.groups.includes('system:nodes') ? { allowed: false, reason: '' } : plain.authorize(a)),
  rulesFor: (u) => plain.rulesFor(u),
};
const chain = new AuthorizerChain([new MastersAuthorizer(), node, rbacStandIn]);
const nodeUser = (n: number) => ({ username: `system:node:n${n}`, groups: ['system:nodes', 'system:authenticated'] });
const users = Array.from({ length: NODES }, (_, n) => nodeUser(n));
const jane = { username: 'jane', groups: ['system:authenticated'] };
const get = (user: RequestAttributes['user'], i: number): RequestAttributes => ({ user, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: `ns${i % 50}`, name: `s${i}` });
const allowedReqs = Array.from({ length: 1000 }, (_, i) => get(users[i % NODES], i));
const deniedReqs = Array.from({ length: 1000 }, (_, i) => get(users[(i + 1) % NODES], i));
const janeReqs = Array.from({ length: 1000 }, (_, i) => get(jane, i));
time('kubelet GET of its pod\'s Secret (allowed through the graph)', 1_000_000, (i) => chain.authorize(allowedReqs[i % 1000]));
time('kubelet GET of another node\'s Secret (refused)', 1_000_000, (i) => chain.authorize(deniedReqs[i % 1000]));
time('another user through the chain (Node authorizer: no opinion)', 1_000_000, (i) => chain.authorize(janeReqs[i % 1000]));
time('another user, the next authorizer alone (baseline)', 1_000_000, (i) => plain.authorize(janeReqs[i % 1000]));
