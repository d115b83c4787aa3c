// Generated round-trip test over every built-in kind the server serves: a full object is
// synthesized from the kind's schema (every field set, to a non-zero value of its type, down
// to a nesting limit), then JSON → protobuf (our encoder) → JSON (our decoder) must give the
// same object back. Lists, watch frames and Status ride along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { resources, apiVersionOf } from '../registry/index.js';
import { getMessage, messageFor, type FieldSchema } from './schema.js';
import { decodeK8sProtobuf, decodeProtobufMessage } from './protobuf.js';
import { encodeEnvelope, encodeK8sProtobufObject, encodeListParts, encodeMessageBytes, encodeWatchFrame, envelopeRawOffset, ENVELOPE_TAIL_BYTES, splitWatchFrames, WATCH_EVENT } from './protobuf-encode.js';
import { encodeK8sProtobuf } from './testing/protobuf-encoder.js';

type Obj = Record<string, unknown>;

const MAX_DEPTH = 7;

function scalarValue(f: FieldSchema, salt: number): unknown {
  switch (f.scalar) {
    case 'string': return salt % 3 === 0 ? `v-${f.json}-ü${salt}` : `v-${f.json}-${salt}`;
    case 'bytes': return Buffer.from(`bytes-${f.json}`).toString('base64');
    case 'int32': return salt % 2 ? 7 + salt : -3;
    case 'int64': return salt % 2 ? 1_234_567_890_123 : -42;
    case 'bool': return true;
    default: throw new Error('not scalar');
  }
}

function specialValue(f: FieldSchema, salt: number): unknown {
  switch (f.special) {
    case 'quantity': return salt % 2 ? '1500m' : '2Gi';
    case 'int-or-string': return salt % 2 ? 8080 : 'http';
    case 'time': return '2024-01-02T03:04:05Z';
    case 'micro-time': return '2024-01-02T03:04:05.123456Z';
    case 'duration': return '1m30s';
    case 'raw-extension': return { apiVersion: 'example.com/v1', kind: 'Thing', spec: { n: 1, s: 'x' } };
    case 'fields-v1': return { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } };
    case 'string-list': return ['a', 'b'];
    default: throw new Error('not special');
  }
}

/** A value for one field, or undefined past the nesting limit. */
function valueOf(f: FieldSchema, depth: number, salt: number): unknown {
  const one = (s: number): unknown => (f.scalar ? scalarValue(f, s) : f.special ? specialValue(f, s) : synthesize(f.type, depth + 1, s));
  if (!f.scalar && !f.special && depth >= MAX_DEPTH) return undefined;
  if (f.map) {
    const v = one(salt);
    return v === undefined ? undefined : { 'k-a': v, 'k/b': one(salt + 1) };
  }
  if (f.repeated) {
    const v = one(salt);
    return v === undefined ? undefined : [v, one(salt + 1)];
  }
  return one(salt);
}

function synthesize(type: string, depth: number, salt: number): Obj | undefined {
  const msg = getMessage(type);
  assert.ok(msg, `schema for ${type}`);
  const out: Obj = {};
  let i = salt;
  for (const f of msg.fields) {
    if (f.noJson) continue;
    if (f.inline && !f.scalar) {
      Object.assign(out, synthesize(f.type, depth, i++) ?? {});
      continue;
    }
    const v = valueOf(f, depth, i++);
    if (v !== undefined) out[f.json] = v;
  }
  return out;
}

/** The first path where two JSON values differ (for readable failures). */
function firstDiff(a: unknown, b: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDiff((a as Obj)[k], (b as Obj)[k], `${path}.${k}`);
      if (d) return d;
    }
    return `${path}: keys ${Object.keys(a).join()} != ${Object.keys(b).join()}`;
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 120)} != ${JSON.stringify(b)?.slice(0, 120)}`;
}

const kinds = new Map<string, { apiVersion: string; kind: string; listKind: string; message: string }>();
for (const def of resources) {
  const message = messageFor(def.group, def.version, def.kind);
  if (!message) continue;
  const apiVersion = apiVersionOf(def.group, def.version);
  kinds.set(`${apiVersion}/${def.kind}`, { apiVersion, kind: def.kind, listKind: def.listKind, message });
}

test('the registry has protobuf messages for the built-in kinds', () => {
  assert.ok(kinds.size >= 40, `only ${kinds.size} kinds with protobuf messages`);
  for (const k of ['v1/Pod', 'apps/v1/Deployment', 'v1/Secret', 'batch/v1/Job', 'rbac.authorization.k8s.io/v1/Role']) assert.ok(kinds.has(k), k);
});

for (const [id, k] of kinds) {
  test(`round trip JSON → protobuf → JSON: ${id}`, () => {
    const body = synthesize(k.message, 0, 1)!;
    const obj = { apiVersion: k.apiVersion, kind: k.kind, ...body };
    const pb = encodeK8sProtobufObject(obj);
    assert.ok(pb, 'encodes');
    const back = decodeK8sProtobuf(pb);
    assert.equal(back.apiVersion, k.apiVersion);
    assert.equal(back.kind, k.kind);
    const d = firstDiff(back.object, obj);
    assert.equal(d, undefined);
    assert.deepEqual(back.object, obj);
    // The Go-shaped form (the reference encoder writes every non-pointer struct, as Go does)
    // round-trips through our encoder as well.
    const goShaped = decodeK8sProtobuf(encodeK8sProtobuf(obj)).object;
    assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobufObject(goShaped)!).object, goShaped);
  });
}

test('round trip of a list and its metadata', () => {
  const k = kinds.get('v1/Pod')!;
  const items = [1, 2, 3].map((s) => ({ apiVersion: 'v1', kind: 'Pod', ...synthesize(k.message, 1, s) }));
  const parts = encodeListParts('v1', 'PodList', { resourceVersion: '12', continue: 'abc', remainingItemCount: 5 }, items.map((o) => encodeMessageBytes(k.message, o)));
  const back = decodeK8sProtobuf(Buffer.concat(parts));
  assert.equal(back.kind, 'PodList');
  assert.deepEqual(back.object.metadata, { resourceVersion: '12', continue: 'abc', remainingItemCount: 5 });
  // List items carry no typeMeta on the wire (Go's json adds none either for typed lists).
  assert.deepEqual(back.object.items, items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest));
});

test('watch frames: length-prefixed WatchEvents with the object envelope as RawExtension', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', resourceVersion: '9', creationTimestamp: '2024-01-02T03:04:05Z' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const frames = Buffer.concat([encodeWatchFrame('ADDED', encodeK8sProtobufObject(pod)!), encodeWatchFrame('DELETED', encodeK8sProtobufObject(pod)!)]);
  const { frames: got, rest } = splitWatchFrames(frames.subarray(0, frames.length - 1));
  assert.equal(got.length, 1);
  assert.ok(rest.length > 0);
  const all = splitWatchFrames(frames);
  assert.equal(all.frames.length, 2);
  assert.equal(all.rest.length, 0);
  const ev = decodeProtobufMessage(WATCH_EVENT, all.frames[1]!);
  assert.deepEqual(ev, { type: 'DELETED', object: pod });
});

test('Status and DeleteOptions (meta kinds under a group version) round trip', () => {
  const status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobufObject(status)!).object, status);
  const opts = { apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'u1', resourceVersion: '7' }, orphanDependents: false, propagationPolicy: 'Foreground', dryRun: ['All'] };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobufObject(opts)!).object, opts);
});

test('null creationTimestamp stays null; custom kinds have no protobuf form', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: null }, data: { a: 'b' } };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobufObject(cm)!).object, cm);
  assert.equal(encodeK8sProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), undefined);
});

test('long strings and big messages get multi-byte lengths', () => {
  const big = 'x'.repeat(70_000) + 'é';
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { a: big } }, data: { k: big } };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobufObject(cm)!).object, cm);
});

test('envelopeRawOffset finds the message inside an envelope', () => {
  const msg = encodeMessageBytes('k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'x'.repeat(300) }, data: { a: 'b' } });
  for (const kind of ['ConfigMap', 'K'.repeat(130)]) {
    const env = encodeEnvelope('v1', kind, msg);
    const at = envelopeRawOffset(env);
    assert.deepEqual(env.subarray(at, env.length - ENVELOPE_TAIL_BYTES), msg);
  }
});

test('fieldsV1 sliced from the cached JSON gives the same bytes as serializing it', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: 'p', annotations: { note: 'a "fieldsV1": {"x":1} look-alike in a value' },
      managedFields: [
        { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } } },
        { manager: 'k\\"x', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a}b': {}, 'f:c{': {} } } }, subresource: 'status' },
      ],
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  };
  const json = JSON.stringify(pod);
  const msg = 'k8s.io.api.core.v1.Pod';
  assert.deepEqual(encodeMessageBytes(msg, pod, 16, json), encodeMessageBytes(msg, pod));
  // A fieldsV1 key elsewhere (a raw extension, an unknown field) disables the shortcut safely.
  const odd = { ...pod, extra: { fieldsV1: { z: 1 } } };
  assert.deepEqual(encodeMessageBytes(msg, odd, 16, JSON.stringify(odd)), encodeMessageBytes(msg, odd));
});
