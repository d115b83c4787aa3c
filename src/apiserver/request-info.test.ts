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

test('legacy watch paths address collections and single objects', () => {
  assert.deepEqual(parseRequestPath('/api/v1/watch/namespaces/default/configmaps'), {
    kind: 'resource', group: '', version: 'v1', namespace: 'default', resource: 'configmaps', name: undefined, subresource: undefined, rest: [], watch: true,
  });
  assert.deepEqual(parseRequestPath('/api/v1/watch/namespaces/default/configmaps/cm1'), {
    kind: 'resource', group: '', version: 'v1', namespace: 'default', resource: 'configmaps', name: 'cm1', subresource: undefined, rest: [], watch: true,
  });
  assert.deepEqual(parseRequestPath('/api/v1/watch/pods'), {
    kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'pods', name: undefined, subresource: undefined, rest: [], watch: true,
  });
  assert.deepEqual(parseRequestPath('/apis/apps/v1/watch/namespaces/ns1/deployments/web'), {
    kind: 'resource', group: 'apps', version: 'v1', namespace: 'ns1', resource: 'deployments', name: 'web', subresource: undefined, rest: [], watch: true,
  });
  const ns = parseRequestPath('/api/v1/watch/namespaces/foo');
  assert.equal(ns.kind === 'resource' && `${ns.resource}/${ns.name}/${ns.watch}`, 'namespaces/foo/true');
  const all = parseRequestPath('/api/v1/watch/namespaces');
  assert.equal(all.kind === 'resource' && `${all.resource}/${all.name}/${all.watch}`, 'namespaces/undefined/true');
  // Not a watch: no `watch` key at all.
  assert.equal('watch' in parseRequestPath('/api/v1/namespaces/default/pods'), false);
});
