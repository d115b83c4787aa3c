import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeK8sProtobuf, encodeBase64, formatGoDuration, formatTime } from './protobuf.js';
import { encodeK8sProtobuf, encodeMessage } from './testing/protobuf-encoder.js';
import { isStatusError } from '../status.js';

type Obj = Record<string, unknown>;

function roundTrip(obj: Obj, opts: { packed?: boolean } = {}): Obj {
  return decodeK8sProtobuf(encodeK8sProtobuf(obj, opts)).object;
}

function assertBadRequest(body: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeK8sProtobuf(body), (e: unknown) => {
    assert.ok(isStatusError(e), `expected StatusError, got ${String(e)}`);
    assert.equal(e.status.code, 400);
    assert.equal(e.status.reason, 'BadRequest');
    assert.match(e.message, pattern);
    return true;
  });
}

test('kubectl create deployment: decodes to the JSON kubectl meant', () => {
  // kubectl-compat §11.3
  const want = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'hello-world', creationTimestamp: null, labels: { app: 'hello-world' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'hello-world' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'hello-world' } },
        spec: { containers: [{ name: 'hello-app', image: 'gcr.io/google-samples/hello-app:1.0', resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  };
  const got = decodeK8sProtobuf(encodeK8sProtobuf(want));
  assert.equal(got.apiVersion, 'apps/v1');
  assert.equal(got.kind, 'Deployment');
  assert.deepEqual(got.object, want);
});

test('pointer scalars keep explicit zeros; non-pointer zeros are dropped', () => {
  const want = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'z', creationTimestamp: null },
    spec: { replicas: 0, revisionHistoryLimit: 0, template: { metadata: { creationTimestamp: null }, spec: {} }, strategy: {} },
    status: {},
  };
  assert.deepEqual(roundTrip(want), want);
  // minReadySeconds: 0 and paused: false are non-pointer zeros → dropped.
  const withZeros = structuredClone(want) as { spec: Obj };
  withZeros.spec.minReadySeconds = 0;
  withZeros.spec.paused = false;
  assert.deepEqual(roundTrip(withZeros), want);
});

test('namespace', () => {
  const want = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', creationTimestamp: null }, spec: {}, status: {} };
  assert.deepEqual(roundTrip(want), want);
});

test('service with int and string targetPort', () => {
  const want = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'my-svc', creationTimestamp: null, labels: { app: 'my-svc' } },
    spec: {
      ports: [
        { name: '5678-8080', protocol: 'TCP', port: 5678, targetPort: 8080 },
        { name: 'web', protocol: 'TCP', port: 80, targetPort: 'http' },
      ],
      selector: { app: 'my-svc' },
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
  assert.deepEqual(roundTrip(want), want);
});

test('configmap keeps empty map values', () => {
  const want = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', creationTimestamp: null }, data: { a: '1', empty: '', 'ünï': 'çödé ✓' } };
  assert.deepEqual(roundTrip(want), want);
});

test('secret bytes map becomes base64', () => {
  const hello = btoa('hello');
  const bin = btoa(String.fromCharCode(0, 255, 128, 1, 2));
  const want = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', creationTimestamp: null }, data: { hello, bin, none: '' }, type: 'Opaque' };
  assert.deepEqual(roundTrip(want), want);
});

test('auth reviews', () => {
  const ssar = {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null },
    spec: { resourceAttributes: { namespace: 'kube-system', verb: 'get', resource: 'pods', subresource: 'log' } },
    status: {},
  };
  assert.deepEqual(roundTrip(ssar), ssar);
  const ssarUrl = {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null },
    spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } }, status: {},
  };
  assert.deepEqual(roundTrip(ssarUrl), ssarUrl);
  const ssrr = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: { creationTimestamp: null }, spec: { namespace: 'default' }, status: {} };
  assert.deepEqual(roundTrip(ssrr), ssrr);
  const ssr = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { creationTimestamp: null }, status: { userInfo: {} } };
  assert.deepEqual(roundTrip(ssr), ssr);
});

test('token request: int64 pointer, Time zero → null', () => {
  const want = {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    metadata: { name: 'default', namespace: 'default', creationTimestamp: null },
    spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u-1' } },
    status: { expirationTimestamp: null },
  };
  assert.deepEqual(roundTrip(want), want);
});

test('job keeps pointer zero backoffLimit and suspend=false', () => {
  const want = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', creationTimestamp: null },
    spec: {
      backoffLimit: 0, suspend: false,
      template: {
        metadata: { creationTimestamp: null },
        spec: { containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e', 'print 1'], resources: { limits: { cpu: '500m', memory: '64Mi' } } }], restartPolicy: 'Never' },
      },
    },
    status: {},
  };
  assert.deepEqual(roundTrip(want), want);
});

test('horizontal pod autoscaler v1 and v2', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', creationTimestamp: null },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: {},
  };
  assert.deepEqual(roundTrip(v1), v1);
  const v2 = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', creationTimestamp: null },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
    },
    status: { desiredReplicas: 0 },
  };
  const got = roundTrip(v2);
  // desiredReplicas is a non-pointer zero: dropped.
  assert.deepEqual(got, { ...v2, status: {} });
});

test('times, micro times, negative and large ints, packed and unpacked lists', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', creationTimestamp: '2024-01-01T00:00:00Z', deletionTimestamp: '2030-06-15T12:34:56Z', generation: 2 ** 40, deletionGracePeriodSeconds: 0 },
    spec: { containers: [], securityContext: { supplementalGroups: [1000, 2 ** 33, -1], runAsUser: -5 } },
    status: {},
  };
  const want = { ...pod, spec: { securityContext: pod.spec.securityContext } };
  assert.deepEqual(roundTrip(pod), want);
  assert.deepEqual(roundTrip(pod, { packed: true }), want);
  const ev = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event',
    metadata: { name: 'e', creationTimestamp: null }, eventTime: '2024-03-04T05:06:07.123456Z', reason: 'Started',
    regarding: {}, deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null,
  };
  assert.deepEqual(roundTrip(ev), ev);
});

test('raw extension, fields v1 and duration', () => {
  const rev = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', creationTimestamp: null,
      managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }] },
    data: { spec: { template: { x: [1, 'two', null] } } }, revision: 3,
  };
  assert.deepEqual(roundTrip(rev), rev);
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(1.5e9), '1.5s');
  assert.equal(formatGoDuration(90e9), '1m30s');
  assert.equal(formatGoDuration(3600e9), '1h0m0s');
  assert.equal(formatGoDuration(2.5e6), '2.5ms');
  assert.equal(formatGoDuration(-3e9), '-3s');
  assert.equal(formatTime(0, 0, false), null);
  assert.equal(formatTime(1704067200, 500_000_000, false), '2024-01-01T00:00:00Z');
  assert.equal(formatTime(1704067200, 1000, true), '2024-01-01T00:00:00.000001Z');
});

test('networking/v1beta1 Ingress (hand-written schema) decodes', () => {
  const want = {
    apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', metadata: { name: 'i', creationTimestamp: null },
    spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { serviceName: 'web', servicePort: 80 } }] } }] },
    status: { loadBalancer: {} },
  };
  assert.deepEqual(roundTrip(want), want);
});

test('unknown fields on the wire are skipped', () => {
  const ns = encodeMessage('k8s.io.api.core.v1.Namespace', { metadata: { name: 'x' } });
  // Append field 99 (varint), field 98 (fixed64), field 97 (fixed32), field 96 (bytes).
  const extra = [0x98, 0x06, 0x2a, 0x91, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x8d, 0x06, 1, 2, 3, 4, 0x82, 0x06, 2, 0x41, 0x42];
  const tm = [0x0a, 2, 0x76, 0x31, 0x12, 9, ...new TextEncoder().encode('Namespace')];
  const raw = [...ns, ...extra];
  const body = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, tm.length, ...tm, 0x12, raw.length, ...raw]);
  assert.deepEqual(decodeK8sProtobuf(body).object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', creationTimestamp: null }, spec: {}, status: {} });
});

test('malformed input → BadRequest', () => {
  assertBadRequest(new TextEncoder().encode('{"kind":"Pod"}'), /k8s\\0/);
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73]), /k8s\\0/);
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a]), /truncated varint/);
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x80]), /truncated varint/);
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x10, 0x01]), /past end/);
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint/);
  const unknownKind = encodeK8sProtobuf({ apiVersion: 'v1', kind: 'Namespace' });
  const patched = new TextDecoder('latin1').decode(unknownKind).replace('Namespace', 'Namespacx');
  assertBadRequest(Uint8Array.from(patched, (c) => c.charCodeAt(0)), /no kind "Namespacx"/);
  // Wire type mismatch inside the object.
  const tm = [0x0a, 2, 0x76, 0x31, 0x12, 9, ...new TextEncoder().encode('Namespace')];
  const raw = [0x08, 0x01]; // field 1 (metadata) as a varint
  assertBadRequest(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, tm.length, ...tm, 0x12, raw.length, ...raw]), /wire type/);
  // Deep nesting via self-embedding RawExtension is bounded.
  let inner: Uint8Array = encodeK8sProtobuf({ apiVersion: 'v1', kind: 'Namespace' });
  for (let i = 0; i < 200; i++) {
    const data = [0x0a, ...varint(inner.length), ...inner];
    const msg = [0x12, ...varint(data.length), ...data];
    const tmr = [0x0a, 7, ...new TextEncoder().encode('apps/v1'), 0x12, 18, ...new TextEncoder().encode('ControllerRevision')];
    inner = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, tmr.length, ...tmr, 0x12, ...varint(msg.length), ...msg]);
  }
  assertBadRequest(inner, /too deep/);
});

test('random garbage never hangs and only throws StatusError', () => {
  const good = encodeK8sProtobuf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', labels: { x: 'y' } }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  let seed = 12345;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let i = 0; i < 2000; i++) {
    const b = Uint8Array.from(good);
    const flips = 1 + (rand() % 4);
    for (let j = 0; j < flips; j++) b[4 + (rand() % (b.length - 4))] = rand() & 0xff;
    const cut = rand() % 3 === 0 ? b.subarray(0, 4 + (rand() % (b.length - 4))) : b;
    try {
      decodeK8sProtobuf(cut);
    } catch (e) {
      assert.ok(isStatusError(e), `iteration ${i}: ${String(e)}`);
    }
  }
});

test('encodeBase64 matches btoa', () => {
  for (const len of [0, 1, 2, 3, 4, 5, 100, 20000]) {
    const b = Uint8Array.from({ length: len }, (_, i) => (i * 37) & 0xff);
    assert.equal(encodeBase64(b), btoaOf(b));
  }
});

function btoaOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return out;
}
