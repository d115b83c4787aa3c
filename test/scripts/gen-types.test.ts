// The type generator (scripts/gen-types.mjs) on tiny in-memory facts tables: special wire types
// keep their JSON shapes, optionality follows omitempty/pointer, kinds extend KObject, and name
// collisions give the plain name to the preferred group. Also: the committed output is current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KObject, Pod, WatchEvent } from '../../src/api/types/index.js';

const root = process.env.K8TS_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Field {
  name: string; number: number; type: string; json?: string;
  omitempty?: boolean; goPointer?: boolean; repeated?: boolean; map?: boolean; keyType?: string; inline?: boolean;
}
interface Generator {
  generateTypes(facts: { messages: Record<string, Field[]> }): string;
  typeNames(names: string[]): Map<string, string>;
}

async function generator(): Promise<Generator> {
  const mod: Generator = await import(pathToFileURL(join(root, 'scripts/gen-types.mjs')).href);
  return mod;
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const CORE = 'k8s.io.api.core.v1';

/** The body of `export interface NAME … { … }` in the generated text. */
function iface(text: string, name: string): string {
  const m = new RegExp(`export interface ${name}\\b([^{]*)\\{([^}]*)\\}`).exec(text);
  assert.ok(m, `interface ${name} generated`);
  return `${m[1].trim()}|${m[2].trim().replace(/\s*\n\s*/g, ' ')}`;
}

test('special wire types keep their JSON shapes', { timeout: 10_000 }, async () => {
  const { generateTypes } = await generator();
  const text = generateTypes({
    messages: {
      'k8s.io.apimachinery.pkg.api.resource.Quantity': [{ name: 'string', number: 1, type: 'string' }],
      'k8s.io.apimachinery.pkg.util.intstr.IntOrString': [{ name: 'type', number: 1, type: 'int64' }],
      [`${META}.Time`]: [{ name: 'seconds', number: 1, type: 'int64' }],
      [`${META}.MicroTime`]: [{ name: 'seconds', number: 1, type: 'int64' }],
      [`${META}.Duration`]: [{ name: 'duration', number: 1, type: 'int64' }],
      [`${META}.FieldsV1`]: [{ name: 'Raw', number: 1, type: 'bytes', json: '-' }],
      'k8s.io.apimachinery.pkg.runtime.RawExtension': [{ name: 'raw', number: 1, type: 'bytes', json: '-' }],
      [`${CORE}.Thing`]: [
        { name: 'q', number: 1, type: 'k8s.io.apimachinery.pkg.api.resource.Quantity', map: true, keyType: 'string', omitempty: true },
        { name: 'port', number: 2, type: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString' },
        { name: 'at', number: 3, type: `${META}.Time` },
        { name: 'since', number: 4, type: `${META}.Time`, goPointer: true, omitempty: true },
        { name: 'micro', number: 5, type: `${META}.MicroTime`, omitempty: true },
        { name: 'wait', number: 6, type: `${META}.Duration`, goPointer: true },
        { name: 'fields', number: 7, type: `${META}.FieldsV1`, goPointer: true },
        { name: 'raw', number: 8, type: 'k8s.io.apimachinery.pkg.runtime.RawExtension', omitempty: true },
        { name: 'data', number: 9, type: 'bytes', omitempty: true },
        { name: 'count', number: 10, type: 'int32' },
        { name: 'big', number: 11, type: 'int64', goPointer: true },
        { name: 'on', number: 12, type: 'bool', omitempty: true },
        { name: 'tags', number: 13, type: 'string', repeated: true },
        { name: 'uID', json: 'uid', number: 14, type: 'string', omitempty: true },
        { name: 'secret', json: '-', number: 15, type: 'bytes' },
      ],
    },
  });
  assert.match(text, /export type Quantity = string;/);
  assert.match(text, /export type IntOrString = number \| string;/);
  assert.match(text, /export type Time = string;/);
  assert.match(text, /export type MicroTime = string;/);
  assert.match(text, /export type Duration = string;/);
  assert.match(text, /export type FieldsV1 = Record<string, unknown>;/);
  assert.match(text, /export type RawExtension = unknown;/);
  assert.doesNotMatch(text, /interface (Quantity|Time|RawExtension)\b/);
  assert.equal(iface(text, 'Thing'), '|' + [
    'q?: Record<string, Quantity>;', 'port: IntOrString;', 'at: Time | null;', 'since?: Time;', 'micro?: MicroTime | null;',
    'wait?: Duration;', 'fields?: FieldsV1;', 'raw?: RawExtension;', 'data?: string;', 'count: number;', 'big?: number;',
    'on?: boolean;', 'tags: string[];', 'uid?: string;',
  ].join(' '));
});

test('kinds extend KObject with required metadata; lists get TypeMeta; inline structs are extended', { timeout: 10_000 }, async () => {
  const { generateTypes } = await generator();
  const text = generateTypes({
    messages: {
      [`${META}.ObjectMeta`]: [{ name: 'name', number: 1, type: 'string', omitempty: true }],
      [`${META}.ListMeta`]: [{ name: 'continue', number: 1, type: 'string', omitempty: true }],
      [`${CORE}.Pod`]: [
        { name: 'metadata', number: 1, type: `${META}.ObjectMeta`, omitempty: true },
        { name: 'spec', number: 2, type: `${CORE}.PodSpec`, omitempty: true },
      ],
      [`${CORE}.PodList`]: [
        { name: 'metadata', number: 1, type: `${META}.ListMeta`, omitempty: true },
        { name: 'items', number: 2, type: `${CORE}.Pod`, repeated: true },
      ],
      [`${CORE}.PodSpec`]: [{ name: 'base', number: 1, type: `${CORE}.Base`, inline: true }],
      [`${CORE}.Base`]: [{ name: 'x', number: 1, type: 'string' }],
    },
  });
  assert.match(text, /import type \{ KObject \} from '\.\/meta\.js';/);
  assert.equal(iface(text, 'Pod'), 'extends KObject|metadata: ObjectMeta; spec?: PodSpec;');
  assert.equal(iface(text, 'PodList'), '|apiVersion?: string; kind?: string; metadata?: ListMeta; items: Pod[];');
  assert.equal(iface(text, 'PodSpec'), 'extends Base|');
  assert.throws(() => generateTypes({ messages: { [`${CORE}.A`]: [{ name: 'b', number: 1, type: `${CORE}.Missing` }] } }), /unknown type/);
});

test('name collisions: core first, then meta, then stable and newer versions, then group name; others qualified', { timeout: 10_000 }, async () => {
  const { typeNames } = await generator();
  const names = typeNames([
    'k8s.io.api.events.v1.Event', `${CORE}.Event`,
    `${META}.Preconditions`, `${CORE}.Preconditions`,
    'k8s.io.apimachinery.pkg.runtime.TypeMeta', `${META}.TypeMeta`,
    'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler', 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler',
    'k8s.io.api.flowcontrol.v1beta3.Subject', 'k8s.io.api.rbac.v1.Subject', 'k8s.io.api.flowcontrol.v1.Subject',
    'k8s.io.api.batch.v1.Job',
  ]);
  assert.deepEqual(Object.fromEntries(names), {
    'k8s.io.api.events.v1.Event': 'EventsV1Event',
    [`${CORE}.Event`]: 'Event',
    [`${META}.Preconditions`]: 'MetaV1Preconditions',
    [`${CORE}.Preconditions`]: 'Preconditions',
    'k8s.io.apimachinery.pkg.runtime.TypeMeta': 'RuntimeTypeMeta',
    [`${META}.TypeMeta`]: 'TypeMeta',
    'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler': 'AutoscalingV1HorizontalPodAutoscaler',
    'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
    'k8s.io.api.flowcontrol.v1beta3.Subject': 'FlowcontrolV1beta3Subject',
    // Same stability and version: the group name decides (flowcontrol < rbac).
    'k8s.io.api.rbac.v1.Subject': 'RbacV1Subject',
    'k8s.io.api.flowcontrol.v1.Subject': 'Subject',
    'k8s.io.api.batch.v1.Job': 'Job',
  });
});

test('committed src/api/types/generated.ts matches the facts', { timeout: 30_000 }, async () => {
  const { generateTypes } = await generator();
  const facts = JSON.parse(readFileSync(join(root, 'scripts/schema/k8s-wire-facts.json'), 'utf8'));
  const committed = readFileSync(join(root, 'src/api/types/generated.ts'), 'utf8');
  assert.ok(generateTypes(facts) === committed, 'generated.ts is stale: run node scripts/gen-types.mjs');
});

test('generated kinds pass where a KObject is expected (a compile-time check, run for the record)', { timeout: 10_000 }, () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const asObject: KObject = pod;
  const ev: WatchEvent<Pod> = { type: 'ADDED', object: pod };
  assert.equal(asObject.metadata.name, ev.object.metadata.name);
});
