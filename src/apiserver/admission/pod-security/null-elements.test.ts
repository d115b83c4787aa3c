import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePod } from './checks.js';
import type { PodSpec } from '../../../api/types/index.js';

// Fuzz: `containers: [null]` (YAML `containers: [-]`) reached PodSecurity, which runs before
// validation, and `c.securityContext` threw: a 500 for a body upstream answers with 422.
test('null elements in the lists the checks walk are zero-value structs, as after Go decode', () => {
  const spec = {
    containers: [null, { name: 'c', image: 'x', ports: [null, { containerPort: 80, hostPort: 8080 }], securityContext: { capabilities: { add: [null, 'NET_ADMIN'] } } }],
    initContainers: [null],
    ephemeralContainers: [null],
    volumes: [null, { name: 'h', hostPath: { path: '/' } }],
    securityContext: { sysctls: [null] },
  } as unknown as PodSpec;
  const baseline = evaluatePod('baseline', {}, spec).map((v) => v.reason);
  assert.ok(baseline.includes('hostPath volumes'), baseline.join());
  assert.ok(baseline.includes('hostPort'), baseline.join());
  assert.ok(baseline.includes('non-default capabilities'), baseline.join());
  const restricted = evaluatePod('restricted', {}, spec).map((v) => v.reason);
  assert.ok(restricted.length > baseline.length);
});
