import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuantity, canonicalQuantity, quantityToNumber, milliValue, integerValue, compareQuantities,
  addQuantities, subtractQuantities, QuantityParseError,
} from './quantity.js';
import { canonicalizeQuantities } from './canonicalize.js';

test('canonical form follows upstream rules', () => {
  const cases: Array<[string | number, string]> = [
    ['1000m', '1'], ['0.5', '500m'], ['1.5', '1500m'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'],
    ['100M', '100M'], ['2e3', '2e3'], ['1E3', '1e3'], ['1.5e3', '1500'], ['1e-3', '1e-3'], ['12e6', '12e6'],
    ['0', '0'], ['0Mi', '0'], ['-0.0', '0'], ['+5', '5'], ['-1.5Gi', '-1536Mi'], ['1Ki', '1Ki'],
    ['0.5Ki', '512'], ['1023', '1023'], ['100m', '100m'], ['1E', '1E'], ['1000E', '1000E'],
    ['128974848', '128974848'], ['129e6', '129e6'], ['129M', '129M'], ['123Mi', '123Mi'],
    ['0.9Gi', '966367641600m'], ['.5', '500m'], ['5.', '5'], ['1n', '1n'], ['0.1n', '1n'],
    ['1.0000000001', '1000000001n'], ['1024', '1024'], ['2048Ki', '2Mi'], ['1k', '1k'], ['1000', '1k'],
    [1, '1'], [0.25, '250m'], [1024, '1024'], [1e21, '1e21'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `input ${String(input)}`);
});

test('invalid quantities throw', () => {
  for (const bad of ['', '.', 'abc', '1K', '1ki', '1e', '1e+', '1ee3', '1 Gi', '--1', '1Gi3', '1.2.3', 'Mi', '1Mi5', '1e3.5']) {
    assert.throws(() => parseQuantity(bad), QuantityParseError, `input ${JSON.stringify(bad)}`);
  }
});

test('numeric accessors', () => {
  assert.equal(quantityToNumber('1.5Gi'), 1610612736);
  assert.equal(quantityToNumber('250m'), 0.25);
  assert.equal(milliValue('0.5'), 500);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('1n'), 1);
  assert.equal(integerValue('1500m'), 2);
  assert.equal(integerValue('1Mi'), 1048576);
  assert.equal(compareQuantities('1Gi', '1024Mi'), 0);
  assert.equal(compareQuantities('1G', '1Gi'), -1);
  assert.equal(compareQuantities('2', '1999m'), 1);
  assert.equal(canonicalQuantity(addQuantities(parseQuantity('1Gi'), parseQuantity('512Mi'))), '1536Mi');
  assert.equal(canonicalQuantity(subtractQuantities(parseQuantity('1'), parseQuantity('250m'))), '750m');
});

test('canonicalizeQuantities rewrites pod template and reports invalid values', () => {
  const d = {
    metadata: { name: 'd' },
    spec: { template: { spec: {
      containers: [{ name: 'c', resources: { limits: { cpu: 0.5, memory: '1024Mi' }, requests: { cpu: '1n', memory: 'lots' } } }],
      volumes: [{ name: 'v', emptyDir: { sizeLimit: '1.5Gi' } }],
    } } },
  };
  const errs = canonicalizeQuantities('apps', 'Deployment', d);
  const c = d.spec.template.spec.containers[0]!;
  assert.deepEqual(c.resources.limits, { cpu: '500m', memory: '1Gi' });
  assert.equal(c.resources.requests.cpu, '1m', 'resource lists round up to milli');
  assert.equal(c.resources.requests.memory, 'lots');
  assert.equal(d.spec.template.spec.volumes[0]!.emptyDir.sizeLimit, '1536Mi');
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.field, 'spec.template.spec.containers[0].resources.requests[memory]');
  assert.match(errs[0]!.message, /^Invalid value: "lots": quantities must match the regular expression/);
});

test('canonicalizeQuantities covers quota, limit range, node, pvc', () => {
  const rq = { metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '2000m', pods: 10 } }, status: { used: { pods: '0' } } };
  assert.deepEqual(canonicalizeQuantities('', 'ResourceQuota', rq), []);
  assert.deepEqual(rq.spec.hard, { 'requests.cpu': '2', pods: '10' });
  const lr = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { memory: '2048Mi' }, maxLimitRequestRatio: { cpu: 'x' } }] } };
  const errs = canonicalizeQuantities('', 'LimitRange', lr);
  assert.equal(lr.spec.limits[0]!.max.memory, '2Gi');
  assert.equal(errs[0]!.field, 'spec.limits[0].maxLimitRequestRatio[cpu]');
  const node = { metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '8192Mi' }, allocatable: { memory: '8000000Ki' } } };
  canonicalizeQuantities('', 'Node', node);
  assert.deepEqual(node.status, { capacity: { cpu: '4', memory: '8Gi' }, allocatable: { memory: '8000000Ki' } });
  const pvc = { metadata: { name: 'p' }, spec: { resources: { requests: { storage: '1024Mi' } } } };
  canonicalizeQuantities('', 'PersistentVolumeClaim', pvc);
  assert.equal(pvc.spec.resources.requests.storage, '1Gi');
});
