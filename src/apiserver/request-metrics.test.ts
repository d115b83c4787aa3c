import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { lookupResource } from '../api/registry/index.js';
import { parseRequestPath, type ResourceRequestInfo } from './request-info.js';
import { requestSeries } from './request-metrics.js';

/** The series a request is recorded under, as its label values. */
function labelsOf(method: string, path: string, contentType?: string): Record<string, string> & { longRunning: string } {
  const url = new URL(path, 'https://localhost');
  const info = parseRequestPath(url.pathname) as ResourceRequestInfo;
  const def = lookupResource(info.group, info.version, info.resource);
  assert.ok(def, path);
  const req = { method, headers: contentType ? { 'content-type': contentType } : {} } as IncomingMessage;
  const s = requestSeries(req, url, info, def);
  return { ...s.labels, longRunning: String(s.longRunning) };
}

test('verbs and scopes are reported as upstream does', () => {
  const cases: Array<[string, string, string | undefined, string, string]> = [
    ['GET', '/api/v1/namespaces/default/pods', undefined, 'LIST', 'namespace'],
    ['GET', '/api/v1/pods', undefined, 'LIST', 'cluster'],
    ['GET', '/api/v1/namespaces/default/pods/web', undefined, 'GET', 'resource'],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', undefined, 'WATCH', 'namespace'],
    ['GET', '/api/v1/pods?watch=1&resourceVersion=5', undefined, 'WATCH', 'cluster'],
    ['POST', '/api/v1/namespaces/default/pods', 'application/json', 'POST', 'resource'],
    ['PUT', '/api/v1/namespaces/default/pods/web', 'application/json', 'PUT', 'resource'],
    ['PATCH', '/apis/apps/v1/namespaces/default/deployments/web', 'application/merge-patch+json', 'PATCH', 'resource'],
    ['PATCH', '/apis/apps/v1/namespaces/default/deployments/web', 'application/apply-patch+yaml', 'APPLY', 'resource'],
    ['DELETE', '/api/v1/namespaces/default/pods/web', undefined, 'DELETE', 'resource'],
    ['DELETE', '/api/v1/namespaces/default/pods', undefined, 'DELETE', 'namespace'],
    ['GET', '/api/v1/namespaces/default/pods/web/log', undefined, 'CONNECT', 'resource'],
    ['POST', '/api/v1/namespaces/default/pods/web/exec?command=ls', undefined, 'CONNECT', 'resource'],
    ['GET', '/api/v1/nodes', undefined, 'LIST', 'cluster'],
    ['GET', '/api/v1/namespaces/kube-system', undefined, 'GET', 'resource'],
  ];
  for (const [method, path, ct, verb, scope] of cases) {
    const l = labelsOf(method, path, ct);
    assert.equal(l.verb, verb, `${method} ${path}`);
    assert.equal(l.scope, scope, `${method} ${path}`);
    assert.equal(l.longRunning, String(verb === 'WATCH' || verb === 'CONNECT'), `${method} ${path}`);
  }
});

test('labels carry the resource, a known subresource, dry_run and the component', () => {
  assert.deepEqual(
    (({ longRunning: _, ...rest }) => rest)(labelsOf('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale?dryRun=All')),
    { verb: 'PUT', dry_run: 'All', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', scope: 'resource', component: 'apiserver' },
  );
  // A subresource the resource does not have is no label value (label values stay bounded).
  assert.equal(labelsOf('GET', '/api/v1/namespaces/default/configmaps/x/whatever').subresource, '');
  assert.equal(labelsOf('POST', '/api/v1/namespaces/default/pods/web/binding').subresource, 'binding');
});

test('one series object per label combination, whatever the name or namespace', () => {
  const a = parseRequestPath('/api/v1/namespaces/a/pods/x') as ResourceRequestInfo;
  const b = parseRequestPath('/api/v1/namespaces/b/pods/y') as ResourceRequestInfo;
  const def = lookupResource('', 'v1', 'pods')!;
  const req = { method: 'GET', headers: {} } as IncomingMessage;
  const u = new URL('https://localhost/');
  assert.equal(requestSeries(req, u, a, def), requestSeries(req, u, b, def));
});
