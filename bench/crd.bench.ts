// Custom resources against built-in ones: create/GET/LIST throughput of a custom resource
// whose schema declares every field (validation, pruning and defaulting on each write)
// against a ConfigMap of the same JSON size, through one in-process API server (memory
// store) and its REST client over the loopback socket; and the time from creating a CRD to
// Established and to the first successful create of one of its objects.
//   node dist/bench/crd.bench.js [--objects 2000] [--concurrency 16] [--lists 20] [--fields 20]
import { startTestApi } from '../src/testing/test-api.js';
import type { KObject } from '../src/api/types/index.js';
import type { ResourceRef } from '../src/client/index.js';
import { R } from '../src/client/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('objects', 2000);
const CONC = arg('concurrency', 16);
const LISTS = arg('lists', 20);
const FIELDS = arg('fields', 20);
const GROUP = 'bench.k8ts.example.com';
const CUSTOM: ResourceRef = { group: GROUP, version: 'v1', resource: 'widgets', namespaced: true, kind: 'Widget' };

const fieldNames = Array.from({ length: FIELDS }, (_, i) => `field${i}`);
const value = 'x'.repeat(24);
const payload = Object.fromEntries(fieldNames.map((f) => [f, value]));

const crd: KObject = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP, scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { data: { type: 'object', properties: Object.fromEntries(fieldNames.map((f) => [f, { type: 'string', maxLength: 64 }])) } } } },
    }],
  },
};

async function pool(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next < n) await fn(next++);
  }));
  return (n / (performance.now() - t0)) * 1000;
}

async function main(): Promise<void> {
  const api = await startTestApi();
  try {
    const c = api.client;
    const t0 = performance.now();
    await c.create(R.customresourcedefinitions, undefined, crd);
    let established = 0;
    for (;;) {
      const o = await c.get<KObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(R.customresourcedefinitions, undefined, `widgets.${GROUP}`);
      if (o.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) {
        established = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    let firstCreate = 0;
    for (;;) {
      try {
        await c.create(CUSTOM, 'default', { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'first' }, data: payload } as KObject);
        firstCreate = performance.now() - t0;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const bodies = {
      configmap: (i: number): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}` }, data: payload }),
      custom: (i: number): KObject => ({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: `o${i}` }, data: payload } as KObject),
    };
    const size = { configmap: JSON.stringify(bodies.configmap(0)).length, custom: JSON.stringify(bodies.custom(0)).length };
    console.log(`crd.bench: ${N} objects of ~${size.custom} B JSON (ConfigMap ~${size.configmap} B), ${FIELDS} string fields, concurrency ${CONC}`);
    console.log(`CRD create → Established: ${established.toFixed(1)} ms; → first object created: ${firstCreate.toFixed(1)} ms`);
    // Two rounds in alternating order (the first also warms the JIT); each round creates
    // N fresh objects of each kind and LISTs all of that kind's objects so far.
    const kinds = [['ConfigMap', R.configmaps, bodies.configmap], ['custom resource', CUSTOM, bodies.custom]] as const;
    for (const round of [0, 1]) {
      for (const [label, res, body] of round ? [...kinds].reverse() : kinds) {
        const base = round * N;
        const create = await pool(N, (i) => c.create(res, 'default', body(base + i)));
        const get = await pool(N, (i) => c.get(res, 'default', `o${base + i}`));
        const tl = performance.now();
        for (let i = 0; i < LISTS; i++) await c.list(res, 'default');
        const list = (LISTS / (performance.now() - tl)) * 1000;
        console.log(`round ${round + 1} ${label.padEnd(16)} create ${create.toFixed(0).padStart(6)}/s   GET ${get.toFixed(0).padStart(6)}/s   LIST of ${base + N} ${list.toFixed(1).padStart(6)}/s`);
      }
    }
  } finally {
    await api.stop();
  }
}

await main();
