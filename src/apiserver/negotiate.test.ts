import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDeleteOptionsBody, parseAccept, prefersProtobuf } from './negotiate.js';
import { encodeK8sProtobufObject } from '../api/schema/index.js';
import { isStatusError } from '../api/status.js';

const PB = 'application/vnd.kubernetes.protobuf';

test('client-go prefers protobuf and accepts JSON as a fallback', () => {
  assert.deepEqual(parseAccept(`${PB}, application/json`), { table: false, tableVersion: 'v1', protobuf: true, jsonOk: true });
  assert.deepEqual(parseAccept(PB), { table: false, tableVersion: 'v1', protobuf: true, jsonOk: false });
  assert.equal(parseAccept('application/json').protobuf, false);
  assert.equal(parseAccept(undefined).protobuf, undefined);
  assert.equal(parseAccept(`application/json, ${PB}`).protobuf, false);
  // Weights outrank order.
  assert.equal(parseAccept(`application/json;q=0.5, ${PB}`).protobuf, true);
  assert.equal(parseAccept(`${PB};q=0, application/json`).protobuf, false);
  assert.equal(prefersProtobuf(`${PB},application/json`), true);
  assert.equal(prefersProtobuf('text/html'), false);
});

test('Tables stay JSON even when protobuf is listed', () => {
  const a = parseAccept(`application/json;as=Table;v=v1;g=meta.k8s.io, ${PB}, application/json`);
  assert.equal(a.table, true);
  assert.notEqual(a.protobuf, true);
});

test('nothing acceptable is a 406', () => {
  assert.throws(() => parseAccept('text/html'), (e: unknown) => isStatusError(e) && e.status.code === 406);
});

test('DeleteOptions bodies: empty, JSON, protobuf under any group version; bad ones are 400/415', () => {
  assert.deepEqual(decodeDeleteOptionsBody(Buffer.alloc(0), PB), {});
  assert.deepEqual(decodeDeleteOptionsBody(Buffer.from('{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":5}'), 'application/json'), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 5 });
  for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1', 'batch/v1']) {
    const want = { apiVersion, kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'u', resourceVersion: '3' }, orphanDependents: true, propagationPolicy: 'Foreground', dryRun: ['All'] };
    assert.deepEqual(decodeDeleteOptionsBody(encodeK8sProtobufObject(want)!, PB), want);
  }
  const bad = (body: Buffer, type: string, code: number, msg: RegExp): void => {
    assert.throws(() => decodeDeleteOptionsBody(body, type), (e: unknown) => isStatusError(e) && e.status.code === code && msg.test(e.status.message ?? ""));
  };
  bad(Buffer.from('k8s\0v1'), PB, 400, /DeleteOptions in the body could not be decoded: .*invalid protobuf/);
  bad(Buffer.from('not json'), 'application/json', 400, /DeleteOptions in the body could not be decoded/);
  bad(encodeK8sProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })!, PB, 400, /expected kind DeleteOptions, got "ConfigMap"/);
  bad(Buffer.from('{}'), 'application/x-thrift', 415, /unknown format/);
});
