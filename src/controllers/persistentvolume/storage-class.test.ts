import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimClassName, defaultClass, isDelayBinding } from './storage-class.js';
import type { PersistentVolumeClaim, StorageClass } from '../../api/types/index.js';

const sc = (name: string, created: string, isDefault: boolean | 'beta', mode?: 'WaitForFirstConsumer'): StorageClass => ({
  metadata: {
    name, creationTimestamp: created,
    annotations: isDefault === 'beta' ? { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }
      : isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : { 'storageclass.kubernetes.io/is-default-class': 'false' },
  },
  provisioner: 'example.com/p',
  volumeBindingMode: mode,
});

const claim = (spec: PersistentVolumeClaim['spec'], annotations?: Record<string, string>): PersistentVolumeClaim => ({ metadata: { name: 'c', namespace: 'ns', annotations }, spec });

test('default class: the newest marked default, then by name; "false" does not count', () => {
  assert.equal(defaultClass([sc('a', '2024-01-01T00:00:00Z', false)]), undefined);
  const classes = [sc('old', '2024-01-01T00:00:00Z', true), sc('new-b', '2024-02-01T00:00:00Z', true), sc('new-a', '2024-02-01T00:00:00Z', 'beta'), sc('newest', '2024-03-01T00:00:00Z', false)];
  assert.equal(defaultClass(classes)?.metadata.name, 'new-a');
});

test('claim class: beta annotation, then spec, then the default only when the claim names none', () => {
  const classes = [sc('local-path', '2024-01-01T00:00:00Z', true)];
  assert.equal(claimClassName(claim({}), classes), 'local-path');
  // JSON from a client may carry null where the model says string | undefined.
  assert.equal(claimClassName(claim({ storageClassName: null as unknown as string }), classes), 'local-path');
  assert.equal(claimClassName(claim({}), []), '', 'no default: no class');
  assert.equal(claimClassName(claim({ storageClassName: '' }), classes), '', '"" asks for no class');
  assert.equal(claimClassName(claim({ storageClassName: 'fast' }), classes), 'fast');
  assert.equal(claimClassName(claim({ storageClassName: 'fast' }, { 'volume.beta.kubernetes.io/storage-class': 'slow' }), classes), 'slow');
});

test('binding waits for a consumer until a node is selected', () => {
  const wffc = sc('local-path', '2024-01-01T00:00:00Z', true, 'WaitForFirstConsumer');
  assert.equal(isDelayBinding(claim({}), wffc), true);
  assert.equal(isDelayBinding(claim({}, { 'volume.kubernetes.io/selected-node': 'n1' }), wffc), false);
  assert.equal(isDelayBinding(claim({}), sc('x', '2024-01-01T00:00:00Z', false)), false);
  assert.equal(isDelayBinding(claim({}), undefined), false);
});
