// The CRD schema library in process (issue 15): what validating a custom object against its
// schema costs per request. A schema in the shape of an operator's CRD (nested spec, list-type
// map of containers with an int-or-string port, labels map, an embedded template, enums,
// patterns, bounds, a date-time) is compiled once; then per object, ns per call of:
//   prune + applyDefaults + validate   what a create does (decode-time pruning and defaulting, then validation)
//   validate, no rules                 the OpenAPI checks alone
//   validate, with 3 CEL rules         the same schema plus x-kubernetes-validations
//   validate an update (transition rule) with oldSelf on the spec
// and, once, compileSchema and validateCrdSchema (what a CRD write costs), and the heap the
// library's first load adds (CEL evaluator included).
//
//   node --expose-gc dist/bench/crd-schema.bench.js [--iterations N]
//
// Prints a table and, last, `RESULT {...}` with every figure.
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
const N = Number(args.iterations);

function heapMB(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

const heapBefore = heapMB();
const rssBefore = process.memoryUsage().rss / 1e6;
const lib = await import('../src/api/crd-schema/index.js');
const heapAfterLoad = heapMB();
const rssAfterLoad = process.memoryUsage().rss / 1e6;

type Schema = Record<string, unknown>;
const container: Schema = {
  type: 'object', required: ['name', 'image'],
  properties: {
    name: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    image: { type: 'string', minLength: 1 },
    port: { 'x-kubernetes-int-or-string': true },
    protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' },
    resources: { type: 'object', properties: { cpu: { type: 'string' }, memory: { type: 'string' } } },
  },
};
function schema(withRules: boolean): Schema {
  const spec: Schema = {
    type: 'object', required: ['replicas', 'containers'],
    properties: {
      replicas: { type: 'integer', minimum: 0, maximum: 1000, default: 1 },
      maxReplicas: { type: 'integer', minimum: 1, default: 10 },
      paused: { type: 'boolean', default: false },
      strategy: { type: 'string', enum: ['Recreate', 'RollingUpdate'], default: 'RollingUpdate' },
      schedule: { type: 'string', format: 'date-time' },
      labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
      containers: { type: 'array', minItems: 1, maxItems: 20, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: container },
      template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    },
  };
  if (withRules) {
    spec['x-kubernetes-validations'] = [
      { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
      { rule: 'self.containers.all(c, c.image.contains(":"))', message: 'images need a tag' },
      { rule: '!has(oldSelf.paused) || !oldSelf.paused || self.replicas == oldSelf.replicas', message: 'no scaling while paused' },
    ];
  }
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' },
      spec,
      status: { type: 'object', properties: { ready: { type: 'integer' }, conditions: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
    },
  };
}

function object(i: number): Record<string, unknown> {
  return {
    apiVersion: 'example.k8ts.io/v1', kind: 'Widget', metadata: { name: `k8ts-bench-${i}`, namespace: 'default', labels: { app: 'w' } },
    spec: {
      replicas: 3, schedule: '2026-12-06T10:00:00Z', labels: { team: 'a', tier: 'web' },
      containers: [
        { name: 'web', image: 'nginx:1.25', port: 80, resources: { cpu: '100m', memory: '64Mi' } },
        { name: 'sidecar', image: 'busybox:1.36', port: 'metrics', protocol: 'TCP' },
      ],
      template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
      tags: ['a', 'b', 'c'],
      unknownField: 'pruned',
    },
  };
}

const ROUNDS = 5;

/** Median over ROUNDS rounds of N calls (the machine is shared, single rounds swing). */
function time(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(N, 2000); i++) fn(i); // warm up
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    per.push(Number(process.hrtime.bigint() - t0) / N);
  }
  const ns = per.sort((a, b) => a - b)[ROUNDS >> 1];
  console.log(`${label.padEnd(56)} ${ns.toFixed(0).padStart(9)} ns`);
  return ns;
}

const plain = lib.compileSchema(schema(false));
const ruled = lib.compileSchema(schema(true));
const objects = Array.from({ length: 64 }, (_, i) => object(i));
const prepared = objects.map((o) => { const c = structuredClone(o); plain.prune(c); plain.applyDefaults(c); return c; });
for (const o of prepared) {
  const errs = ruled.validate(o);
  if (errs.length) throw new Error(`benchmark object does not validate: ${JSON.stringify(errs)}`);
}
const olds = prepared.map((o) => structuredClone(o));

console.log(`crd-schema: median of ${ROUNDS} rounds of ${N} calls per figure; Node ${process.version}`);
const fig: Record<string, number> = {};
fig.createPath = time('prune + applyDefaults + validate (rules), one create', (i) => {
  const o = structuredClone(objects[i & 63]);
  ruled.prune(o); ruled.applyDefaults(o); ruled.validate(o);
});
fig.structuredCloneOnly = time('  of which structuredClone of the body (not the library)', (i) => { structuredClone(objects[i & 63]); });
fig.validateNoRules = time('validate, no rules', (i) => { plain.validate(prepared[i & 63]); });
fig.validateRules = time('validate, 3 CEL rules (one transition rule skipped)', (i) => { ruled.validate(prepared[i & 63]); });
fig.validateUpdate = time('validate an update (3 rules incl. oldSelf)', (i) => { ruled.validate(prepared[i & 63], olds[i & 63]); });
fig.prune = time('prune (already pruned object)', (i) => { plain.prune(prepared[i & 63]); });
fig.applyDefaults = time('applyDefaults (already defaulted object)', (i) => { plain.applyDefaults(prepared[i & 63]); });
const M = Math.max(1, Math.floor(N / 20));
let t0 = process.hrtime.bigint();
for (let i = 0; i < M; i++) lib.compileSchema(schema(true));
fig.compileSchemaUs = Number(process.hrtime.bigint() - t0) / M / 1000;
t0 = process.hrtime.bigint();
for (let i = 0; i < M; i++) lib.validateCrdSchema(schema(true), 'spec.versions[0].schema.openAPIV3Schema');
fig.validateCrdSchemaUs = Number(process.hrtime.bigint() - t0) / M / 1000;
console.log(`${'compileSchema (3 rules), per CRD version'.padEnd(56)} ${fig.compileSchemaUs.toFixed(0).padStart(9)} µs`);
console.log(`${'validateCrdSchema (3 rules, defaults), per CRD version'.padEnd(56)} ${fig.validateCrdSchemaUs.toFixed(0).padStart(9)} µs`);
fig.heapLoadMB = Number((heapAfterLoad - heapBefore).toFixed(2));
fig.rssLoadMB = Number((rssAfterLoad - rssBefore).toFixed(2));
console.log(`library load: heap +${fig.heapLoadMB} MB, RSS +${fig.rssLoadMB} MB${globalThis.gc ? '' : ' (run with --expose-gc for a steadier heap figure)'}`);
console.log(`RESULT ${JSON.stringify(fig)}`);
