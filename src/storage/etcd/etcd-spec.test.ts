import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseEtcdSpec } from './etcd-spec.js';
import { prefixEnd } from './etcd-store.js';

it('parses etcd:// and etcds:// datastore values', () => {
  assert.deepEqual(parseEtcdSpec('etcd://127.0.0.1:2379'), { endpoints: ['http://127.0.0.1:2379'], tls: false, prefix: '' });
  assert.deepEqual(parseEtcdSpec('etcds://a:1,b.example:2,[::1]:3/?prefix=/k8ts/'), { endpoints: ['https://a:1', 'https://b.example:2', 'https://[::1]:3'], tls: true, prefix: '/k8ts' });
  assert.deepEqual(parseEtcdSpec('etcd://h'), { endpoints: ['http://h:2379'], tls: false, prefix: '' });
  assert.throws(() => parseEtcdSpec('etcd://'), /names no etcd endpoint/);
  assert.throws(() => parseEtcdSpec('etcd://h:99999'), /is not HOST:PORT/);
  assert.throws(() => parseEtcdSpec('etcd://h:1?foo=1'), /unknown etcd datastore option "foo"/);
  assert.throws(() => parseEtcdSpec('etcd://h:1?prefix=x'), /must start with \//);
  assert.throws(() => parseEtcdSpec('http://h:1'), /not an etcd datastore/);
});

it('prefixEnd is the first key after the prefix', () => {
  assert.deepEqual(prefixEnd(Buffer.from('/a/')), Buffer.from('/a0'));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.from([0]));
  assert.deepEqual(prefixEnd(Buffer.from('')), Buffer.from([0]));
});
