import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeK8sProtobuf } from './protobuf.js';
import { findUnknownFields } from './fields.js';
import { parseApiVersion } from './schema.js';
import { KUBECTL_PROTOBUF_REQUESTS } from './fixtures/kubectl-requests.js';

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

for (const fx of KUBECTL_PROTOBUF_REQUESTS) {
  test(`real kubectl bytes: ${fx.command}`, () => {
    const got = decodeK8sProtobuf(fromBase64(fx.body));
    assert.deepEqual(got.object, fx.expected);
    assert.equal(got.apiVersion, fx.expected.apiVersion);
    assert.equal(got.kind, fx.expected.kind);
    // What kubectl sends is, by construction, free of unknown fields.
    const { group, version } = parseApiVersion(got.apiVersion);
    assert.deepEqual(findUnknownFields(group, version, got.kind, got.object), []);
  });
}

test('fixtures cover the kinds kubectl posts as protobuf', () => {
  const kinds = new Set(KUBECTL_PROTOBUF_REQUESTS.map((f) => f.expected.kind));
  for (const k of ['Deployment', 'Namespace', 'Service', 'ConfigMap', 'Secret', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SelfSubjectReview', 'TokenRequest', 'Job', 'HorizontalPodAutoscaler']) {
    assert.ok(kinds.has(k), k);
  }
});
