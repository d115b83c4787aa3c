import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestPath } from './request-info.js';

test('namespaced resource paths', () => {
  assert.deepEqual(parseRequestPath('/apis/apps/v1/namespaces/default/deployments/web/scale'), {
    kind: 'resource', group: 'apps', version: 'v1', namespace: 'default', resource: 'deployments', name: 'web', subresource: 'scale', rest: [],
  });
  assert.deepEqual(parseRequestPath('/api/v1/namespaces/kube-system/pods'), {
    kind: 'resource', group: '', version: 'v1', namespace: 'kube-system', resource: 'pods', name: undefined, subresource: undefined, rest: [],
  });
});

test('namespaces are a cluster-scoped resource with status and finalize', () => {
  assert.deepEqual(parseRequestPath('/api/v1/namespaces/foo/status'), { kind: 'resource', group: '', version: 'v1', resource: 'namespaces', name: 'foo', subresource: 'status', rest: [] });
  const ns = parseRequestPath('/api/v1/namespaces/foo');
  assert.equal(ns.kind, 'resource');
  if (ns.kind === 'resource') {
    assert.equal(ns.resource, 'namespaces');
    assert.equal(ns.name, 'foo');
    assert.equal(ns.namespace, undefined);
  }
});

test('cluster-wide lists and non-resource paths', () => {
  const all = parseRequestPath('/api/v1/pods');
  assert.equal(all.kind === 'resource' && all.namespace, undefined);
  assert.deepEqual(parseRequestPath('/version'), { kind: 'nonresource', path: '/version' });
  assert.deepEqual(parseRequestPath('/apis/apps'), { kind: 'nonresource', path: '/apis/apps' });
  assert.deepEqual(parseRequestPath('/api/v1'), { kind: 'nonresource', path: '/api/v1' });
});

test('proxy paths keep the rest', () => {
  const p = parseRequestPath('/api/v1/namespaces/default/services/web:80/proxy/a/b');
  assert.equal(p.kind === 'resource' && p.rest.join('/'), 'a/b');
});
