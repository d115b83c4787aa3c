import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types/index.js';
import { isSpecialIP } from '../api/special-ip.js';
import { buildRoutes, certFor, hostOf, matchRoute, normalizePrefix, pickEndpoint, tlsSecretRefs, type RouteTable } from './routes.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function svc(name: string, ports: { name?: string; port: number; targetPort?: number | string }[], ns = 'default'): KObject {
  return deepFreeze({ metadata: { name, namespace: ns }, spec: { ports } });
}

function slice(service: string, ports: { name?: string; port: number }[], addrs: { ip: string; ready?: boolean }[], ns = 'default', suffix = 'a'): KObject {
  return deepFreeze({
    metadata: { name: `${service}-${suffix}`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports,
    endpoints: addrs.map((a) => ({ addresses: [a.ip], conditions: { ready: a.ready ?? true } })),
  });
}

function ing(name: string, spec: Record<string, unknown>, created = '2024-01-01T00:00:00Z', ns = 'default'): KObject {
  return deepFreeze({ metadata: { name, namespace: ns, creationTimestamp: created }, spec });
}

const be = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });

function target(t: RouteTable, host: string, path: string): string | undefined {
  const b = matchRoute(t, host, path);
  return b?.id;
}

const services = [
  svc('nginx-service', [{ port: 8080, targetPort: 80 }]),
  svc('mobile-service', [{ name: 'http', port: 8080, targetPort: 'web' }]),
  svc('a', [{ port: 80 }]),
  svc('b', [{ port: 80 }]),
  svc('c', [{ port: 80 }]),
];
const slices = [
  slice('nginx-service', [{ port: 80 }], [{ ip: '10.42.0.5' }, { ip: '10.42.0.6', ready: false }]),
  slice('mobile-service', [{ name: 'http', port: 3000 }], [{ ip: '10.42.0.7' }]),
  slice('a', [{ port: 81 }], [{ ip: '10.0.0.1' }]),
  slice('b', [{ port: 82 }], [{ ip: '10.0.0.2' }]),
  slice('c', [{ port: 83 }], [{ ip: '10.0.0.3' }]),
];

test("the article's v1beta1 Ingress (stored as v1 with only a defaultBackend) catches everything", () => {
  const t = buildRoutes([ing('nginx-ingress', { defaultBackend: be('nginx-service', 8080) })], services, slices, []);
  for (const [h, p] of [['', '/'], ['localhost', '/index.html'], ['anything.example', '/a/b']] as const) {
    const b = matchRoute(t, h, p);
    assert.equal(b?.id, 'default/nginx-service:8080');
    // target port resolved through the service port to the slice's port; not-ready skipped
    assert.deepEqual(b?.endpoints.map((e) => `${e.host}:${e.port}`), ['10.42.0.5:80']);
  }
  assert.deepEqual(t.served, ['default/nginx-ingress']);
});

test('host + path rules send a mobile host and path to a second service', () => {
  const t = buildRoutes(
    [
      ing('web', {
        defaultBackend: be('nginx-service', 8080),
        rules: [
          { host: 'm.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('mobile-service', 'http') }] } },
          { http: { paths: [{ path: '/mobile', pathType: 'Prefix', backend: be('mobile-service', 8080) }] } },
        ],
      }),
    ],
    services,
    slices,
    [],
  );
  assert.equal(target(t, 'm.example.com', '/x'), 'default/mobile-service:http');
  assert.deepEqual(matchRoute(t, 'm.example.com', '/')?.endpoints.map((e) => `${e.host}:${e.port}`), ['10.42.0.7:3000']);
  assert.equal(target(t, 'www.example.com', '/mobile/app'), 'default/mobile-service:8080');
  assert.deepEqual(matchRoute(t, 'x', '/mobile')?.endpoints.map((e) => e.port), [3000]);
  assert.equal(target(t, 'www.example.com', '/mobiles'), 'default/nginx-service:8080');
  assert.equal(target(t, 'www.example.com', '/'), 'default/nginx-service:8080');
});

test('Exact vs Prefix: element-wise prefixes, longest wins, Exact beats Prefix', () => {
  const t = buildRoutes(
    [
      ing('p', {
        rules: [
          {
            host: 'h',
            http: {
              paths: [
                { path: '/foo', pathType: 'Prefix', backend: be('a', 80) },
                { path: '/foo', pathType: 'Exact', backend: be('b', 80) },
                { path: '/foo/bar/', pathType: 'ImplementationSpecific', backend: be('c', 80) },
              ],
            },
          },
        ],
      }),
    ],
    services,
    slices,
    [],
  );
  assert.equal(target(t, 'h', '/foo'), 'default/b:80');
  assert.equal(target(t, 'h', '/foo/'), 'default/a:80');
  assert.equal(target(t, 'h', '/foo/baz'), 'default/a:80');
  assert.equal(target(t, 'h', '/foo/bar'), 'default/c:80');
  assert.equal(target(t, 'h', '/foo/bar/x'), 'default/c:80');
  assert.equal(target(t, 'h', '/foo/barx'), 'default/a:80');
  assert.equal(target(t, 'h', '/foobar'), undefined, 'no element-wise match and no default → 404');
  assert.equal(target(t, 'h', '/FOO'), undefined, 'case-sensitive');
  assert.equal(target(t, 'other', '/foo'), undefined, 'host rules only apply to their host');
  assert.equal(normalizePrefix('/a//'), '/a');
  assert.equal(normalizePrefix(''), '/');
});

test('wildcard hosts cover exactly one label; exact hosts win; hostless rules are the fallback', () => {
  const t = buildRoutes(
    [
      ing('w', {
        rules: [
          { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('a', 80) }] } },
          { host: 'api.example.com', http: { paths: [{ path: '/v1', pathType: 'Prefix', backend: be('b', 80) }] } },
          { http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('c', 80) }] } },
        ],
      }),
    ],
    services,
    slices,
    [],
  );
  assert.equal(target(t, 'foo.example.com', '/'), 'default/a:80');
  assert.equal(target(t, 'api.example.com', '/v1/x'), 'default/b:80');
  assert.equal(target(t, 'api.example.com', '/other'), 'default/c:80', 'exact host without a matching path falls through');
  assert.equal(target(t, 'a.b.example.com', '/'), 'default/c:80', 'wildcard is one label only');
  assert.equal(target(t, 'example.com', '/'), 'default/c:80');
  assert.equal(hostOf('Foo.Example.com:8080'), 'foo.example.com');
  assert.equal(hostOf('[::1]:80'), '::1');
});

test('ingress classes, conflicts (oldest wins), missing services and endpoints', () => {
  const t = buildRoutes(
    [
      ing('newer', { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('b', 80) }] } }] }, '2024-02-01T00:00:00Z'),
      ing('older', { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('a', 80) }] } }] }, '2024-01-01T00:00:00Z'),
      ing('other-class', { ingressClassName: 'nginx', defaultBackend: be('c', 80) }),
      ing('mine', { ingressClassName: 'k8ts', rules: [{ host: 'gone', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('nope', 80) }] } }] }),
    ],
    services,
    slices,
    [],
  );
  assert.equal(target(t, 'h', '/'), 'default/a:80');
  assert.equal(target(t, 'x', '/'), undefined, 'the other class is not served');
  assert.deepEqual(matchRoute(t, 'gone', '/')?.endpoints, [], 'unknown service → backend without endpoints (503)');
  assert.deepEqual([...t.served].sort(), ['default/mine', 'default/newer', 'default/older']);
  const notDefault = buildRoutes([ing('x', { defaultBackend: be('a', 80) })], services, slices, [], { isDefaultClass: false });
  assert.deepEqual(notDefault.served, []);
});

test('TLS certificates by SNI name from Secrets', () => {
  const secret = deepFreeze({
    metadata: { name: 'tls-a', namespace: 'default', resourceVersion: '7' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') },
  });
  const t = buildRoutes([ing('t', { tls: [{ hosts: ['a.example.com', '*.w.example.com'], secretName: 'tls-a' }, { hosts: ['b.example.com'], secretName: 'missing' }] })], services, slices, [secret]);
  assert.equal(certFor(t, 'A.example.com')?.cert, 'CERT');
  assert.equal(certFor(t, 'x.w.example.com')?.key, 'KEY');
  assert.equal(certFor(t, 'x.w.example.com')?.id, 'default/tls-a@7');
  assert.equal(certFor(t, 'b.example.com'), undefined);
});

test('round-robin skips endpoints marked down', () => {
  const t = buildRoutes([ing('x', { defaultBackend: be('s', 80) })], [svc('s', [{ port: 80 }])], [slice('s', [{ port: 1 }], [{ ip: 'a' }, { ip: 'b' }, { ip: 'c' }])], []);
  const b = matchRoute(t, '', '/')!;
  assert.deepEqual([0, 1, 2, 3].map(() => pickEndpoint(b, 0)!.host), ['a', 'b', 'c', 'a']);
  b.endpoints[1].downUntil = 100;
  assert.deepEqual([0, 1, 2].map(() => pickEndpoint(b, 50)!.host), ['c', 'a', 'c']);
  assert.equal(pickEndpoint(b, 200, b.endpoints[0])!.host, 'b');
});

test('tlsSecretRefs: the Secrets of served Ingresses, namespaced, once each', () => {
  const ings = [
    ing('a', { tls: [{ hosts: ['a'], secretName: 's1' }, { secretName: 's2' }, { hosts: ['x'] }] }),
    ing('b', { tls: [{ secretName: 's1' }] }, '2024-01-02T00:00:00Z', 'other'),
    ing('c', { ingressClassName: 'nginx', tls: [{ secretName: 'theirs' }] }),
    ing('d', { tls: [{ secretName: 's1' }] }),
  ];
  assert.deepEqual(tlsSecretRefs(ings), ['default/s1', 'default/s2', 'other/s1']);
  assert.deepEqual(tlsSecretRefs(ings, { isDefaultClass: false }), []);
});

test('refuseAddress: loopback, link-local and unspecified endpoints are never routed to', () => {
  const s = slice('x', [{ port: 80 }], [{ ip: '127.0.0.1' }, { ip: '169.254.169.254' }, { ip: '0.0.0.0' }, { ip: '10.42.0.9' }]);
  const svcs = [svc('x', [{ port: 80 }])];
  const ingX = ing('x', { defaultBackend: be('x', 80) });
  const eps = (t: RouteTable) => matchRoute(t, 'h', '/')?.endpoints.map((e) => e.host);
  assert.deepEqual(eps(buildRoutes([ingX], svcs, [s], [], { refuseAddress: isSpecialIP })), ['10.42.0.9']);
  // Only the refused addresses go: with every endpoint refused, the backend has none (503).
  const only = slice('x', [{ port: 80 }], [{ ip: '127.0.0.1' }]);
  assert.deepEqual(eps(buildRoutes([ingX], svcs, [only], [], { refuseAddress: isSpecialIP })), []);
  assert.deepEqual(eps(buildRoutes([ingX], svcs, [only], [])), ['127.0.0.1'], 'no refusal without the option');
});
